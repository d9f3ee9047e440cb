"""`neighbors --engine ray`: the graph's row blocks queried on Ray actors equal the local graph
(exact and HNSW), are stored with the engine in their provenance, and the CLI refuses the
engine options where no graph is built."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embedlab.pipeline import ray_graph
from embedlab.pipeline.embed import embed
from embedlab.pipeline.graph import neighbors
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error

pytest.importorskip("ray")
from embedlab.pipeline.ray_engine import RayEngine  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine() -> Iterator[RayEngine]:
    with RayEngine(workers=2) as started:
        yield started


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """1,797 digit images as 16-d PCA vectors."""
    workspace = Workspace(tmp_path_factory.mktemp("ray-graph") / "workspace")
    ingest(workspace, "digits", "sandbox:digits")
    embed(workspace, "digits", "pixels-pca", params={"n_components": 16})
    return workspace


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 500 rows: 4 blocks, the last a short one, spread over both actors."""
    monkeypatch.setattr(ray_graph, "CHUNK_ROWS", 500)


def test_exact_graph_on_ray_equals_local(digits: Workspace, engine: RayEngine) -> None:
    local = neighbors(digits, "digits", "pixels-pca", k=10, method="exact", force=True)
    on_ray = neighbors(
        digits, "digits", "pixels-pca", k=10, method="exact", force=True, engine=engine
    )
    assert on_ray.method == "exact" and on_ray.recall == 1.0
    np.testing.assert_allclose(on_ray.similarities, local.similarities, atol=1e-5)
    # the same neighbours, except where two of them are equally similar (order of a tie)
    same = (on_ray.indices == local.indices).mean()
    assert same > 0.99, same
    assert on_ray.params["engine"] == "ray" and on_ray.params["workers"] == 2
    run = next(r for r in reversed(digits.manifest.runs()) if r.kind == "neighbors")
    assert run.params["engine"] == "ray"
    stored = neighbors(digits, "digits", "pixels-pca", k=10)  # the stored Ray graph, reused
    np.testing.assert_array_equal(stored.indices, on_ray.indices)


def test_hnsw_graph_on_ray_equals_local(digits: Workspace, engine: RayEngine) -> None:
    """Both load the same stored HNSW index and tune the same breadth: the same graph."""
    local = neighbors(digits, "digits", "pixels-pca", k=8, method="hnsw", force=True)
    on_ray = neighbors(
        digits, "digits", "pixels-pca", k=8, method="hnsw", force=True, engine=engine
    )
    assert on_ray.method == local.method == "hnsw"
    assert on_ray.params["ef"] == local.params["ef"]
    np.testing.assert_array_equal(on_ray.indices, local.indices)
    np.testing.assert_array_equal(on_ray.similarities, local.similarities)
    assert on_ray.recall == local.recall and on_ray.recall >= 0.95


def test_graph_on_ray_refuses_k_past_the_items(digits: Workspace, engine: RayEngine) -> None:
    from embedlab.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="only 1797 items; use k <= 1796"):
        neighbors(digits, "digits", "pixels-pca", k=1797, force=True, engine=engine)


def test_cli_graph_on_ray_and_its_refusals(run, topics_csv: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc")[0] == 0
    assert run("embed", "t", "--method", "tfidf-svd", "--param", "n_components=4")[0] == 0
    code, out, err = run(
        "neighbors", "t", "tfidf-svd", "-k", "5", "--engine", "ray", "--workers", "1", "--json"
    )
    assert code == 0, err
    assert '"engine": "ray"' in out and '"workers": 1' in out
    # the stored graph is reused: Ray is not started, so the address is never tried
    bad = ("--engine", "ray", "--address", "127.0.0.1:9")
    assert run("neighbors", "t", "tfidf-svd", "-k", "5", *bad)[0] == 0
    code, _, err = run("neighbors", "t", "tfidf-svd", "-k", "5", "--force", *bad)
    assert_clear_error(code, err, "Cannot reach a Ray cluster at '127.0.0.1:9'")
    code, _, err = run("neighbors", "t", "tfidf-svd", "--workers", "2")
    assert_clear_error(code, err, "--address and --workers need --engine ray")
    code, _, err = run("neighbors", "t", "tfidf-svd", "--id", "d1", "--engine", "ray")
    assert_clear_error(code, err, "apply to building the graph, not to a lookup")
