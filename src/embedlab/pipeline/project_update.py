"""`project NAME SPACE --update`: new items of a grown space placed on its existing map.

After `ingest --append` and `embed`, the space holds the old vectors first and the new ones
after; a map made before is kept but stale. Updating it keeps every old coordinate as stored
(byte for byte) and gives the new items coordinates (see `analysis.placement`): UMAP maps by
UMAP's transform, PCA maps by the refitted PCA, others from each new item's nearest old items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.analysis.placement import (
    PLACEMENT_NEIGHBOURS,
    Placement,
    nearest_old,
    pca_transform,
    place_by_neighbours,
    umap_transform,
)
from embedlab.analysis.projection import UMAP_MIN_DIST
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.project import AXES, projection_key
from embedlab.store.catalog import Entry
from embedlab.store.handles import Space
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace, embed_command


@dataclass
class MapUpdate:
    """What `update_projection` did."""

    dataset: str
    space: str
    method: str
    dims: int
    n_old: int
    n_placed: int
    placement: Placement
    k: int
    coords: np.ndarray  # every item: the old coordinates first, then the placed ones

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "space": self.space,
            "method": self.method,
            "dims": self.dims,
            "n_items": self.n_old + self.n_placed,
            "n_old": self.n_old,
            "n_placed": self.n_placed,
            "placement": self.placement,
            "k": self.k,
        }


def update_projection(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    method: str = "umap",
    dims: int = 2,
    k: int | None = None,
) -> MapUpdate:
    """Place the items added to `space` since its `method` map in `dims` dimensions was made,
    keeping the old points where they are; `k` old neighbours per new item (default: the
    map's UMAP n_neighbors, else PLACEMENT_NEIGHBOURS)."""
    space_obj = _grown_space(workspace, name, space)
    key = projection_key(space_obj.name, method, dims)
    entry = workspace.catalog.get("projection", name, key)
    if entry is None or entry.status != "complete":
        raise NotFoundError(
            f"No {dims}-D {method} map of space '{space}' of dataset '{name}' to update. Make it "
            f"with `embedlab project {name} {space} --method {method} --dims {dims}`."
        )
    old_table = workspace.open_table(entry).to_arrow()
    n_old, n = old_table.num_rows, int(space_obj.meta["n_items"])
    _check_grown(workspace, entry, n_old, n, name, space, method, dims)
    k = _neighbours(entry, k, n_old)
    with workspace.writing():
        seed = int(entry.meta.get("seed", 0))
        run = RunRecord(
            kind="project",
            dataset=name,
            space=space_obj.name,
            method=method,
            params={"dims": dims, "update": True, "k": k},
            seed=seed,
        )
        old_coords = np.column_stack([old_table.column(a).to_numpy() for a in AXES[:dims]]).astype(
            np.float32
        )
        placed, how = _place(space_obj.vectors(), old_coords, n_old, entry, k, seed)
        table = pa.table(
            {
                axis: pa.chunked_array(
                    [
                        *old_table.column(axis).chunks,
                        pa.array(placed[:, i]).cast(old_table.column(axis).type),
                    ]
                )
                for i, axis in enumerate(AXES[:dims])
            }
        )
        run.params["placement"] = how
        run.report = {"n_old": n_old, "n_placed": n - n_old, "placement": how}
        kept = {k_: v for k_, v in entry.meta.items() if k_ not in ("inputs", "lineage")}
        update = {"n_placed": n - n_old, "placement": how, "k": k, "run": run.run_id}
        meta = {**kept, "n_items": n, "updates": [*entry.meta.get("updates", []), update]}
        workspace.save_result(
            "projection", name, key, table, run=run, inputs=[space_obj], meta=meta, grows=entry
        )
    coords = np.vstack([old_coords, placed])
    return MapUpdate(name, space_obj.name, method, dims, n_old, n - n_old, how, k, coords)


def _grown_space(workspace: Workspace, name: str, space: str) -> Space:
    """The current space, or an error saying to embed the new items first."""
    entry = workspace.catalog.get("space", name, space)
    if entry is not None and entry.status == "complete" and workspace.grown_rows(entry):
        raise InvalidInputError(
            f"Dataset '{name}' has items that space '{space}' has not embedded yet: run "
            f"`{embed_command(name, entry)}` first, then update the map."
        )
    return workspace.space(name, space)


def _check_grown(
    workspace: Workspace,
    entry: Entry,
    n_old: int,
    n: int,
    name: str,
    space: str,
    method: str,
    dims: int,
) -> None:
    """The map is behind its space only by rows appended after the ones it has."""
    again = f"`embedlab project {name} {space} --method {method} --dims {dims} --force`"
    if workspace.is_fresh(entry) or n_old == n:
        raise InvalidInputError(
            f"The {dims}-D {method} map of space '{space}' already has all {n:,} items: there "
            f"are no new items to place. Add rows with `embedlab ingest {name} MORE.csv "
            f"--append`, embed them with `embedlab embed`, then update the map."
        )
    if workspace.grown_rows(entry) != n_old or n_old > n:
        raise InvalidInputError(
            f"The {dims}-D {method} map of space '{space}' was made from a version of the space "
            "that was replaced, not grown (embedded again, or with other parameters): its "
            f"points cannot be kept. Make the map again with {again}."
        )


def _neighbours(entry: Entry, k: int | None, n_old: int) -> int:
    if k is None:  # UMAP's transform uses the map's n_neighbors; placement a few close ones
        umap_k = entry.meta.get("method") == "umap" and entry.meta.get("graph_k")
        k = int(umap_k or PLACEMENT_NEIGHBOURS)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInputError(f"The k parameter must be an int >= 1. Got {k!r} instead.")
    return min(k, n_old)


def _place(
    vectors: np.ndarray, old_coords: np.ndarray, n_old: int, entry: Entry, k: int, seed: int
) -> tuple[np.ndarray, Placement]:
    """Coordinates of rows n_old.. of `vectors`, and the way they were found."""
    old, new = vectors[:n_old], vectors[n_old:]
    method = entry.meta.get("method")
    if method == "pca":
        placed = pca_transform(old, old_coords, new, seed)
        if placed is not None:
            return placed, "pca-transform"
    indices, distances = nearest_old(old, new, k)
    if method == "umap" and k >= 2:
        min_dist = float(entry.meta.get("min_dist", UMAP_MIN_DIST))
        coords = umap_transform(old_coords, indices, distances, min_dist=min_dist, seed=seed)
        return coords, "umap-transform"
    return place_by_neighbours(old_coords, indices, distances), "neighbours"
