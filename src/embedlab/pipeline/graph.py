"""`neighbors`: the space's k-NN graph, computed once, stored, and reused by everything else."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from embedlab.analysis.neighbors import (
    EXACT_MAX_ITEMS,
    GraphMethod,
    NeighborGraph,
    build_neighbor_graph,
    graph_from_index,
)
from embedlab.checks import check_int
from embedlab.errors import InvalidInputError
from embedlab.store.handles import Space
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace, arrow_to_matrix, matrix_to_arrow, read_columns

if TYPE_CHECKING:
    from embedlab.pipeline.ray_engine import RayEngine

DEFAULT_K = 15


def neighbors(
    workspace: Workspace,
    name: str,
    space: str | Space,
    *,
    k: int = DEFAULT_K,
    method: GraphMethod = "auto",
    force: bool = False,
    engine: RayEngine | None = None,
) -> NeighborGraph:
    """The stored graph of `space` (a name or a resolved handle) if it is current and has at
    least k neighbours per item, else a new one, stored. With `engine` (a RayEngine) a new
    graph's queries run on Ray actors in row blocks."""
    k = check_int(k, "k", "neighbors", 1)
    space_obj = space if isinstance(space, Space) else workspace.space(name, space)
    entry = workspace.result("neighbors", name, space_obj.name)
    if (
        entry is not None
        and not force
        and entry.meta["k"] >= k
        and method in ("auto", entry.meta["method"])
    ):
        data = read_columns(workspace.open_table(entry), ["indices", "similarities"])
        return NeighborGraph(
            indices=arrow_to_matrix(data.column("indices"), np.int32)[:, :k],
            similarities=arrow_to_matrix(data.column("similarities"), np.float32)[:, :k],
            method=entry.meta["method"],
            params=entry.meta.get("params", {}),
            recall=entry.meta.get("recall"),
        )
    with workspace.writing():
        run = RunRecord(
            kind="neighbors", dataset=name, space=space_obj.name, method=method, params={"k": k}
        )
        graph = _build_graph(workspace, space_obj, k, method, engine)
        table = pa.table(
            {
                "indices": matrix_to_arrow(graph.indices, np.int32),
                "similarities": matrix_to_arrow(graph.similarities, np.float32),
            }
        )
        meta = {"k": k, "method": graph.method, "params": graph.params, "recall": graph.recall}
        run.params = {"k": k, "method": method, **graph.params}
        run.report = {"method": graph.method, "recall": graph.recall}
        workspace.save_result(
            "neighbors", name, space_obj.name, table, run=run, inputs=[space_obj], meta=meta
        )
    return graph


def check_enough_items(n: int, k: int, command: str, dataset: str) -> None:
    """Refuse a command that uses each item's k nearest neighbours on a dataset of k items or
    fewer (said in the command's terms: not every command has a -k option)."""
    if n <= k:
        raise InvalidInputError(
            f"'{command}' uses each item's k={k} nearest neighbours, but dataset '{dataset}' has "
            f"only {n} item(s); expected at least {k + 1}."
        )


def _build_graph(
    workspace: Workspace, space: Space, k: int, method: GraphMethod, engine: RayEngine | None
) -> NeighborGraph:
    """Exact from the space's vectors while that is fast; beyond, from the space's stored HNSW
    index (built once, shared with search; its unit rows memory-mapped), queried in blocks,
    here or on Ray."""
    # imported here: the indexes import numba, which reading a stored graph does not need
    from embedlab.analysis.index import index_backend
    from embedlab.pipeline.index import graph_index

    n = len(space.source)
    chosen = method if method != "auto" else ("exact" if n <= EXACT_MAX_ITEMS else "hnsw")
    if chosen not in ("exact", "hnsw"):
        index_backend(chosen)  # the error that names the valid methods
    if engine is not None or chosen == "hnsw":
        if n < 2 or k >= n:
            raise InvalidInputError(
                f"k={k} neighbours asked for but there are only {n} items; use k <= {n - 1}."
            )
    if engine is not None:
        from embedlab.pipeline.ray_graph import ray_graph

        return ray_graph(engine, workspace, space, k, chosen)
    if chosen == "hnsw":
        return graph_from_index(graph_index(workspace, space), k)
    return build_neighbor_graph(space.vectors(), k=k, method=chosen)
