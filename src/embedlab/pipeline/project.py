"""`project`: stored 2-D/3-D coordinates of a space, keyed by method and dimension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.analysis.projection import (
    UMAP_MIN_DIST,
    ProjectionMethod,
    check_projection,
    neighbours_needed,
    project,
)
from embedlab.checks import check_seed
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.graph import neighbors
from embedlab.store.catalog import Entry
from embedlab.store.handles import Space
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
    space: str | Space,
    *,
    method: ProjectionMethod = "umap",
    dims: int = 2,
    seed: int = 0,
    force: bool = False,
) -> Projection:
    """Coordinates of `space` by `method`, reused when the same seed already made them."""
    seed = check_seed(seed, "project")
    space_obj = space if isinstance(space, Space) else workspace.space(name, space)
    n_items = int(space_obj.meta["n_items"])
    check_projection(method, dims, n_items)
    key = projection_key(space_obj.name, method, dims)
    stored = stored_projection(workspace, name, space_obj, method, dims)
    if stored is not None and not force and stored.meta.get("seed") == seed:
        return stored
    vectors = space_obj.vectors()
    if not np.any(vectors != vectors[0]):
        raise InvalidInputError(
            f"All {n_items} items of space '{space_obj.name}' of dataset '{name}' have the same "
            "vector, so a map would put them on one point (and t-SNE crashes on it). Expected "
            "items whose vectors differ: check the dataset for repeated items, or the method's "
            "input columns."
        )
    with workspace.writing():
        graph = None
        if method in ("umap", "tsne"):  # the stored graph, grown once if t-SNE needs more
            graph = neighbors(workspace, name, space_obj, k=neighbours_needed(method, n_items))
        run = RunRecord(
            kind="project",
            dataset=name,
            space=space_obj.name,
            method=method,
            params={"dims": dims, "graph_k": graph.k if graph else None},
            seed=seed,
        )
        coords = project(vectors, method, dims, graph=graph, seed=seed)
        table = pa.table({axis: coords[:, i] for i, axis in enumerate(AXES[:dims])})
        meta = {
            "method": method,
            "dims": dims,
            "seed": seed,
            "graph_k": graph.k if graph else None,
            "n_items": n_items,
            **({"min_dist": UMAP_MIN_DIST} if method == "umap" else {}),
        }
        entry = workspace.save_result(
            "projection", name, key, table, run=run, inputs=[space_obj], meta=meta
        )
    return Projection(name, space_obj.name, method, dims, coords, entry.meta, False)


def stored_projection(
    workspace: Workspace, name: str, space: str | Space, method: str, dims: int
) -> Projection | None:
    """The stored coordinates of `space` by `method` in `dims` dimensions, if current."""
    space_name = space.name if isinstance(space, Space) else workspace.space(name, space).name
    entry = workspace.result("projection", name, projection_key(space_name, method, dims))
    if entry is None:
        return None
    data = read_columns(workspace.open_table(entry), list(AXES[:dims]))
    coords = np.column_stack([data.column(a).to_numpy() for a in AXES[:dims]])
    return Projection(name, space_name, method, dims, coords.astype(np.float32), entry.meta, True)


def require_map(
    workspace: Workspace, name: str, space: Space, method: str, dims: int, purpose: str
) -> tuple[Projection, Entry]:
    """The stored map of `space` and its catalog entry, or an error saying how to make it."""
    stored = stored_projection(workspace, name, space, method, dims)
    entry = workspace.result("projection", name, projection_key(space.name, method, dims))
    if stored is None or entry is None:
        raise NotFoundError(
            f"No {dims}-D {method} map of space '{space.name}' of dataset '{name}' to "
            f"{purpose}. Make it with `embedlab project {name} {space.name} --method {method} "
            f"--dims {dims}`."
        )
    return stored, entry


def overlay_key(prefix: str, space: str, method: str, dims: int) -> str:
    """The columns result of an overlay of one map: `PREFIX-SPACE-METHOD-DIMSd`."""
    return f"{prefix}-{space}-{method}-{dims}d"


def stored_overlay(
    workspace: Workspace, prefix: str, name: str, space: str, method: str, dims: int
) -> dict[str, Any] | None:
    """An overlay's stored meta with the map it belongs to, if current."""
    entry = workspace.result("columns", name, overlay_key(prefix, space, method, dims))
    if entry is None:
        return None
    return {**entry.meta, "dataset": name, "space": space, "method": method, "dims": dims}


def to_unit_box(
    coords: np.ndarray, margin: float = 0.95, *, frame: np.ndarray | None = None
) -> np.ndarray:
    """Coordinates centred and scaled by one factor into [-margin, margin] (aspect kept), as
    WebGL plots want them; with `frame`, by the box that puts `frame` there (e.g. label
    positions on a map)."""
    coords = np.asarray(coords, dtype=np.float64)
    box = coords if frame is None else np.asarray(frame, dtype=np.float64)
    low, high = box.min(axis=0), box.max(axis=0)
    half = float((high - low).max()) / 2 or 1.0
    return ((coords - (low + high) / 2) / half * margin).astype(np.float32)
