"""embedlab in Jupyter: `widget(workspace, NAME, SPACE)` shows a space's map inline, with the
selection readable and settable from Python as item ids. Needs the `notebook` extra."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from embedlab.errors import MissingDependencyError
from embedlab.pipeline.map_view import map_view
from embedlab.store.workspace import Workspace

if TYPE_CHECKING:
    from embedlab.notebook.map_widget import MapWidget

NOTEBOOK_INSTALL = "pip install 'embedlab[notebook]'"

__all__ = ["widget"]


def widget(
    workspace: Workspace | str | os.PathLike[str],
    name: str,
    space: str,
    *,
    method: str | None = None,
    colour: str | None = None,
    height: int = 480,
) -> MapWidget:
    """The 2-D map of space `space` of dataset `name` as a notebook widget: lasso or click to
    select, then read `w.selected` (ids); set `w.selected = [...]` to show items. `method`
    picks the map (umap, tsne, pca; the first stored when None), `colour` a field (the label
    when None, "" for none)."""
    try:
        from embedlab.notebook.map_widget import MapWidget
    except ImportError as error:
        raise MissingDependencyError(
            f"The notebook widget needs anywidget, which is not installed ({error.name}): "
            f"{NOTEBOOK_INSTALL}"
        ) from None
    if not isinstance(workspace, Workspace):
        workspace = Workspace(workspace)
    view = map_view(workspace, name, space, method=method, colour=colour)
    return MapWidget(view, height=height)
