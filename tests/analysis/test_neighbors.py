"""The neighbour graph against scikit-learn's exact answer, and the HNSW path's recall."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from embedlab.analysis.neighbors import (
    build_neighbor_graph,
    measure_recall,
    normalize_rows,
    top_k_cosine,
)
from embedlab.errors import InvalidInputError


def clustered(n: int, dim: int = 32, clusters: int = 10, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    return (centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))).astype(
        np.float32
    )


def test_exact_graph_matches_sklearn_brute_cosine() -> None:
    data = clustered(1500)
    graph = build_neighbor_graph(data, k=10, method="exact")
    _, reference = (
        NearestNeighbors(n_neighbors=11, metric="cosine", algorithm="brute")
        .fit(data)
        .kneighbors(data)
    )
    same = [set(graph.indices[i]) == set(reference[i]) - {i} for i in range(len(data))]
    assert np.mean(same) > 0.999
    assert graph.method == "exact" and graph.recall == 1.0
    assert (graph.indices != np.arange(len(data))[:, None]).all(), "self must be excluded"
    assert (np.diff(graph.similarities, axis=1) <= 1e-6).all(), "best first"


def test_blocks_smaller_than_data_give_the_same_answer() -> None:
    unit = normalize_rows(clustered(700))
    whole = top_k_cosine(unit, unit, 5)
    tiled = top_k_cosine(unit, unit, 5, block_rows=64, block_cols=100)
    np.testing.assert_array_equal(whole[0], tiled[0])


def test_duplicates_keep_self_out() -> None:
    data = clustered(200)
    data[10] = data[20]
    graph = build_neighbor_graph(data, k=3, method="exact")
    assert 20 in graph.indices[10] and 10 in graph.indices[20]
    assert 10 not in graph.indices[10]


def test_hnsw_recall_is_measured_and_high() -> None:
    data = clustered(4000, dim=24)
    graph = build_neighbor_graph(data, k=10, method="hnsw")
    assert graph.method == "hnsw"
    assert graph.recall is not None and graph.recall >= 0.95
    exact = build_neighbor_graph(data, k=10, method="exact")
    overall = np.mean(
        [len(set(a) & set(b)) / 10 for a, b in zip(graph.indices, exact.indices, strict=True)]
    )
    assert abs(overall - graph.recall) < 0.03, "sampled recall must reflect the whole graph"
    assert measure_recall(normalize_rows(data), exact.indices) == 1.0


def test_auto_switches_to_hnsw_above_the_limit() -> None:
    graph = build_neighbor_graph(clustered(300), k=5, exact_max_items=100)
    assert graph.method == "hnsw"


def test_zero_vectors_are_allowed_but_nan_is_not() -> None:
    data = clustered(50)
    data[3] = 0
    assert build_neighbor_graph(data, k=4).indices.shape == (50, 4)
    data[7, 1] = np.nan
    with pytest.raises(InvalidInputError, match="row 7"):
        build_neighbor_graph(data, k=4)


@pytest.mark.parametrize("k", [0, 50])
def test_k_must_fit_the_data(k: int) -> None:
    with pytest.raises(InvalidInputError, match="k"):
        build_neighbor_graph(clustered(50), k=k)


def test_symmetric_tiles_match_the_row_wise_search() -> None:
    from embedlab.analysis.exact_search import SYMMETRIC_MIN_DIM, drop_self, exact_neighbors

    unit = normalize_rows(clustered(900, dim=SYMMETRIC_MIN_DIM + 8))
    indices, sims = exact_neighbors(unit, 7, tile=128)  # 8 x 8 tiles, the upper half merged
    expected, expected_sims = drop_self(*top_k_cosine(unit, unit, 8), 7)
    assert np.mean([set(a) == set(b) for a, b in zip(indices, expected, strict=True)]) > 0.999
    np.testing.assert_allclose(sims, expected_sims, atol=1e-6)


def test_hnsw_raises_its_query_breadth_until_the_recall_target() -> None:
    """Round clusters in 128-d: neighbours are nearly equidistant, the default ef misses many.
    A small M makes the index sparse on purpose; the tuning must still reach the target
    before the cap (ef 512 here, deterministic with one build thread)."""
    from embedlab.analysis.neighbors import hnsw_neighbors

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(5, 128))
    data = centres[rng.integers(0, 5, 6000)] * 0.05 + rng.normal(size=(6000, 128))
    unit = normalize_rows(data.astype(np.float32))
    # one build thread: hnswlib's parallel inserts make the index depend on thread timing
    default_idx, _, _ = hnsw_neighbors(unit, 10, m=6, ef=64, build_threads=1)
    tuned_idx, _, params = hnsw_neighbors(unit, 10, m=6, build_threads=1)
    exact = build_neighbor_graph(unit, k=10, method="exact")
    default_recall = measure_recall(unit, default_idx, sample=6000)
    overall = np.mean(
        [len(set(a) & set(b)) / 10 for a, b in zip(tuned_idx, exact.indices, strict=True)]
    )
    assert default_recall < 0.9  # the case the tuning is for
    assert 64 < params["ef"] < 1024 and params["tuning_recall"] >= 0.95
    assert overall >= 0.93  # a held-out check: the whole graph, not the tuning sample
