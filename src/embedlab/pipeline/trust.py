"""`trust`: how far a stored map keeps each item's neighbours of the full space, per item (a
colour field `trust-SPACE-METHOD-DIMSd:trust`) and as one mean per map."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from embedlab import progress
from embedlab.analysis.trust import map_trust
from embedlab.checks import check_int
from embedlab.errors import NotFoundError
from embedlab.pipeline.graph import DEFAULT_K, neighbors
from embedlab.pipeline.project import projection_key, stored_projection
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace


def trust_key(space: str, method: str, dims: int) -> str:
    return f"trust-{space}-{method}-{dims}d"


def compute_trust(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    method: str = "umap",
    dims: int = 2,
    k: int = DEFAULT_K,
) -> dict[str, Any]:
    """Per item of `space`, the share of its k graph neighbours that are k nearest on the
    stored `method` map too; stored as a columns result whose inputs are the map and the
    graph (the graph is computed first if the space has none with k neighbours)."""
    k = check_int(k, "k", "trust", 1)
    space_obj = workspace.space(name, space)
    coords = stored_projection(workspace, name, space_obj, method, dims)
    key = projection_key(space_obj.name, method, dims)
    map_entry = workspace.result("projection", name, key)
    if coords is None or map_entry is None:
        raise NotFoundError(
            f"No {dims}-D {method} map of space '{space}' of dataset '{name}' to judge. Make "
            f"it with `embedlab project {name} {space} --method {method} --dims {dims}`."
        )
    graph = neighbors(workspace, name, space_obj, k=k)
    graph_entry = workspace.result("neighbors", name, space_obj.name)
    with progress.task(f"Trust of the {method} map of '{space}'", total=None):
        result = map_trust(coords.coords, graph, k=k)
    run = RunRecord(
        kind="trust",
        dataset=name,
        space=space_obj.name,
        method="knn-overlap",
        params={"map": key, "dims": dims, "k": k},
    )
    run.report = result.summary
    table = pa.table({"id": space_obj.ids(), "trust": result.trust})
    field_key = trust_key(space_obj.name, method, dims)
    meta = {"space": space_obj.name, "map": key, "k": k, **result.summary}
    workspace.save_result(
        "columns", name, field_key, table, run=run, inputs=[map_entry, graph_entry], meta=meta
    )
    return trust_summary(name, space_obj.name, method, dims, meta)


def stored_trust(
    workspace: Workspace, name: str, space: str, *, method: str = "umap", dims: int = 2
) -> dict[str, Any] | None:
    """The stored trust of a map (its summary), if it is current."""
    entry = workspace.result("columns", name, trust_key(space, method, dims))
    return None if entry is None else trust_summary(name, space, method, dims, entry.meta)


def trust_summary(
    name: str, space: str, method: str, dims: int, meta: dict[str, Any]
) -> dict[str, Any]:
    return {
        "dataset": name,
        "space": space,
        "method": method,
        "dims": dims,
        "k": meta["k"],
        "field": f"{trust_key(space, method, dims)}:trust",
        **{key: meta[key] for key in TRUST_FIGURES},
    }


TRUST_FIGURES = ("mean_trust", "median_trust", "no_neighbour_kept", "random_map_trust")
