"""A Korean corpus end to end: ingested, split into morphemes, trained, queried."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.words import similar_words, train_words
from embedlab.store.workspace import Workspace

GROUPS = {  # two words per group that always share the same context words
    "pets": (["고양이", "강아지"], ["먹이", "산책", "동물병원", "목줄", "사료", "털"]),
    "cars": (["자동차", "트럭"], ["운전", "주차", "엔진", "연료", "도로", "차고"]),
    "fruit": (["사과", "배"], ["과수원", "껍질", "과즙", "수확", "바구니", "시장"]),
}


def korean_corpus(n: int = 900, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    names = list(GROUPS)
    lines = []
    for _ in range(n):
        words, context = GROUPS[names[rng.integers(len(names))]]
        left, right = rng.choice(context, size=2, replace=False)
        lines.append(f"{left} {words[rng.integers(2)]} {right}")
    return lines


def test_korean_corpus_trains_and_neighbours_make_sense(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(korean_corpus()) + "\n", encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    ingest(workspace, "corpus", path, text="text")
    params = {"vector_size": 16, "window": 3, "epochs": 30, "min_count": 1, "sample": 0.0}
    report = train_words(workspace, "corpus", "word2vec", params=params)
    words = set(workspace.dataset("corpus-words").ids())
    assert {"고양이", "강아지", "자동차", "트럭"} <= words  # morphemes, not whole phrases
    hits = similar_words(workspace, "corpus-words", "word2vec", "고양이", k=3)
    assert hits[0].word == "강아지", hits
    assert workspace.space("corpus-words", "word2vec").dim == 16 and report is not None
