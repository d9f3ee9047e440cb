"""One 2-D map of a space as a view draws it: coordinates scaled into [-0.95, 0.95], the item
ids, and an optional colour field. The notebook widget shows it; any face can."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedlab.errors import NotFoundError
from embedlab.pipeline.fields import FieldValues, field_values
from embedlab.pipeline.project import stored_projection, to_unit_box
from embedlab.store.workspace import Workspace

METHODS = ("umap", "tsne", "pca")  # the order a map is chosen in when none is asked for


@dataclass
class MapView:
    dataset: str
    space: str
    method: str
    coords: np.ndarray  # (n, 2) float32, centred, aspect kept, in [-0.95, 0.95]
    ids: list[str]
    colour: FieldValues | None


def map_view(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    method: str | None = None,
    colour: str | None = None,
) -> MapView:
    """The stored 2-D map of `space` by `method` (the first of umap, tsne, pca that exists when
    None), coloured by field `colour` (the dataset's label when None and there is one; "" for
    none). Raises NotFoundError saying how to make a missing map."""
    dataset = workspace.dataset(name)
    handle = workspace.space(dataset, space)
    if method is not None and method not in METHODS:
        raise NotFoundError(f"No map method '{method}'; choose one of {', '.join(METHODS)}.")
    for candidate in [method] if method else METHODS:
        stored = stored_projection(workspace, name, handle, candidate, 2)
        if stored is not None:
            break
    else:
        wanted = method or "umap"
        which = f"{method} " if method else ""
        raise NotFoundError(
            f"Space '{handle.name}' of dataset '{name}' has no 2-D {which}map yet. "
            f"Make one with `embedlab project {name} {handle.name} --method {wanted} --dims 2`."
        )
    field_name = dataset.label_column if colour is None else colour
    values = field_values(workspace, name, field_name) if field_name else None
    return MapView(
        dataset=name,
        space=handle.name,
        method=stored.method,
        coords=np.ascontiguousarray(to_unit_box(stored.coords), dtype=np.float32),
        ids=list(dataset.ids()),
        colour=values,
    )
