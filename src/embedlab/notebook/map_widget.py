"""`MapWidget`: one 2-D map of a space inline in Jupyter (anywidget). The points, their ids
and colours go to the page once as binary buffers; the selection is synced both ways as
rows and read or set from Python as ids (`widget.selected`)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files

import anywidget
import numpy as np
import traitlets

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.map_view import MapView

ESM = files("embedlab.notebook").joinpath("map_widget.js").read_text(encoding="utf-8")
# JupyterLab's theme variables where the page has them (its dark theme too), plain colours elsewhere
CSS = """
.embedlab-map { width: 100%; font: 12px var(--jp-ui-font-family, system-ui, sans-serif); }
.embedlab-map-stage { position: relative; border-radius: 4px; overflow: hidden; }
.embedlab-map-stage canvas { position: absolute; left: 0; top: 0; touch-action: none; }
.embedlab-map-stage canvas + canvas { cursor: crosshair; }
.embedlab-map-info { padding: 2px 4px; color: var(--jp-ui-font-color2, #555); }
"""


class MapWidget(anywidget.AnyWidget):
    """The map of one space of a dataset; `selected` is the list of selected item ids."""

    _esm = ESM
    _css = CSS
    coords = traitlets.Bytes(b"").tag(sync=True)  # float32 (x, y) per item, in [-0.95, 0.95]
    ids = traitlets.List(traitlets.Unicode()).tag(sync=True)
    colour_values = traitlets.Bytes(b"").tag(sync=True)  # float32: category codes or [0, 1]
    colour_kind = traitlets.Unicode("").tag(sync=True)  # "category", "number" or ""
    categories = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected_rows = traitlets.List(traitlets.Int()).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)

    def __init__(self, view: MapView, *, height: int = 480) -> None:
        if not isinstance(height, int) or isinstance(height, bool) or height < 100:
            raise InvalidInputError(f"The widget's height must be an int >= 100; got {height!r}.")
        colour = view.colour
        super().__init__(
            coords=np.ascontiguousarray(view.coords, dtype="<f4").tobytes(),
            ids=view.ids,
            colour_values=b"" if colour is None else colour.values.astype("<f4").tobytes(),
            colour_kind="" if colour is None else colour.info.kind,
            categories=[] if colour is None else colour.categories,
            title=f"{view.dataset} · {view.space} · {view.method}"
            + (f" · {colour.info.name}" if colour else ""),
            height=height,
        )
        self.view = view
        self._row_of = {item: row for row, item in enumerate(view.ids)}

    @traitlets.validate("selected_rows")
    def _check_rows(self, proposal: traitlets.Bunch) -> list[int]:
        """Rows from the page or Python: unique, sorted, each an item of the map."""
        rows = sorted(set(proposal["value"]))
        if rows and (rows[0] < 0 or rows[-1] >= len(self.ids)):
            bad = rows[0] if rows[0] < 0 else rows[-1]
            raise traitlets.TraitError(
                f"Row {bad} is not an item of the map (rows 0 to {len(self.ids) - 1})."
            )
        return rows

    @property
    def selected(self) -> list[str]:
        """The ids of the selected items, in dataset order."""
        return [self.ids[row] for row in self.selected_rows]

    @selected.setter
    def selected(self, ids: Iterable[str]) -> None:
        if isinstance(ids, str):
            raise InvalidInputError(f"Set `selected` to a list of item ids, not a string: {ids!r}.")
        rows = []
        for item in ids:
            row = self._row_of.get(str(item))
            if row is None:
                raise NotFoundError(
                    f"No item with id '{item}' on the map of dataset '{self.view.dataset}'."
                )
            rows.append(row)
        self.selected_rows = rows

    def __repr__(self) -> str:
        return (
            f"MapWidget({self.view.dataset!r}, {self.view.space!r}, {self.view.method!r}, "
            f"{len(self.ids)} items, {len(self.selected_rows)} selected)"
        )
