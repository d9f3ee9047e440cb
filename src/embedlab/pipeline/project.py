"""`project`: stored 2-D/3-D coordinates of a space, keyed by method and dimension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.analysis.projection import (
    ProjectionMethod,
    check_projection,
    neighbours_needed,
    project,
)
from embedlab.pipeline.graph import neighbors
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace, read_columns

AXES = ("x", "y", "z")


@dataclass
class Projection:
    dataset: str
    space: str
    method: str
    dims: int
    coords: np.ndarray
    meta: dict[str, Any]
    reused: bool = False


def projection_key(space: str, method: str, dims: int) -> str:
    return f"{space}/{method}-{dims}d"


def project_space(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    method: ProjectionMethod = "umap",
    dims: int = 2,
    seed: int = 0,
    force: bool = False,
) -> Projection:
    """Coordinates of `space` by `method`, reused when the same seed already made them."""
    space_obj = workspace.space(name, space)
    n_items = int(space_obj.meta["n_items"])
    check_projection(method, dims, n_items)
    key = projection_key(space, method, dims)
    stored = stored_projection(workspace, name, space, method, dims)
    if stored is not None and not force and stored.meta.get("seed") == seed:
        return stored
    with workspace.writing():
        graph = None
        if method in (
            "umap",
            "tsne",
        ):  # the stored graph, grown once if t-SNE needs more neighbours
            graph = neighbors(workspace, name, space, k=neighbours_needed(method, n_items))
        run = RunRecord(
            kind="project",
            dataset=name,
            space=space,
            method=method,
            params={"dims": dims},
            seed=seed,
            input_version=space_obj.entry.run_id,
        )
        coords = project(space_obj.vectors(), method, dims, graph=graph, seed=seed)
        table = pa.table({axis: coords[:, i] for i, axis in enumerate(AXES[:dims])})
        table_name = workspace.table_name("projection", name, key, run.run_id)
        workspace.write_table(table_name, table)
        meta = {
            "method": method,
            "dims": dims,
            "seed": seed,
            "space_run": space_obj.entry.run_id,
            "graph_k": graph.k if graph else None,
        }
        workspace.commit("projection", name, key, table_name, meta, run)
    return Projection(name, space, method, dims, coords, meta, False)


def stored_projection(
    workspace: Workspace, name: str, space: str, method: str, dims: int
) -> Projection | None:
    """The stored coordinates of `space` by `method` in `dims` dimensions, if current."""
    space_obj = workspace.space(name, space)
    entry = workspace.result("projection", name, projection_key(space, method, dims))
    if entry is None or entry.meta.get("space_run") != space_obj.entry.run_id:
        return None
    data = read_columns(workspace.open_table(entry), list(AXES[:dims]))
    coords = np.column_stack([data.column(a).to_numpy() for a in AXES[:dims]])
    return Projection(name, space, method, dims, coords.astype(np.float32), entry.meta, True)


def to_unit_box(coords: np.ndarray, margin: float = 0.95) -> np.ndarray:
    """Coordinates centred and scaled by one factor into [-margin, margin] (aspect kept), as
    WebGL plots want them."""
    coords = np.asarray(coords, dtype=np.float64)
    low, high = coords.min(axis=0), coords.max(axis=0)
    half = float((high - low).max()) / 2 or 1.0
    return ((coords - (low + high) / 2) / half * margin).astype(np.float32)
