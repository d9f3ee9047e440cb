"""A real SIGKILL in the middle of embedding: the dataset is intact and a rerun resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embedlab.methods.transformer import MiniLM
from embedlab.pipeline.embed import PARTIAL_SUFFIX, embed
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace, read_columns
from tests.conftest import TOPICS

N_TEXTS = 1500
BATCH = 50


def many_texts() -> list[str]:
    rng = np.random.default_rng(0)
    words = " ".join(t for texts in TOPICS.values() for t in texts).lower().split()
    return [" ".join(rng.choice(words, size=int(rng.integers(5, 30)))) for _ in range(N_TEXTS)]


def committed_rows(path: Path) -> int:
    ws = Workspace(path)
    entry = (
        ws.catalog.get("space", "docs", "minilm" + PARTIAL_SUFFIX) if ws.dataset_names() else None
    )
    return ws.open_table(entry).count_rows() if entry else 0


@pytest.mark.slow
def test_sigkill_mid_embedding_then_resume(tmp_path: Path) -> None:
    texts = many_texts()
    source = tmp_path / "docs.txt"
    source.write_text("\n".join(texts), encoding="utf-8")
    ws_path = tmp_path / "ws"
    ingest(Workspace(ws_path), "docs", source)

    command = [
        sys.executable,
        "-m",
        "embedlab.cli",
        "--workspace",
        str(ws_path),
        "embed",
        "docs",
        "--method",
        "minilm",
        "--batch-rows",
        str(BATCH),
    ]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while committed_rows(ws_path) < 4 * BATCH:
        assert child.poll() is None, f"embed ended before it could be killed: {child.stderr.read()}"
        assert time.time() < deadline, "no batch committed in time"
        time.sleep(0.1)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    killed_at = committed_rows(ws_path)
    assert 0 < killed_at < N_TEXTS

    workspace = Workspace(ws_path)
    assert len(workspace.dataset("docs")) == N_TEXTS, "the dataset is intact"
    assert workspace.space_names("docs") == [], "no half space is visible"

    report = embed(workspace, "docs", "minilm", batch_rows=BATCH)
    assert report.resumed_rows >= killed_at and report.resumed_rows % BATCH == 0
    assert report.resumed_rows + report.embedded_rows == N_TEXTS
    space = workspace.space("docs", "minilm")
    vectors = space.vectors()
    assert vectors.shape == (N_TEXTS, 384)
    assert read_columns(space.table, ["row"]).column("row").to_pylist() == list(range(N_TEXTS))
    sample = np.random.default_rng(1).choice(N_TEXTS, 40, replace=False)
    expected = MiniLM().fit().transform([texts[i] for i in sample])
    np.testing.assert_allclose(vectors[sample], expected, atol=1e-5)
    assert workspace.catalog.get("space", "docs", "minilm" + PARTIAL_SUFFIX) is None
