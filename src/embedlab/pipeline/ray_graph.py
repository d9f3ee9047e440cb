"""`neighbors --engine ray`: the k-NN graph of a space queried in row blocks on Ray actors.

The driver makes sure the space's search index is stored (`pipeline/index.py`: the unit vectors
as a .npy file and, above the exact limit, the HNSW graph), tunes HNSW's query breadth on a
sample as the local graph does, then hands out blocks of rows. Each actor memory-maps the unit
vectors from the workspace folder (which every node must see, as for `embed --engine ray`),
loads the index once, and answers its blocks with one thread; only row numbers go out and the
blocks' neighbours come back. The driver checks the recall on a sample and stores the graph as
the local engine does: the same blocks, the same index and breadth, so the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab import progress
from embedlab.analysis.exact_search import drop_self
from embedlab.analysis.index import CHUNK_ROWS, ExactIndex, HnswIndex, NeighborIndex
from embedlab.analysis.neighbors import NeighborGraph, graph_from_index
from embedlab.errors import EmbedlabError
from embedlab.pipeline.index import HNSW_FILE, UNIT_FILE, graph_index, space_index
from embedlab.pipeline.ray_engine import RayEngine
from embedlab.store.handles import Space
from embedlab.store.workspace import Workspace


@dataclass(frozen=True)
class _GraphJob:
    """What every actor needs to load the index (plain values only)."""

    folder: str
    backend: str
    ef: int
    k: int
    threads: int


class GraphActor:
    """One Ray actor: the memory-mapped unit vectors and the index, loaded once."""

    def __init__(self, job: _GraphJob) -> None:
        folder = Path(job.folder)
        unit = np.load(folder / UNIT_FILE, mmap_mode="r")
        self.index: NeighborIndex
        if job.backend == "hnsw":
            hnsw = HnswIndex.load(folder / HNSW_FILE, unit)
            hnsw.set_ef(job.ef)
            hnsw.index_.set_num_threads(job.threads)
            self.index = hnsw
        else:
            import numba

            numba.set_num_threads(min(job.threads, numba.config.NUMBA_NUM_THREADS))
            self.index = ExactIndex().build(unit)
        self.unit, self.k = unit, job.k

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        start, stop = int(batch["start"][0]), int(batch["stop"][0])
        labels, sims = self.index.query(np.ascontiguousarray(self.unit[start:stop]), self.k + 1)
        return {"row": np.arange(start, stop, dtype=np.int64), "labels": labels, "sims": sims}


def block_rows(n: int, workers: int) -> int:
    """Rows per block: about four blocks per worker, so that every worker has work to the end,
    between MIN_BLOCK_ROWS and CHUNK_ROWS (the local engine's block)."""
    return min(CHUNK_ROWS, max(MIN_BLOCK_ROWS, -(-n // (4 * workers))))


MIN_BLOCK_ROWS = 1_000


def ray_graph(
    engine: RayEngine, workspace: Workspace, space: Space, k: int, backend: str
) -> NeighborGraph:
    """The k-NN graph of `space` by `backend` ('exact' or 'hnsw'), its blocks queried on Ray
    (started or joined here: nothing starts Ray where a stored graph is reused). HNSW's breadth
    is tuned and its recall measured by `graph_from_index`, as for the local graph."""
    with engine.session():
        shared = space_index(workspace, space, backend)
        folder = str(workspace.index_folder(shared.entry_table).resolve())

        def on_ray(index: HnswIndex | None, k: int) -> tuple[np.ndarray, np.ndarray]:
            job = _GraphJob(folder, backend, index.ef if index else 0, k, threads=1)
            return drop_self(*_query_blocks(engine, job, shared.unit.shape[0]), k)

        if backend == "hnsw":
            graph = graph_from_index(graph_index(workspace, space), k, query_all=on_ray)
        else:
            graph = NeighborGraph(*on_ray(None, k), "exact", {"k": k}, recall=1.0)
        graph.params.update(engine="ray", workers=engine.workers)
    return graph


def _query_blocks(engine: RayEngine, job: _GraphJob, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every row's k + 1 nearest rows (itself among them), from blocks answered on Ray; a
    block lost on the way is an error, not rows of garbage."""
    labels = np.empty((n, job.k + 1), dtype=np.int64)
    sims = np.empty((n, job.k + 1), dtype=np.float32)
    answered = np.zeros(n, dtype=bool)
    size = block_rows(n, engine.workers or 1)
    blocks = [{"start": s, "stop": min(s + size, n)} for s in range(0, n, size)]
    title = f"{job.backend} neighbour queries on Ray ({engine.workers} workers)"
    with progress.task(title, total=n) as bar:
        for out in engine.map_items(blocks, GraphActor, job, num_cpus=job.threads):
            labels[out["row"]], sims[out["row"]] = out["labels"], out["sims"]
            answered[out["row"]] = True
            bar.advance(len(out["row"]))
    if not answered.all():
        raise EmbedlabError(
            f"Ray answered {int(answered.sum()):,} of {n:,} rows of the neighbour graph; "
            "nothing was stored. Run the command again."
        )
    return labels, sims
