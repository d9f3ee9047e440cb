"""A trained words space is a dataset like any other: the app lists it, maps it, searches it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from embedlab.api import create_app
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.pipeline.words import train_words
from embedlab.store.workspace import Workspace
from tests.words.conftest import shared_context_corpus


def test_words_space_in_the_app(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(shared_context_corpus(600)) + "\n", encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    ingest(workspace, "corpus", path, text="text")
    params = {"vector_size": 16, "window": 3, "epochs": 20, "min_count": 1, "sample": 0.0}
    train_words(workspace, "corpus", "word2vec", params={**params, "remove_stopwords": True})
    project_space(workspace, "corpus-words", "word2vec", method="pca", dims=2)
    # the app's header for requests that may change the workspace (a selection is a POST)
    client = TestClient(create_app(workspace), headers={"X-Embedlab": "1"})
    listed = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert listed["corpus-words"]["spaces"] == ["word2vec"]
    coords = client.get("/api/datasets/corpus-words/spaces/word2vec/projection?method=pca")
    n_words = int(coords.headers["x-embedlab-count"])
    assert np.frombuffer(coords.content, "<f4").shape == (n_words * 2,)
    page = client.post("/api/datasets/corpus-words/selection", json={"rows": [0, 1]}).json()
    assert page["total"] == 2 and all(item["text"] for item in page["items"])
    hits = client.get(
        "/api/datasets/corpus-words/spaces/word2vec/search", params={"q": "cat", "by": "id", "k": 3}
    ).json()["hits"]
    assert hits[0]["id"] == "dog"
