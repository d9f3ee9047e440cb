"""The search index of a space: its unit vectors, normalised once and kept as a memory-mapped
.npy file, and, above `EXACT_SEARCH_MAX_ITEMS` items, an HNSW graph (hnswlib) whose query
breadth is tuned once to a recall target against exact search.

Built on the first search of a space (or the first neighbour graph that needs HNSW), saved in
the workspace beside the space (`<workspace>/indexes/<entry table>/`), recorded in the catalog
as the space's 'index' result with the space as its input: embedding the space again drops it,
and the next search builds a new one. A process keeps the indexes it loaded (a few, most
recently used first), so the API answers each query without reading the space again.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from embedlab import progress
from embedlab.analysis.index import ExactIndex, HnswIndex, NeighborIndex
from embedlab.analysis.neighbors import normalize_rows, tune_ef
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.items import id_lookups
from embedlab.store.catalog import Entry
from embedlab.store.handles import Space
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace

IndexBackend = Literal["auto", "exact", "hnsw"]
#: exact search answers one query over 100k x 384 in ~10 ms here; HNSW beyond
EXACT_SEARCH_MAX_ITEMS = 100_000
SEARCH_K = 10  # the k the query breadth is tuned for
#: the recall@10 the query breadth is raised to, on a sample (ties at the 10th count as found)
SEARCH_RECALL = 0.97
TUNE_SAMPLE = 300
UNIT_FILE = "unit.npy"
HNSW_FILE = "hnsw.bin"
READ_ROWS = 65_536
CACHED_INDEXES = 4
#: hnswlib's insert threads (0: all cores); 1 makes the graph the same on every build
BUILD_THREADS = 0


@dataclass
class SpaceIndex:
    """A loaded index: the backend, the memory-mapped unit vectors and the space's ids."""

    entry_table: str
    backend: NeighborIndex
    unit: np.ndarray
    meta: dict[str, Any]
    _rows: pd.Index | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _ids: Any = field(default=None, repr=False)

    def find(self, item: str) -> int | None:
        """The row of item id `item` (a hash lookup, the ids read once), or None."""
        with self._lock:
            if self._rows is None:
                self._rows = pd.Index(self._ids())
        for candidate in id_lookups(item):
            if candidate in self._rows:
                return int(self._rows.get_loc(candidate))
        return None


_CACHE: OrderedDict[tuple[str, str], SpaceIndex] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def space_index(workspace: Workspace, space: Space, backend: IndexBackend = "auto") -> SpaceIndex:
    """The current index of `space` (loaded, or built and stored when there is none, or when
    the stored one is of another backend than asked for)."""
    wanted = _backend_for(len(space.source), backend)
    entry = workspace.result("index", space.dataset, space.name)
    if not _serves(entry, wanted):
        with workspace.writing():
            entry = workspace.result("index", space.dataset, space.name)
            if not _serves(entry, wanted):
                entry = _build(workspace, space, wanted)
    key = (str(workspace.path), entry.table)
    with _CACHE_LOCK:
        loaded = _CACHE.get(key)
        if loaded is not None:
            _CACHE.move_to_end(key)
    if loaded is None:
        loaded = load_index(workspace.index_folder(entry.table), entry.meta, space)
        loaded.entry_table = entry.table
        with _CACHE_LOCK:
            _CACHE[key] = loaded
            while len(_CACHE) > CACHED_INDEXES:
                _CACHE.popitem(last=False)
    return loaded


def _serves(entry: Entry | None, wanted: str) -> bool:
    """Any stored index serves where exact search would do (a small space whose graph built an
    HNSW index keeps it: its answers are re-ranked exactly); HNSW is rebuilt only if asked."""
    return entry is not None and wanted in ("exact", entry.meta.get("backend"))


def graph_index(workspace: Workspace, space: Space) -> HnswIndex:
    """A private copy of the space's HNSW index (built and stored if there is none), for a
    neighbour graph to tune its query breadth on without touching the one search uses."""
    shared = space_index(workspace, space, "hnsw")
    folder = workspace.index_folder(shared.entry_table)
    return HnswIndex.load(folder / HNSW_FILE, shared.unit)


