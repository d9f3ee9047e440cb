"""The k-nearest-neighbour graph of a space by cosine similarity, computed once and reused.

Built from a neighbour index (analysis/index.py): exact (blocked matrix products with a fused
numba top-k, analysis/exact_search.py) up to `exact_max_items`, beyond that HNSW (hnswlib), whose
query breadth is tuned and whose recall against exact search is measured on a sample and
reported with the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from embedlab.errors import InvalidInputError

if TYPE_CHECKING:
    from embedlab.analysis.index import HnswIndex

# The indexes and numba kernels are imported where a graph is built or compared: an audit that
# reads a stored graph (every one after the first) needs neither (numba alone is ~0.3 s).

__all__ = [
    "NeighborGraph",
    "build_neighbor_graph",
    "graph_from_index",
    "hnsw_neighbors",
    "measure_recall",
    "normalize_rows",
]

#: exact_search's functions, exported here before; imported on first use (see __getattr__)
EXACT_SEARCH_NAMES = ("drop_self", "exact_neighbors", "top_k_cosine")


def __getattr__(name: str) -> Any:
    if name in EXACT_SEARCH_NAMES:
        from embedlab.analysis import exact_search

        return getattr(exact_search, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


GraphMethod = Literal["auto", "exact", "hnsw"]
EXACT_MAX_ITEMS = 100_000  # exact grows as n^2: ~20 s at 70k, ~3 min at 200k on 2 cores
TARGET_RECALL = 0.95  # HNSW's query breadth is raised until a sample reaches this recall
MAX_EF = 1024
TIE_TOLERANCE = 1e-6


@dataclass
class NeighborGraph:
    """Row i's k nearest other items (`indices`) and their cosine similarities, best first."""

    indices: np.ndarray
    similarities: np.ndarray
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    recall: float | None = None

    @property
    def k(self) -> int:
        return int(self.indices.shape[1])

    @property
    def distances(self) -> np.ndarray:
        """Cosine distances (1 - similarity), clipped at 0."""
        return np.clip(1.0 - self.similarities, 0.0, None)


