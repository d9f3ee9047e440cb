"""A small real workspace for the API and browser tests, built once per session: digits
(1,797 8x8 images, pixels-pca, PCA map, quality with labels), 35 topic texts (minilm, five
of them carrying markup in text and label, PCA map) and the karate club graph (DeepWalk)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from embedlab.pipeline.embed import embed
from embedlab.pipeline.graph import neighbors
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.pipeline.quality import quality
from embedlab.store.workspace import Workspace
from tests.conftest import topic_rows

XSS_TEXT = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> review'


def build_explorer_workspace(root: Path) -> Workspace:
    workspace = Workspace(root / "workspace")
    ingest(workspace, "digits", "sandbox:digits")
    embed(workspace, "digits", "pixels-pca", params={"n_components": 16})
    project_space(workspace, "digits", "pixels-pca", method="pca", dims=2)
    project_space(workspace, "digits", "pixels-pca", method="pca", dims=3)
    quality(workspace, "digits", "pixels-pca")
    embed(workspace, "digits", "pca", params={"n_components": 8})
    project_space(workspace, "digits", "pca", method="pca", dims=2)
    texts = root / "topics.csv"
    with texts.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["doc", "body", "topic"])
        writer.writeheader()
        writer.writerows(topic_rows())
        for i in range(1, 6):  # five: a class needs 5 items for the 5-fold label check
            writer.writerow({"doc": f"xss-{i}", "body": f"{XSS_TEXT} {i}", "topic": "<b>food</b>"})
    ingest(workspace, "topics", texts, text="body", label="topic", id="doc")
    embed(workspace, "topics", "minilm")
    project_space(workspace, "topics", "minilm", method="pca", dims=2)
    quality(workspace, "topics", "minilm")
    ingest(workspace, "club", "sandbox:karate-club")  # a graph: nodes are items
    embed(workspace, "club", "deepwalk", params={"num_walks": 5, "dimensions": 16, "workers": 1})
    project_space(workspace, "club", "deepwalk", method="pca", dims=2)
    neighbors(workspace, "club", "deepwalk", k=12)
    return workspace


@pytest.fixture(scope="session")
def explorer_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build_explorer_workspace(tmp_path_factory.mktemp("explorer"))
