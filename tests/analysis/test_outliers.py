"""Outliers that arrive as a group: 40 foreign items planted inside clustered data. The local
ratio calls a group's members normal; the group signal must find them. (On real images the
figures are benchmarks/quality_planted.py's: MNIST digits inside Fashion-MNIST.)"""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.analysis.outliers import (
    _adjacency,
    _grow,
    _GrowScratch,
    find_outliers,
    find_weak_groups,
    group_candidates,
    near_misses,
    select_weak_groups,
    signal_names,
)


def recall_precision(flags: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    hits = int((flags & truth).sum())
    return hits / int(truth.sum()), hits / max(int(flags.sum()), 1)


def planted(spread: float) -> tuple[np.ndarray, np.ndarray]:
    """1,500 items in 10 clusters and 40 foreign ones in a group of their own (the last 40)."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, 32)) * 4
    vectors = centres[np.repeat(np.arange(10), 150)] + rng.normal(size=(1500, 32))
    foreign = rng.normal(size=32) * 4 + rng.normal(size=(40, 32)) * spread
    data = np.vstack([vectors, foreign]).astype(np.float32)
    return data, np.arange(len(data)) >= 1500


@pytest.mark.parametrize("spread", [1.0, 1.5])
def test_a_planted_foreign_group_is_flagged(spread: float) -> None:
    data, truth = planted(spread)
    result = find_outliers(build_neighbor_graph(data, k=15))
    recall, precision = recall_precision(result.flags, truth)
    print(f"spread {spread}: recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.95 and precision >= 0.8, (recall, precision)
    assert all("group" in s for s in result.signals[truth & result.flags])
    local = np.array(["local" in s for s in result.signals])
    assert (local & truth).sum() <= 5  # the local ratio alone misses them
    assert result.summary["groups"][0]["size"] == 40
    assert all(g["size"] != 40 for g in result.summary["near_miss_groups"])


def test_near_misses_are_candidates_not_kept_lowest_inflow_first() -> None:
    data, truth = planted(1.0)
    n = len(data)
    candidates = group_candidates(build_neighbor_graph(data, k=15))
    foreign = [c for c in candidates if truth[c.rows].all()]
    assert len(foreign) == 1 and foreign[0].inflow == 0.0 and len(foreign[0].rows) == 40
    none_kept = near_misses(candidates, [], n, max_inflow=0.5)  # as if no group were kept
    assert truth[none_kept[0].rows].all() and len(none_kept) == 3
    assert [g.inflow for g in none_kept] == sorted(g.inflow for g in none_kept)
    kept = select_weak_groups(candidates, n, max_inflow=0.15, max_in_out=1 / 3)
    assert [len(g.rows) for g in kept] == [40]
    assert not any(truth[g.rows].any() for g in near_misses(candidates, kept, n, max_inflow=0.5))
    assert near_misses(candidates, kept, n, max_inflow=0.1) == []  # none within 0.2


def test_no_weak_group_in_plain_clusters() -> None:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(5, 16)) * 5
    data = (centres[np.repeat(np.arange(5), 200)] + rng.normal(size=(1000, 16))).astype(np.float32)
    assert find_weak_groups(build_neighbor_graph(data, k=15)) == []


def test_signal_names_join_every_signal_that_raised_a_flag() -> None:
    names = signal_names({"local": np.array([1, 0, 1], bool), "group": np.array([1, 0, 0], bool)})
    assert names.tolist() == ["local+group", "", "local"]


def test_growth_leaves_its_work_arrays_clean_for_the_next_seed() -> None:
    data, truth = planted(1.0)
    graph = build_neighbor_graph(data, k=15)
    directed = _adjacency(graph.indices, len(data))
    symmetric = (directed + directed.T).tocsr()
    degree = np.asarray(symmetric.sum(axis=1)).ravel()
    scratch = _GrowScratch(len(data))
    seeds = [np.flatnonzero(truth)[:5], np.arange(5), np.flatnonzero(truth)[:5]]
    grown = [_grow(seed, symmetric, degree, 200, scratch) for seed in seeds]
    alone = _grow(seeds[0], symmetric, degree, 200)  # fresh arrays
    assert np.array_equal(grown[0][0], alone[0]) and grown[0][1] == alone[1]
    assert np.array_equal(grown[2][0], alone[0]) and grown[2][1] == alone[1]
    assert sorted(grown[0][0]) == list(np.flatnonzero(truth))  # the 40 foreign rows
    assert not scratch.seen.any() and not scratch.inside.any() and not scratch.links.any()
