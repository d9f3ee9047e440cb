"""Outliers seen three ways, each a signal of its own: against the item's neighbours (a local
outlier ratio), against the whole dataset (the distance to the k-th neighbour against that
distance's distribution, as Datalab does) and as a member of a small group the rest of the data
ignores (foreign data arrives in groups: a scraped batch, another camera).

A group's items are close to one another, so a score relative to their neighbours calls them
normal. What gives them away is that the rest of the data hardly ever picks them as neighbours
although they pick it: few k-NN edges come into the group, and few for each edge that leaves it.
Candidate groups are the small components of the mutual k-NN graph whose pairs share
neighbours, grown greedily while the group's conductance falls, then kept when their inflow is
low and one-sided.
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
    """A small group of rows, its conductance in the symmetrised k-NN graph, its inflow
    (outsiders' edges into it per edge of its own) and the edges that come in per edge that
    goes out."""

    rows: np.ndarray
    conductance: float
    inflow: float
    in_out: float = 0.0


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


def _seed_components(nearest: csr_matrix, directed: csr_matrix, shared_min: int) -> np.ndarray:
    """Component of each row in the graph of mutual pairs of `nearest` (the first mutual_k
    neighbours) that also share at least `shared_min` of their k neighbours in `directed`
    (shared-nearest-neighbour links, as in Jarvis-Patrick clustering): a stray mutual link
    between a foreign item and an ordinary one shares few neighbours, so it does not merge the
    foreign group into the bulk."""
    n = directed.shape[0]
    mutual = nearest.multiply(nearest.T).tocoo()
    keep = mutual.row < mutual.col
    rows, cols = mutual.row[keep], mutual.col[keep]
    shared = np.asarray(directed[rows].multiply(directed[cols]).sum(axis=1)).ravel()
    strong = shared >= shared_min
    links = csr_matrix(
        (np.ones(int(strong.sum()), dtype=np.float32), (rows[strong], cols[strong])), shape=(n, n)
    )
    return connected_components(links, directed=False)[1]


class _GrowScratch:
    """Per-row work arrays for `_grow`, allocated once per graph and reset after each seed:
    the edge weight from the group to each row, whether a row was reached, whether it is in
    the group, and the reached rows in the order they were first reached."""

    def __init__(self, n: int) -> None:
        self.links = np.zeros(n, dtype=np.float64)
        self.seen = np.zeros(n, dtype=bool)
        self.inside = np.zeros(n, dtype=bool)
        self.reached = np.empty(n, dtype=np.int64)
        self.count = 0

    def add(self, row: int, symmetric: csr_matrix) -> None:
        """Count `row`'s edges as the group's and append the rows it reaches first."""
        start, end = symmetric.indptr[row], symmetric.indptr[row + 1]
        cols = symmetric.indices[start:end]
        new = cols[~self.seen[cols]]
        self.seen[new] = True
        self.reached[self.count : self.count + new.size] = new
        self.count += new.size
        self.links[cols] += symmetric.data[start:end]

    def reset(self, members: list[int]) -> None:
        reached = self.reached[: self.count]
        self.links[reached] = 0.0
        self.seen[reached] = False
        self.inside[members] = False
        self.count = 0


def _grow(
    seed_rows: np.ndarray,
    symmetric: csr_matrix,
    degree: np.ndarray,
    max_size: int,
    scratch: _GrowScratch | None = None,
) -> tuple[np.ndarray, float]:
    """Add, one at a time, the outside row that lowers the group's conductance most, while
    any does (a greedy local sweep over the group's frontier, ties to the row reached
    first). Returns the rows and the final conductance."""
    work = _GrowScratch(symmetric.shape[0]) if scratch is None else scratch
    work.inside[seed_rows] = True
    for row in seed_rows:
        work.add(int(row), symmetric)
    members = [int(r) for r in seed_rows]
    volume = float(degree[seed_rows].sum())
    cut = volume - sum(float(x) for x in work.links[seed_rows])
    while len(members) < max_size:
        reached = work.reached[: work.count]
        frontier = reached[~work.inside[reached]]
        if not frontier.size:
            break
        new_cut = cut + degree[frontier] - 2 * work.links[frontier]
        new_conductance = new_cut / (volume + degree[frontier])
        best = int(np.argmin(new_conductance))
        if new_conductance[best] >= cut / volume:
            break
        row = int(frontier[best])
        work.inside[row] = True
        members.append(row)
        cut, volume = float(new_cut[best]), volume + float(degree[row])
        work.add(row, symmetric)
    work.reset(members)
    return np.asarray(members, dtype=np.int64), cut / max(volume, 1e-12)


def group_candidates(
    graph: NeighborGraph,
    *,
    mutual_k: int | None = None,
    shared_min: int | None = None,
    min_size: int = 5,
    max_fraction: float = 0.05,
) -> list[WeakGroup]:
    """Every candidate group with its figures, kept or not: shared-neighbour components of
    the mutual graph of min_size to max_fraction of the items, each grown by conductance.
    `mutual_k` defaults to the graph's k and `shared_min` to half of it."""
    n, k = graph.indices.shape
    mutual_k = k if mutual_k is None else mutual_k
    shared_min = k // 2 if shared_min is None else shared_min
    directed = _adjacency(graph.indices, n)
    nearest = _adjacency(graph.indices[:, : min(mutual_k, k)], n)
    component = _seed_components(nearest, directed, shared_min)
    sizes = np.bincount(component)
    max_size = max(min_size, int(max_fraction * n))
    seeds = np.flatnonzero((sizes >= min_size) & (sizes <= max_size))
    if not seeds.size:
        return []
    symmetric = (directed + directed.T).tocsr()
    degree = np.asarray(symmetric.sum(axis=1)).ravel()
    in_degree = np.asarray(directed.sum(axis=0)).ravel()
    order = np.argsort(component, kind="stable")
    starts = np.searchsorted(component[order], seeds)
    candidates = []
    inside = np.zeros(n, dtype=bool)
    scratch = _GrowScratch(n)
    for seed, start in zip(seeds, starts, strict=True):
        seed_rows = order[start : start + sizes[seed]]
        rows, conductance = _grow(seed_rows, symmetric, degree, max_size, scratch)
        inside[rows] = True
        from_inside = int(inside[graph.indices[rows]].sum())
        inside[rows] = False
        edges_in = float(in_degree[rows].sum()) - from_inside
        edges_out = k * len(rows) - from_inside
        inflow = edges_in / (k * len(rows))
        candidates.append(WeakGroup(rows, conductance, inflow, edges_in / max(edges_out, 1)))
    return candidates


def select_weak_groups(
    candidates: list[WeakGroup], n: int, *, max_inflow: float, max_in_out: float
) -> list[WeakGroup]:
    """The candidates with inflow <= max_inflow and in_out <= max_in_out, most one-sided
    first, skipping a seed that grew into a group already kept; rows sorted."""
    passing = [c for c in candidates if c.inflow <= max_inflow and c.in_out <= max_in_out]
    return _distinct(sorted(passing, key=lambda c: c.in_out), n)


def _distinct(groups: list[WeakGroup], n: int, taken: np.ndarray | None = None) -> list[WeakGroup]:
    """`groups` in order, less any whose rows are mostly in an earlier one (or in `taken`)."""
    taken = np.zeros(n, dtype=bool) if taken is None else taken.copy()
    found = []
    for group in groups:
        if taken[group.rows].mean() > 0.5:  # seeds that grew into a group already found
            continue
        taken[group.rows] = True
        found.append(WeakGroup(np.sort(group.rows), group.conductance, group.inflow, group.in_out))
    return found


def find_weak_groups(
    graph: NeighborGraph,
    *,
    mutual_k: int | None = None,
    shared_min: int | None = None,
    min_size: int = 5,
    max_fraction: float = 0.05,
    max_inflow: float = 0.15,
    max_in_out: float = 1 / 3,
) -> list[WeakGroup]:
    """Small groups (min_size to max_fraction of the items) that the rest of the data seldom
    links to although they link to it: at most `max_inflow` of a group's k-NN edges come in
    from outsiders, and at most `max_in_out` edges come in for each edge its members send out.
    In data from one source the k-NN relation is close to symmetric (about as many edges
    leave a region as enter it); a foreign batch points at the bulk, the bulk does not point
    back. Seeds are shared-neighbour components of the mutual graph, grown by conductance."""
    candidates = group_candidates(
        graph,
        mutual_k=mutual_k,
        shared_min=shared_min,
        min_size=min_size,
        max_fraction=max_fraction,
    )
    return select_weak_groups(
        candidates, len(graph.indices), max_inflow=max_inflow, max_in_out=max_in_out
    )


def near_misses(
    candidates: list[WeakGroup], kept: list[WeakGroup], n: int, *, max_inflow: float, limit: int = 3
) -> list[WeakGroup]:
    """Up to `limit` candidates not kept whose inflow is within twice the limit, lowest inflow
    first, none mostly inside a kept group or an earlier near miss: what a reader checks when
    a group they expected is not flagged."""
    taken = np.zeros(n, dtype=bool)
    for group in kept:
        taken[group.rows] = True
    close = sorted((c for c in candidates if c.inflow <= 2 * max_inflow), key=lambda c: c.inflow)
    return _distinct(close, n, taken)[:limit]


def find_outliers(
    graph: NeighborGraph,
    *,
    k: int | None = None,
    fence: float = DEFAULT_FENCE,
    global_fence: float = DEFAULT_FENCE,
    mutual_k: int | None = None,
    shared_min: int | None = None,
    min_group: int = 5,
    max_group_fraction: float = 0.05,
    max_inflow: float = 0.15,
    max_in_out: float = 1 / 3,
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
    candidates = group_candidates(
        graph,
        mutual_k=mutual_k,
        shared_min=shared_min,
        min_size=min_group,
        max_fraction=max_group_fraction,
    )
    n = len(ratio)
    groups = select_weak_groups(candidates, n, max_inflow=max_inflow, max_in_out=max_in_out)
    missed = near_misses(candidates, groups, n, max_inflow=max_inflow)
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
            "groups": [_group_figures(g) for g in groups],
            "near_miss_groups": [_group_figures(g) for g in missed],
        },
        params={
            "k": k,
            "fence": fence,
            "global_fence": global_fence,
            "mutual_k": graph.k if mutual_k is None else mutual_k,
            "shared_min": graph.k // 2 if shared_min is None else shared_min,
            "min_group": min_group,
            "max_group_fraction": max_group_fraction,
            "max_inflow": max_inflow,
            "max_in_out": round(max_in_out, 6),
        },
        values=ratio,
        signals=signal_names(raised),
        groups=[[int(row) for row in group.rows] for group in groups],
    )


def _group_figures(group: WeakGroup) -> dict[str, float | int]:
    return {
        "size": int(len(group.rows)),
        "inflow": round(group.inflow, 4),
        "in_out": round(group.in_out, 4),
        "conductance": round(group.conductance, 4),
    }


def signal_names(raised: dict[str, np.ndarray]) -> np.ndarray:
    """Per item, the names of the signals that flagged it, joined by '+' ('' when none)."""
    n = len(next(iter(raised.values())))
    names = np.full(n, "", dtype=object)
    for name, hit in raised.items():
        rows = np.flatnonzero(hit)
        names[rows] = [f"{old}+{name}" if old else name for old in names[rows]]
    return names
