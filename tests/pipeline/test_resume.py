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


def committed_rows(path: Path, dataset: str = "docs", space: str = "minilm") -> int:
    ws = Workspace(path)
    entry = ws.catalog.get("space", dataset, space + PARTIAL_SUFFIX) if ws.dataset_names() else None
    return ws.open_table(entry).count_rows() if entry else 0


def start_and_kill(ws_path: Path, dataset: str, space: str, args: list[str], rows: int) -> int:
    """Run `embedlab embed` in a child process and SIGKILL it once `rows` rows are committed."""
    command = [
        sys.executable,
        "-m",
        "embedlab.cli",
        "--workspace",
        str(ws_path),
        "embed",
        dataset,
        *args,
    ]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while committed_rows(ws_path, dataset, space) < rows:
        assert child.poll() is None, f"embed ended before it could be killed: {child.stderr.read()}"
        assert time.time() < deadline, "no batch committed in time"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return committed_rows(ws_path, dataset, space)


@pytest.mark.slow
def test_sigkill_mid_embedding_then_resume(tmp_path: Path) -> None:
    texts = many_texts()
    source = tmp_path / "docs.txt"
    source.write_text("\n".join(texts), encoding="utf-8")
    ws_path = tmp_path / "ws"
    ingest(Workspace(ws_path), "docs", source)
    args = ["--method", "minilm", "--batch-rows", str(BATCH)]
    killed_at = start_and_kill(ws_path, "docs", "minilm", args, rows=4 * BATCH)
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


@pytest.mark.slow
def test_image_embedding_killed_then_resumed(tmp_path: Path) -> None:
    from embedlab.methods.cnn import EfficientNetLite0
    from embedlab.pipeline.embed import ImageSequence

    ws_path = tmp_path / "ws"
    ingest(Workspace(ws_path), "digits", "sandbox:digits")
    args = ["--method", "efficientnet-lite0", "--param", "resolution=224", "--batch-rows", "32"]
    killed_at = start_and_kill(ws_path, "digits", "efficientnet-lite0", args, rows=96)
    assert 0 < killed_at < 1797
    workspace = Workspace(ws_path)
    report = embed(
        workspace, "digits", "efficientnet-lite0", params={"resolution": 224}, batch_rows=32
    )
    assert report.resumed_rows >= killed_at and report.resumed_rows % 32 == 0
    vectors = workspace.space("digits", "efficientnet-lite0").vectors()
    images = ImageSequence(workspace.dataset("digits"), "image")
    sample = [0, 50, 1796]
    expected = EfficientNetLite0(resolution=224).fit().transform(images.take(np.array(sample)))
    np.testing.assert_allclose(vectors[sample], expected, rtol=1e-4, atol=1e-4)
