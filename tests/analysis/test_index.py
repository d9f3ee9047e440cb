"""The neighbour-index interface: exact and HNSW answer the same queries, save and load, and
refuse what does not fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.analysis.index import BACKENDS, ExactIndex, HnswIndex, index_backend
from embedlab.analysis.neighbors import build_neighbor_graph, normalize_rows
from embedlab.errors import InvalidInputError, NotFoundError


@pytest.fixture(scope="module")
def unit() -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(8, 32))
    return normalize_rows(centres[rng.integers(0, 8, 2000)] + 0.3 * rng.normal(size=(2000, 32)))


def test_exact_query_matches_brute_force(unit: np.ndarray) -> None:
    rows, sims = ExactIndex().build(unit).query(unit[:5], 7)
    scores = unit[:5] @ unit.T
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :7]
    assert rows.shape == (5, 7) and sims.dtype == np.float32
    np.testing.assert_allclose(sims, np.take_along_axis(scores, expected, axis=1), atol=1e-5)
    assert (np.diff(sims, axis=1) <= 1e-6).all(), "best first"


def test_hnsw_finds_what_exact_finds(unit: np.ndarray) -> None:
    exact, _ = ExactIndex().build(unit).query(unit[:200], 10)
    approx, _ = HnswIndex(build_threads=1).build(unit).query(unit[:200], 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
    assert recall >= 0.95


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_saved_index_answers_like_the_built_one(
    backend: str, unit: np.ndarray, tmp_path: Path
) -> None:
    kwargs = {"build_threads": 1} if backend == "hnsw" else {}
    built = BACKENDS[backend](**kwargs).build(unit)
    built.save(tmp_path / "index")
    loaded = BACKENDS[backend].load(tmp_path / "index", unit)
    assert loaded.params == built.params and loaded.size == len(unit)
    np.testing.assert_array_equal(built.query(unit[:20], 5)[0], loaded.query(unit[:20], 5)[0])


def test_loading_refuses_a_missing_wrong_or_mismatched_index(
    unit: np.ndarray, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError, match="No saved exact index"):
        ExactIndex.load(tmp_path / "nothing", unit)
    ExactIndex().build(unit).save(tmp_path / "exact")
    with pytest.raises(InvalidInputError, match="holds a 'exact' index, not a 'hnsw' one"):
        (tmp_path / "exact.json").write_text((tmp_path / "exact").read_text())
        HnswIndex.load(tmp_path / "exact", unit)
    HnswIndex(build_threads=1).build(unit[:500]).save(tmp_path / "small")
    with pytest.raises(InvalidInputError, match="holds 500 rows; the space has 2000"):
        HnswIndex.load(tmp_path / "small", unit)


def test_an_unbuilt_index_and_an_unknown_backend_are_clear_errors() -> None:
    with pytest.raises(InvalidInputError, match="empty: call build"):
        ExactIndex().query(np.ones((1, 4), np.float32), 1)
    with pytest.raises(InvalidInputError, match="Unknown neighbour index 'faiss'; use one of"):
        index_backend("faiss")
    with pytest.raises(InvalidInputError, match="Unknown neighbour index 'annoy'"):
        build_neighbor_graph(np.eye(4, dtype=np.float32), k=2, method="annoy")  # type: ignore[arg-type]


def test_the_graph_comes_from_the_index(unit: np.ndarray) -> None:
    graph = build_neighbor_graph(unit, k=6, method="exact")
    rows, sims = ExactIndex().build(unit).query(unit[:3], 7)
    assert graph.indices[:3].tolist() == rows[:, 1:].tolist()  # self first, then the graph
    np.testing.assert_allclose(graph.similarities[:3], sims[:, 1:], atol=1e-6)
