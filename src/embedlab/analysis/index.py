"""Neighbour indexes: one interface (build, query, save, load) over exact search and HNSW, used
by the neighbour graph and by search alike. A new backend is one class added to BACKENDS.

Every index works on unit-length float32 rows and answers cosine similarities, best first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from embedlab.analysis.exact_search import drop_self, exact_neighbors, top_k_cosine
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.progress import task

CHUNK_ROWS = 20_000  # rows added to / queried from HNSW per progress step


class NeighborIndex:
    """The interface. `build` indexes unit rows; `query` returns the k nearest rows of each
    query (indices int64, similarities float32, best first); `neighbors_of_all` is the k-NN
    graph of the indexed rows themselves (self excluded), which a backend may do faster than
    querying every row."""

    name: ClassVar[str]

    def build(self, unit: np.ndarray) -> NeighborIndex:
        raise NotImplementedError

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def save(self, path: Path) -> None:
        raise NotImplementedError

    @classmethod
    def load(cls, path: Path, unit: np.ndarray) -> NeighborIndex:
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Any]:
        return {}

    @property
    def unit(self) -> np.ndarray:
        """The indexed unit rows."""
        return self._unit()

    @property
    def size(self) -> int:
        """How many rows are indexed."""
        return int(self._unit().shape[0])

    def neighbors_of_all(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        unit = self._unit()
        labels = np.empty((unit.shape[0], k + 1), dtype=np.int64)
        sims = np.empty((unit.shape[0], k + 1), dtype=np.float32)
        with task(f"{self.name} queries", total=-(-unit.shape[0] // CHUNK_ROWS)) as bar:
            for start in range(0, unit.shape[0], CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, unit.shape[0])
                labels[start:stop], sims[start:stop] = self.query(unit[start:stop], k + 1)
                bar.advance(1)
        return drop_self(labels, sims, k)

    def _unit(self) -> np.ndarray:
        unit = getattr(self, "unit_", None)
        if unit is None:
            raise InvalidInputError(f"The {self.name} index is empty: call build() first.")
        return unit


class ExactIndex(NeighborIndex):
    """Blocked matrix products with a fused top-k: exact, no build cost, O(n) per query."""

    name = "exact"

    def build(self, unit: np.ndarray) -> ExactIndex:
        self.unit_ = unit
        return self

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.atleast_2d(queries)
        if queries.shape[0] <= FEW_QUERIES:
            return _few_queries(queries, self._unit(), k)
        return top_k_cosine(queries, self._unit(), k, description="Exact search")

    def neighbors_of_all(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return exact_neighbors(self._unit(), k)

    def save(self, path: Path) -> None:
        """Nothing to keep but the rows themselves, which are the space: a marker file."""
        Path(path).write_text(json.dumps({"backend": self.name}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, unit: np.ndarray) -> ExactIndex:
        _read_marker(path, cls.name)
        return cls().build(unit)


FEW_QUERIES = 8  # up to this many queries, one matrix-vector product and a partition


def _few_queries(queries: np.ndarray, unit: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of a few queries by numpy alone (the numba merge runs on a thread pool that
    concurrent callers, an API's request threads, would queue on); memory: one score row of
    all items per query."""
    k = min(k, unit.shape[0])
    scores = np.asarray(unit @ queries.astype(np.float32).T, dtype=np.float32).T
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1).astype(np.int64), np.take_along_axis(
        top_scores, order, axis=1
    )


class HnswIndex(NeighborIndex):
    """hnswlib's HNSW graph. Its inserts run in parallel, so the index depends on thread timing
    unless `build_threads` is 1; queries are independent of the thread count."""

    name = "hnsw"

    def __init__(
        self, *, m: int = 16, ef_construction: int = 200, seed: int = 0, build_threads: int = 0
    ) -> None:
        self.m = m
        self.ef_construction = ef_construction
        self.seed = seed
        self.build_threads = build_threads
        self.ef = 64

    @property
    def params(self) -> dict[str, Any]:
        return {"m": self.m, "ef_construction": self.ef_construction, "ef": self.ef}

    def build(self, unit: np.ndarray) -> HnswIndex:
        import hnswlib

        n, dim = unit.shape
        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(
            max_elements=n, ef_construction=self.ef_construction, M=self.m, random_seed=self.seed
        )
        index.set_num_threads(self.build_threads or os.cpu_count() or 1)
        with task("HNSW index", total=-(-n // CHUNK_ROWS)) as bar:
            for start in range(0, n, CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, n)
                index.add_items(unit[start:stop], np.arange(start, stop))
                bar.advance(1)
        index.set_num_threads(os.cpu_count() or 1)
        self.index_, self.unit_ = index, unit
        self.set_ef(self.ef)
        return self

    def set_ef(self, ef: int) -> None:
        """The query breadth: larger is slower and finds more of the true neighbours."""
        self.ef = int(ef)
        if getattr(self, "index_", None) is not None:
            self.index_.set_ef(self.ef)

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self._unit()
        queries = np.atleast_2d(queries)
        # one query runs in the caller's thread: hnswlib would start threads for every call
        threads = 1 if queries.shape[0] < 64 else -1
        labels, distances = self.index_.knn_query(queries, k=k, num_threads=threads)
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

    def save(self, path: Path) -> None:
        """hnswlib's own file, with our parameters beside it as JSON."""
        self._unit()
        self.index_.save_index(str(path))
        Path(f"{path}.json").write_text(json.dumps({"backend": self.name, **self.params}))

    @classmethod
    def load(cls, path: Path, unit: np.ndarray) -> HnswIndex:
        import hnswlib

        params = _read_marker(Path(f"{path}.json"), cls.name)
        index = hnswlib.Index(space="ip", dim=unit.shape[1])
        index.load_index(str(path), max_elements=unit.shape[0])
        if index.get_current_count() != unit.shape[0]:
            raise InvalidInputError(
                f"The HNSW index '{path}' holds {index.get_current_count()} rows; the space has "
                f"{unit.shape[0]}. Build the index again."
            )
        loaded = cls(m=params["m"], ef_construction=params["ef_construction"])
        loaded.index_, loaded.unit_ = index, unit
        loaded.set_ef(params["ef"])
        return loaded


BACKENDS: dict[str, type[NeighborIndex]] = {"exact": ExactIndex, "hnsw": HnswIndex}


def index_backend(name: str) -> type[NeighborIndex]:
    """The index class registered under `name`, or a clear error listing the valid ones."""
    try:
        return BACKENDS[name]
    except KeyError:
        valid = ", ".join(f"'{n}'" for n in ["auto", *BACKENDS])
        raise InvalidInputError(f"Unknown neighbour index {name!r}; use one of {valid}.") from None


def _read_marker(path: Path, backend: str) -> dict[str, Any]:
    if not Path(path).is_file():
        raise NotFoundError(f"No saved {backend} index at '{path}'.")
    params = json.loads(Path(path).read_text(encoding="utf-8"))
    if params.get("backend") != backend:
        raise InvalidInputError(
            f"'{path}' holds a {params.get('backend')!r} index, not a {backend!r} one."
        )
    return params
