"""`neighbors`: the space's k-NN graph, computed once, stored, and reused by everything else."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from embedlab.analysis.neighbors import GraphMethod, NeighborGraph, build_neighbor_graph
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace, arrow_to_matrix, matrix_to_arrow, read_columns

DEFAULT_K = 15


def neighbors(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    k: int = DEFAULT_K,
    method: GraphMethod = "auto",
    force: bool = False,
) -> NeighborGraph:
    """The stored graph of `space` if it has at least k neighbours per item, else a new one."""
    space_obj = workspace.space(name, space)
    entry = workspace.result("neighbors", name, space)
    if (
        entry is not None
        and not force
        and entry.meta.get("space_run") == space_obj.entry.run_id
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
            kind="neighbors",
            dataset=name,
            space=space,
            method=method,
            params={"k": k},
            input_version=space_obj.entry.run_id,
        )
        graph = build_neighbor_graph(space_obj.vectors(), k=k, method=method)
        table = pa.table(
            {
                "indices": matrix_to_arrow(graph.indices, np.int32),
                "similarities": matrix_to_arrow(graph.similarities, np.float32),
            }
        )
        table_name = workspace.table_name("neighbors", name, space, run.run_id)
        workspace.write_table(table_name, table)
        meta = {
            "k": k,
            "method": graph.method,
            "params": graph.params,
            "recall": graph.recall,
            "space_run": space_obj.entry.run_id,
        }
        run.report = {"method": graph.method, "recall": graph.recall}
        workspace.commit("neighbors", name, space, table_name, meta, run)
    return graph