def _backend_for(n: int, backend: IndexBackend) -> str:
    if backend not in ("auto", "exact", "hnsw"):
        raise InvalidInputError(f"Unknown index {backend!r}; use one of 'auto', 'exact', 'hnsw'.")
    if backend != "auto":
        return backend
    return "exact" if n <= EXACT_SEARCH_MAX_ITEMS else "hnsw"


def load_index(folder: Path, meta: dict[str, Any], space: Space) -> SpaceIndex:
    """An index read back from its folder; the unit vectors stay on disk (memory-mapped)."""
    path = folder / UNIT_FILE
    if not path.is_file():
        raise NotFoundError(
            f"The index of space '{space.name}' is missing its vectors ('{path}'); search again "
            "to build it anew after `embedlab embed ... --force`."
        )
    unit = np.load(path, mmap_mode="r")
    backend: NeighborIndex
    if meta["backend"] == "hnsw":
        backend = HnswIndex.load(folder / HNSW_FILE, unit)
    else:
        backend = ExactIndex().build(unit)
    return SpaceIndex("", backend, unit, meta, _ids=space.ids)


def write_unit_vectors(space: Space, path: Path) -> np.ndarray:
    """The space's vectors scaled to unit length, written block by block into a .npy file and
    returned memory-mapped (memory holds one block)."""
    n, dim = len(space.source), space.dim
    unit = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, dim))
    query = space.table.search().select(["vector"]).limit(None)
    start = 0
    with progress.task("Unit vectors", total=n) as bar:
        for batch in query.to_batches(READ_ROWS):
            values = batch.column(0).flatten().to_numpy(zero_copy_only=False)
            block = normalize_rows(values.reshape(-1, dim), f"vectors of space '{space.name}'")
            unit[start : start + len(block)] = block
            start += len(block)
            bar.advance(len(block))
    if start != n:
        raise InvalidInputError(f"Space '{space.name}' has {start} vectors for {n} items.")
    unit.flush()
    return np.load(path, mmap_mode="r")


def _build(workspace: Workspace, space: Space, backend: str) -> Any:
    """Write the unit vectors and the backend's files, then record the index in one commit."""
    run = RunRecord(
        kind="index", dataset=space.dataset, space=space.name, method=backend, params={}
    )
    table_name = workspace.table_name("index", space.dataset, space.name, run.run_id)
    folder = workspace.index_folder(table_name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        unit = write_unit_vectors(space, folder / UNIT_FILE)
        params: dict[str, Any] = {}
        if backend == "hnsw":
            params = _build_hnsw(unit, folder / HNSW_FILE)
        meta = {"backend": backend, "params": params, "n_items": int(unit.shape[0])}
        (folder / "index.json").write_text(json.dumps(meta), encoding="utf-8")
        run.params = {"backend": backend, **params}
        run.report = {"n_items": int(unit.shape[0]), **params}
        return workspace.commit(
            "index", space.dataset, space.name, table_name, meta, run, inputs=[space]
        )
    except BaseException:
        workspace._drop_table(table_name)
        raise


def _build_hnsw(unit: np.ndarray, path: Path) -> dict[str, Any]:
    """Build the HNSW graph and raise its query breadth until recall@10 reaches the target."""
    # ef_construction 200, not 100: on 50k hashed-word texts (benchmarks/scale.py data) the
    # index of 100 needed ef 512 for the recall target, the one of 200 ef 64, 8x cheaper per
    # query, for about twice the build time (built once; the graph's index shares it)
    index = HnswIndex(m=16, ef_construction=200, seed=0, build_threads=BUILD_THREADS)
    index.build(unit)
    ef, recall = tune_ef(index, unit, SEARCH_K, SEARCH_RECALL, TUNE_SAMPLE, seed=0, ties=True)
    index.set_ef(ef)
    index.save(path)
    return {**index.params, "tuning_recall": recall}