def count_shared(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per row, how many entries of `second` occur in the same row of `first` (rows of distinct
    indices)."""
    if len(first) != len(second):
        raise InvalidInputError(
            f"count_shared needs one row of each per item. Got {len(first)} and {len(second)} rows."
        )
    from embedlab.analysis.exact_search import count_shared_rows

    return count_shared_rows(
        np.ascontiguousarray(first, dtype=np.int64), np.ascontiguousarray(second, dtype=np.int64)
    )


def normalize_rows(vectors: np.ndarray, what: str = "vectors") -> np.ndarray:
    """Unit-length float32 rows for cosine similarity; all-zero rows stay zero."""
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    if data.ndim != 2 or data.shape[0] == 0:
        raise InvalidInputError(
            f"The {what} must be a non-empty 2-D array; got shape {data.shape}."
        )
    bad_rows = np.flatnonzero(~np.isfinite(data).all(axis=1))
    if bad_rows.size:
        raise InvalidInputError(
            f"The {what} have NaN or infinite values in {bad_rows.size} row(s), the first at row "
            f"{int(bad_rows[0])}. Expected finite numbers."
        )
    norms = np.linalg.norm(data, axis=1, keepdims=True)
    return data / np.where(norms > 0, norms, 1.0)


def hnsw_neighbors(
    unit: np.ndarray,
    k: int,
    *,
    m: int = 16,
    ef_construction: int = 200,
    ef: int = 0,
    target_recall: float = TARGET_RECALL,
    tune_sample: int = 500,
    seed: int = 0,
    build_threads: int = 0,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """An HNSW k-NN graph. With `ef` 0, the query breadth is tuned before the full query:
    doubled from max(2(k+1), 64) until the recall on a sample of rows, checked against exact
    search, reaches `target_recall` (or ef reaches MAX_EF). Clustered data whose clusters are
    round (neighbours nearly equidistant) need a much larger ef than the default.

    hnswlib inserts in parallel, so the index (and the graph) depends on thread timing unless
    `build_threads` is 1."""
    from embedlab.analysis.index import HnswIndex

    index = HnswIndex(m=m, ef_construction=ef_construction, seed=seed, build_threads=build_threads)
    index.build(unit)
    tuned = None
    if not ef:
        ef, tuned = tune_ef(index, unit, k, target_recall, tune_sample, seed)
    index.set_ef(ef)
    idx, sims = index.neighbors_of_all(k)
    return idx, sims, {**index.params, "tuning_recall": tuned}


def tune_ef(
    index: HnswIndex,
    unit: np.ndarray,
    k: int,
    target: float,
    sample: int,
    seed: int,
    *,
    ties: bool = False,
) -> tuple[int, float]:
    """The smallest doubling of ef whose recall on sampled rows reaches `target`. With `ties`,
    a found row counts when it is as similar as the k-th true neighbour (data with many equal
    similarities, e.g. texts sharing words, has no single right k-th neighbour)."""
    from embedlab.analysis.exact_search import drop_self
    from embedlab.analysis.index import ExactIndex

    rng = np.random.default_rng(seed + 1)  # not the rows the final recall check uses
    rows = rng.choice(unit.shape[0], size=min(sample, unit.shape[0]), replace=False)
    exact_idx, exact_sims = ExactIndex().build(unit).query(unit[rows], k + 1)
    truth, truth_sims = drop_self(exact_idx, exact_sims, k, self_ids=rows)
    ef = max(2 * (k + 1), 64)
    while True:
        index.set_ef(ef)
        found, found_sims = drop_self(*index.query(unit[rows], k + 1), k, self_ids=rows)
        if ties:
            hits = int((found_sims >= truth_sims[:, -1:] - TIE_TOLERANCE).sum())
        else:
            hits = _overlap(truth, found)
        recall = hits / (len(rows) * k)
        if recall >= target or ef >= MAX_EF:
            return ef, round(recall, 4)
        ef *= 2


def _exact_rows(unit: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The true k nearest other rows of the given rows."""
    from embedlab.analysis.exact_search import drop_self
    from embedlab.analysis.index import ExactIndex

    exact_idx, exact_sims = ExactIndex().build(unit).query(unit[rows], k + 1)
    return drop_self(exact_idx, exact_sims, k, self_ids=rows)[0]


def _overlap(truth: np.ndarray, found: np.ndarray) -> int:
    return sum(np.intersect1d(t, f).size for t, f in zip(truth, found, strict=True))


def measure_recall(
    unit: np.ndarray, indices: np.ndarray, sample: int = 1000, seed: int = 0
) -> float:
    """Mean recall@k of `indices` against exact search on a random sample of rows."""
    k = indices.shape[1]
    rng = np.random.default_rng(seed)
    rows = rng.choice(unit.shape[0], size=min(sample, unit.shape[0]), replace=False)
    return _overlap(_exact_rows(unit, rows, k), indices[rows]) / (len(rows) * k)


def graph_from_index(
    index: HnswIndex,
    k: int,
    *,
    target_recall: float = TARGET_RECALL,
    tune_sample: int = 500,
    recall_sample: int = 1000,
    seed: int = 0,
    query_all: Callable[[HnswIndex, int], tuple[np.ndarray, np.ndarray]] | None = None,
) -> NeighborGraph:
    """The k-NN graph of a built HNSW index's own rows, queried in blocks (the rows may be
    memory-mapped: nothing copies them), its query breadth tuned for k and its recall measured
    against exact search on a sample, as `build_neighbor_graph` does. `query_all(index, k)`,
    when given, answers every row's k neighbours with the tuned index elsewhere (on Ray)."""
    from embedlab.analysis.index import HnswIndex

    unit = index.unit
    ef, tuned = tune_ef(index, unit, k, target_recall, tune_sample, seed)
    index.set_ef(ef)
    idx, sims = (query_all or HnswIndex.neighbors_of_all)(index, k)
    recall = measure_recall(unit, idx, sample=recall_sample, seed=seed)
    params = {"k": k, **index.params, "tuning_recall": tuned}
    return NeighborGraph(idx, sims, "hnsw", params, recall=round(recall, 4))


def build_neighbor_graph(
    vectors: np.ndarray,
    k: int = 15,
    method: GraphMethod = "auto",
    *,
    exact_max_items: int = EXACT_MAX_ITEMS,
    recall_sample: int = 1000,
    seed: int = 0,
) -> NeighborGraph:
    """The cosine k-NN graph of `vectors` (self excluded) from a neighbour index: exact while
    that is fast, else HNSW with its query breadth tuned and its recall measured."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInputError(f"The 'k' parameter must be an int >= 1. Got {k!r} instead.")
    k = int(k)
    unit = normalize_rows(vectors)
    n = unit.shape[0]
    if n < 2:
        raise InvalidInputError(f"A neighbour graph needs at least 2 items; got {n}.")
    if k >= n:
        raise InvalidInputError(
            f"k={k} neighbours asked for but there are only {n} items; use k <= {n - 1}."
        )
    from embedlab.analysis.index import ExactIndex, HnswIndex, index_backend

    chosen = method if method != "auto" else ("exact" if n <= exact_max_items else "hnsw")
    backend = index_backend(chosen)
    if backend is HnswIndex:
        idx, sims, params = hnsw_neighbors(unit, k, seed=seed)
        recall = measure_recall(unit, idx, sample=recall_sample, seed=seed)
        return NeighborGraph(idx, sims, "hnsw", {"k": k, **params}, recall=round(recall, 4))
    index = backend().build(unit)
    idx, sims = index.neighbors_of_all(k)
    recall = 1.0 if backend is ExactIndex else measure_recall(unit, idx, sample=recall_sample)
    return NeighborGraph(idx, sims, backend.name, {"k": k, **index.params}, recall=recall)
