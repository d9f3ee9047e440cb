"""`embed --engine ray`: the same space as the local engine (vectors, rows, ids, provenance),
resumable after an interrupted run, and clear errors for a bad address or worker count.

One local Ray (2 CPUs) is shared by the module: starting one costs seconds."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embedlab import progress
from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.pipeline.embed import PARTIAL_SUFFIX, embed
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace, read_columns
from tests.test_cli import assert_clear_error

pytest.importorskip("ray")
from embedlab.pipeline.ray_engine import RayEngine, import_ray  # noqa: E402


@pytest.fixture(scope="module")
def engine() -> Iterator[RayEngine]:
    with RayEngine(workers=2) as started:
        yield started


@pytest.fixture
def topics(ws: Workspace, topics_csv: Path) -> Workspace:
    ingest(ws, "topics", topics_csv, text="body", id="doc", label="topic")
    return ws


def assert_same_space(ws: Workspace, dataset: str, local: str, on_ray: str) -> None:
    """An ordinary space: same rows, ids, metadata and vectors (cosine >= 0.9999) as local."""
    a, b = ws.space(dataset, local), ws.space(dataset, on_ray)
    assert read_columns(b.table, ["row"]).column("row").to_pylist() == list(range(len(a.ids())))
    assert b.ids() == a.ids() == ws.dataset(dataset).ids()
    assert b.table.schema == a.table.schema
    keys = ("method", "params", "columns", "dim", "n_items", "modality", "method_report")
    assert {k: b.meta[k] for k in keys} == {k: a.meta[k] for k in keys}
    va, vb = a.vectors(), b.vectors()
    cosine = (va * vb).sum(1) / (np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1))
    assert cosine.min() >= 0.9999, cosine.min()
    assert ws.catalog.get("space", dataset, on_ray + PARTIAL_SUFFIX) is None
    run = ws.manifest.get(b.entry.run_id)
    assert run.kind == "embed" and run.method == a.method and run.report["n_items"] == len(va)


@pytest.mark.slow
def test_fitted_method_on_ray_equals_local(topics: Workspace, engine: RayEngine) -> None:
    """tfidf-svd fits on every text on the driver; the actors only transform."""
    params = {"n_components": 8, "min_df": 1}
    embed(topics, "topics", "tfidf-svd", params=params, batch_rows=7)
    embed(topics, "topics", "tfidf-svd", space="ray", params=params, batch_rows=7, engine=engine)
    assert_same_space(topics, "topics", "tfidf-svd", "ray")


@pytest.mark.slow
def test_cnn_on_ray_equals_local(ws: Workspace, engine: RayEngine) -> None:
    ingest(ws, "digits", "sandbox:digits", limit=24)
    params = {"resolution": 32}
    embed(ws, "digits", "efficientnet-lite0", params=params, batch_rows=10)
    report = embed(
        ws, "digits", "efficientnet-lite0", space="ray", params=params, batch_rows=10, engine=engine
    )
    assert report.embedded_rows == 24
    assert_same_space(ws, "digits", "efficientnet-lite0", "ray")


class _StopAfter:
    """A progress reporter that interrupts the run (as Ctrl+C does) once `rows` are committed."""

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def start(self, description: str, total: float | None) -> _StopAfter:
        self.seen = 0.0
        self.embedding = description.startswith("Embedding")
        return self

    def advance(self, amount: float = 1) -> None:
        self.seen += amount
        if self.embedding and self.seen >= self.rows:
            raise KeyboardInterrupt

    def finish(self, task: object) -> None:
        pass


@pytest.mark.slow
def test_interrupted_minilm_run_resumes_and_equals_local(
    topics: Workspace, engine: RayEngine
) -> None:
    with progress.use_reporter(_StopAfter(rows=6)), pytest.raises(KeyboardInterrupt):
        embed(topics, "topics", "minilm", space="ray", batch_rows=3, engine=engine)
    time.sleep(1)  # let batches that were being written when it stopped land
    partial = topics.catalog.get("space", "topics", "ray" + PARTIAL_SUFFIX)
    kept = topics.open_table(partial).count_rows()
    # The actors may finish the batches already handed to them after the driver stops (30
    # short texts take them a fraction of a second), so every row can be in the partial table:
    # what must hold is that the run is not committed as a space until it is resumed.
    assert 6 <= kept <= 30 and topics.space_names("topics") == [], "no half space is visible"

    report = embed(topics, "topics", "minilm", space="ray", batch_rows=3, engine=engine)
    assert report.resumed_rows >= kept and report.resumed_rows + report.embedded_rows == 30
    embed(topics, "topics", "minilm", batch_rows=3)
    assert_same_space(topics, "topics", "minilm", "ray")


@pytest.mark.slow
def test_bad_address_exits_2_quickly(tmp_path: Path, topics_csv: Path) -> None:
    ws = tmp_path / "ws"
    ingest(Workspace(ws), "topics", topics_csv, text="body", id="doc")
    command = [sys.executable, "-m", "embedlab.cli", "--workspace", str(ws), "embed", "topics"]
    for address, expected in [
        ("127.0.0.1:1", "Cannot reach a Ray cluster at '127.0.0.1:1'"),
        ("no-port", "--address must be HOST:PORT"),
    ]:
        args = [*command, "--method", "minilm", "--engine", "ray", "--address", address]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert_clear_error(done.returncode, done.stderr, expected)
    assert Workspace(ws).entries("space", "topics") == [], "nothing was started"


def test_bad_workers_and_engine_options(run, topics_csv: Path) -> None:  # type: ignore[no-untyped-def]
    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc")
    code, _, err = run("embed", "t", "--method", "minilm", "--engine", "ray", "--workers", "0")
    assert_clear_error(code, err, "'--workers'", "expected an int >= 1; got 0")
    code, _, err = run("embed", "t", "--method", "minilm", "--workers", "2")
    assert_clear_error(code, err, "--address and --workers need --engine ray")
    code, _, err = run("embed", "t", "--method", "minilm", "--engine", "spark")
    assert_clear_error(code, err, "--engine must be 'local' or 'ray'; got 'spark'")
    code, _, err = run("embed", "t", "--method", "spectral", "--engine", "ray")
    assert_clear_error(code, err, "Method 'spectral' embeds a whole graph at once")
    with pytest.raises(InvalidInputError, match="--workers must be an int >= 1; got -3"):
        RayEngine(workers=-3)


@pytest.mark.slow
def test_more_workers_than_cpus_is_refused(engine: RayEngine) -> None:
    with pytest.raises(InvalidInputError, match="--workers 3 needs 3 CPUs .* has 2"):
        RayEngine(workers=3).__enter__()


def test_missing_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install embedlab\[ray\]"):
        import_ray()
