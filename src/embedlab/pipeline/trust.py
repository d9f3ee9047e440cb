"""`trust`: how far a stored map keeps each item's neighbours of the full space, per item (a
colour field `trust-SPACE-METHOD-DIMSd:trust`) and as one mean per map."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from embedlab import progress
from embedlab.analysis.trust import map_trust
from embedlab.checks import check_int
from embedlab.pipeline.graph import DEFAULT_K, check_enough_items, neighbors
from embedlab.pipeline.project import overlay_key, require_map, stored_overlay
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace


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
    coords, map_entry = require_map(workspace, name, space_obj, method, dims, "judge")
    key = map_entry.name
    check_enough_items(len(space_obj.source), k, "trust", name)
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
    field_key = overlay_key("trust", space_obj.name, method, dims)
    meta = {"space": space_obj.name, "map": key, "k": k, **result.summary}
    workspace.save_result(
        "columns", name, field_key, table, run=run, inputs=[map_entry, graph_entry], meta=meta
    )
    return trust_summary({**meta, "dataset": name, "method": method, "dims": dims})


def stored_trust(
    workspace: Workspace, name: str, space: str, *, method: str = "umap", dims: int = 2
) -> dict[str, Any] | None:
    """The stored trust of a map (its summary), if it is current."""
    found = stored_overlay(workspace, "trust", name, space, method, dims)
    return None if found is None else trust_summary(found)


def trust_summary(meta: dict[str, Any]) -> dict[str, Any]:
    field_key = overlay_key("trust", meta["space"], meta["method"], meta["dims"])
    keys = ("dataset", "space", "method", "dims", "k", *TRUST_FIGURES)
    return {**{key: meta[key] for key in keys}, "field": f"{field_key}:trust"}


TRUST_FIGURES = ("mean_trust", "median_trust", "no_neighbour_kept", "random_map_trust")
