"""`tokens`: every occurrence of a word with its contextual vector, stored as a dataset and a
space; MiniLM separates "a play" from "to play"; Korean 배 is found inside its phrases."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.analysis.senses import PLAY_SENSES, bae_corpus, sense_separation
from embedlab.errors import InvalidInputError
from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.tokens import token_dataset
from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error

SENSE_OF = {f"{s}{i}": s for s, group in PLAY_SENSES.items() for i in range(len(group))}


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows(rows)
    return path


@pytest.fixture
def play_csv(tmp_path: Path) -> Path:
    rows = [(f"{s}{i}", t) for s, group in PLAY_SENSES.items() for i, t in enumerate(group)]
    rows.append(("two", "I saw a Play. Then we play outside, and no one plays."))
    return write_csv(tmp_path / "play.csv", rows)


@pytest.mark.slow
def test_minilm_token_vectors_separate_the_two_senses_of_play(
    ws: Workspace, play_csv: Path
) -> None:
    ingest(ws, "play", play_csv, text="text", id="id")
    report = token_dataset(ws, "play", "play", "minilm")
    assert (report.dataset, report.space, report.dim) == ("play-play", "minilm", 384)
    space = ws.space("play-play", "minilm")
    rows = [i for i, item in enumerate(space.ids()) if item.split(":")[0] in SENSE_OF]
    senses = [SENSE_OF[space.ids()[i].split(":")[0]] for i in rows]
    separation = sense_separation(space.vectors()[rows], senses)
    # measured: 0.9583 and 1.0 (the majority baseline is 0.5)
    assert separation.nn_agreement >= 0.9 and separation.purity >= 0.9, separation


def test_rows_ids_and_sentences(ws: Workspace, play_csv: Path) -> None:
    ingest(ws, "play", play_csv, text="text", id="id")
    report = token_dataset(ws, "play", "play", "minilm", out="occ")
    rows = {r["id"]: r for r in ws.dataset("occ").to_arrow().to_pylist()}
    assert report.n_occurrences == len(rows) == 26 and report.n_texts == 25
    first, second = rows["two:3"], rows["two:7"]  # i saw a play . then we play
    assert (first["text"], first["form"], first["start"]) == ("I saw a Play.", "Play", 8)
    assert second["text"].startswith("Then we play outside") and second["source_id"] == "two"
    assert len([k for k in rows if k.startswith("two:")]) == 2, "'plays' is another word"
    entry = ws.dataset("occ").meta
    assert entry["kind"] == "tokens" and entry["text_column"] == "text"
    assert list(entry["inputs"]) == ["dataset:play:play"]


@pytest.mark.slow
def test_korean_bae_with_minilm_and_elmo_side_by_side(ws: Workspace, tmp_path: Path) -> None:
    texts, senses = bae_corpus(60)
    ingest(
        ws,
        "ko",
        write_csv(tmp_path / "ko.csv", [(f"k{i}", t) for i, t in enumerate(texts)]),
        text="text",
        id="id",
    )
    params = {"dim": 16, "max_epochs": 1, "min_count": 1, "batch_size": 8}
    fitted = embed(ws, "ko", "elmo", params=params).method_report
    assert np.isfinite(fitted["heldout_perplexity"]) and fitted["unigram_perplexity"] > 1
    minilm = token_dataset(ws, "ko", "배", "minilm")
    elmo = token_dataset(ws, "ko", "배", "elmo")
    assert minilm.dataset == elmo.dataset == "ko-tokens"  # 배 cannot be part of a name
    assert minilm.n_occurrences == elmo.n_occurrences == len(texts)  # one 배 per text
    assert set(ws.space_names("ko-tokens")) == {"minilm", "elmo"}, "the dataset is kept"
    space = ws.space("ko-tokens", "elmo")
    assert "space:ko:elmo" in space.meta["inputs"] and space.dim == 32
    order = [int(i.split(":")[0][1:]) for i in space.ids()]
    texts_by_row = {row: texts[row] for row in order}
    unique = sorted(set(texts_by_row.values()))
    first = [next(r for r in order if texts_by_row[r] == t) for t in unique]
    vectors = space.vectors()[[order.index(r) for r in first]]
    separation = sense_separation(vectors, [senses[r] for r in first])
    # templated contexts: even an untrained biLSTM tells them apart; this shows 배 is found
    # inside 배를/배가 and its vectors follow the context, not that ELMo learned the senses
    assert separation.nn_agreement >= 0.9, separation


def test_no_occurrence_and_bad_requests_are_clear_errors(run, play_csv: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("ingest", "play", str(play_csv), "--text", "text", "--id", "id")[0] == 0
    code, _, err = run("tokens", "play", "--word", "banana")
    assert_clear_error(code, err, "The word 'banana' does not occur in the 25 texts")
    code, _, err = run("tokens", "play", "--word", "a play")
    assert_clear_error(code, err, "Expected one word (a single token); got 'a play'")
    code, _, err = run("tokens", "play", "--word", "play", "--method", "pca")
    assert_clear_error(code, err, "Token vectors come from 'minilm' or 'elmo'")
    code, _, err = run("tokens", "play", "--word", "play", "--method", "elmo")
    assert_clear_error(code, err, "No space 'elmo' in dataset 'play'")
    assert run("embed", "play", "--method", "tfidf-svd", "--param", "n_components=4")[0] == 0
    code, _, err = run(
        "tokens", "play", "--word", "play", "--method", "elmo", "--space", "tfidf-svd"
    )
    assert_clear_error(code, err, "was made by 'tfidf-svd', not 'elmo'")
    code, _, err = run("tokens", "play", "--word", "play", "--space", "tfidf-svd")
    assert_clear_error(code, err, "'minilm' is pretrained and needs none")
    code, _, err = run("tokens", "play", "--word", "play", "--out", "play")
    assert_clear_error(code, err, "cannot replace its corpus 'play'")
    workspace = Workspace(run.workspace)
    assert workspace.dataset_names() == ["play"] and workspace.space_names("play") == ["tfidf-svd"]


def test_cli_json_and_refusal_to_replace_another_dataset(run, play_csv: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("ingest", "play", str(play_csv), "--text", "text", "--id", "id")[0] == 0
    assert run("ingest", "other", str(play_csv), "--text", "text", "--id", "id")[0] == 0
    code, _, err = run("tokens", "play", "--word", "play", "--out", "other")
    assert_clear_error(code, err, "Dataset 'other' already exists and was not made by `tokens`")
    assert len(Workspace(run.workspace).dataset("other")) == 25
    code, out, _ = run("tokens", "play", "--word", "PLAY", "--json")
    info = json.loads(out)
    assert code == 0 and info["dataset"] == "play-play" and info["n_occurrences"] == 26
    code, out, _ = run("cluster", "play-play", "minilm", "-k", "2", "--json")
    assert code == 0 and sum(json.loads(out)["sizes"]) == 26


def test_sense_separation_needs_matching_labels() -> None:
    with pytest.raises(InvalidInputError, match="at least 2 senses"):
        sense_separation(np.ones((3, 2), np.float32), ["a", "a", "a"])
