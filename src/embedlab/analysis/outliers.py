"""Outliers seen three ways, each a signal of its own: against the item's neighbours (a local
outlier ratio), against the whole dataset (the distance to the k-th neighbour against that
distance's distribution, as Datalab does) and as a member of a small group the rest of the data
ignores (foreign data arrives in groups: a scraped batch, another camera).

A group's items are close to one another, so a score relative to their neighbours calls them
normal. What gives them away is that the rest of the data hardly ever picks them as neighbours:
the share of the k-NN edges of outsiders that point into the group (its inflow) is small.
Candidate groups are the small connected components of the mutual k-NN graph, grown greedily
while the group's conductance falls, then kept when their inflow is low.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from embedlab.analysis.neighbors import NeighborGraph
from embedlab.analysis.results import CheckResult, rank_scores, robust_fence

DEFAULT_FENCE = 3.0


@dataclass
class WeakGroup:
    """A small group of rows, its conductance in the symmetrised k-NN graph and its inflow
    (outsiders' edges into it per edge of its own)."""

    rows: np.ndarray
    conductance: float
    inflow: float


def local_outlier_ratio(graph: NeighborGraph, k: int) -> np.ndarray:
    """Log of an item's mean distance to its k neighbours over theirs (a local-outlier-factor
    ratio: dense and sparse clusters are judged alike)."""
    distance = graph.distances[:, :k].mean(axis=1).astype(np.float64) + 1e-9
    return np.log(distance / distance[graph.indices[:, :k]].mean(axis=1))


def kth_neighbour_distance(graph: NeighborGraph, k: int) -> np.ndarray:
    """Log cosine distance to the k-th neighbour: how far an item is from the dataset."""
    return np.log(graph.distances[:, k - 1].astype(np.float64) + 1e-9)


def _adjacency(indices: np.ndarray, n: int) -> csr_matrix:
    rows = np.repeat(np.arange(n), indices.shape[1])
    data = np.ones(rows.size, dtype=np.float32)
    return csr_matrix((data, (rows, indices.ravel())), shape=(n, n))


def _grow(
    seed_rows: np.ndarray, symmetric: csr_matrix, degree: np.ndarray, max_size: int
) -> tuple[np.ndarray, float]:
    """Add, one at a time, the outside row that lowers the group's conductance most, while
    any does (a greedy local sweep). Returns the rows and the final conductance."""
    inside = np.zeros(symmetric.shape[0], dtype=bool)
    inside[seed_rows] = True
    members = list(seed_rows)
    edges_in = np.asarray(symmetric[seed_rows].sum(axis=0)).ravel()
    volume = float(degree[seed_rows].sum())
    cut = volume - float(edges_in[seed_rows].sum())
    while len(members) < max_size:
        candidates = np.flatnonzero((edges_in > 0) & ~inside)
        if not candidates.size:
            break
        new_cut = cut + degree[candidates] - 2 * edges_in[candidates]
        new_conductance = new_cut / (volume + degree[candidates])
        best = int(np.argmin(new_conductance))
        if new_conductance[best] >= cut / volume:
            break
        row = int(candidates[best])
        inside[row] = True
        members.append(row)
        cut, volume = float(new_cut[best]), volume + float(degree[row])
        edges_in += symmetric[row].toarray().ravel()
    return np.asarray(members, dtype=np.int64), cut / max(volume, 1e-12)


def find_weak_groups(
    graph: NeighborGraph,
    *,
    mutual_k: int = 10,
    min_size: int = 5,
    max_fraction: float = 0.05,
    max_inflow: float = 0.05,
) -> list[WeakGroup]:
    """Small groups (min_size to max_fraction of the items) that the rest of the data seldom
    links to: inflow at most `max_inflow`."""
    n, k = graph.indices.shape
    mutual = _adjacency(graph.indices[:, : min(mutual_k, k)], n)
    count, component = connected_components(mutual.multiply(mutual.T), directed=False)
    sizes = np.bincount(component, minlength=count)
    max_size = max(min_size, int(max_fraction * n))
    seeds = np.flatnonzero((sizes >= min_size) & (sizes <= max_size))
    if not seeds.size:
        return []
    directed = _adjacency(graph.indices, n)
    symmetric = (directed + directed.T).tocsr()
    degree = np.asarray(symmetric.sum(axis=1)).ravel()
    in_degree = np.asarray(directed.sum(axis=0)).ravel()
    order = np.argsort(component, kind="stable")
    starts = np.searchsorted(component[order], seeds)
    groups = []
    for seed, start in zip(seeds, starts, strict=True):
        rows, conductance = _grow(order[start : start + sizes[seed]], symmetric, degree, max_size)
        inside = np.zeros(n, dtype=bool)
        inside[rows] = True
        from_inside = int(inside[graph.indices[rows]].sum())
        inflow = (float(in_degree[rows].sum()) - from_inside) / (k * len(rows))
        if inflow <= max_inflow:
            groups.append(WeakGroup(np.sort(rows), float(conductance), float(inflow)))
    return groups


def find_outliers(
    graph: NeighborGraph,
    *,
    k: int | None = None,
    fence: float = DEFAULT_FENCE,
    global_fence: float = DEFAULT_FENCE,
    mutual_k: int = 10,
    min_group: int = 5,
    max_group_fraction: float = 0.05,
    max_inflow: float = 0.05,
) -> CheckResult:
    """Outliers from three signals, each flag naming the ones that raised it: `local` (log
    local outlier ratio beyond the robust fence), `global` (log distance to the k-th
    neighbour beyond its robust fence) and `group` (member of a small weakly linked group).
    An item's score is the lowest of its three signal scores."""
    k = min(k or graph.k, graph.k)
    ratio = local_outlier_ratio(graph, k)
    far = kth_neighbour_distance(graph, k)
    local_limit = robust_fence(ratio, "high", fence)
    global_limit = robust_fence(far, "high", global_fence)
    groups = find_weak_groups(
        graph,
        mutual_k=mutual_k,
        min_size=min_group,
        max_fraction=max_group_fraction,
        max_inflow=max_inflow,
    )
    group_score = np.ones(len(ratio))
    in_group = np.zeros(len(ratio), dtype=bool)
    for group in groups:
        in_group[group.rows] = True
        score = 0.5 * group.inflow / max(max_inflow, 1e-12)
        group_score[group.rows] = np.minimum(group_score[group.rows], score)
    raised = {"local": ratio > local_limit, "global": far > global_limit, "group": in_group}
    flags = raised["local"] | raised["global"] | raised["group"]
    scores = np.minimum.reduce([rank_scores(ratio, "high"), rank_scores(far, "high"), group_score])
    return CheckResult(
        name="outlier",
        scores=scores,
        flags=flags,
        summary={
            "flagged": int(flags.sum()),
            "threshold_log_ratio": round(local_limit, 6),
            "threshold_log_kth_distance": round(global_limit, 6),
            "median_distance": round(float(np.median(graph.distances[:, :k].mean(axis=1))), 6),
            "by_signal": {name: int(hit.sum()) for name, hit in raised.items()},
            "groups": [
                {
                    "size": int(len(g.rows)),
                    "inflow": round(g.inflow, 4),
                    "conductance": round(g.conductance, 4),
                }
                for g in groups
            ],
        },
        params={
            "k": k,
            "fence": fence,
            "global_fence": global_fence,
            "mutual_k": mutual_k,
            "min_group": min_group,
            "max_group_fraction": max_group_fraction,
            "max_inflow": max_inflow,
        },
        values=ratio,
        signals=signal_names(raised),
    )


def signal_names(raised: dict[str, np.ndarray]) -> np.ndarray:
    """Per item, the names of the signals that flagged it, joined by '+' ('' when none)."""
    n = len(next(iter(raised.values())))
    names = np.full(n, "", dtype=object)
    for name, hit in raised.items():
        rows = np.flatnonzero(hit)
        names[rows] = [f"{old}+{name}" if old else name for old in names[rows]]
    return names
