"""The notebook widget: `embedlab.widget(workspace, NAME, SPACE)` in Python, then in a real
Jupyter kernel (ipykernel driven by nbclient, which records the widget state the kernel sends
over its comm, buffers included), then its ES module in a real browser (Debian's chromium).

In the last test the test itself plays JupyterLab's widget manager: it renders the module
the kernel sent with the state the kernel sent, relays a lasso drawn in chromium to the kernel
as a comm message, and relays the kernel's next update back to the page."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import embedlab
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.project import stored_projection, to_unit_box
from embedlab.store.workspace import Workspace
from tests.api.test_browser import browser, shot  # noqa: F401
from tests.pipeline.test_overlays import digits  # noqa: F401

pytestmark = pytest.mark.slow
WIDGET_ID = "embedlab.notebook.map_widget.MapWidget"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"  # what a notebook shows a widget by


@pytest.fixture(scope="module")
def workspace(digits: Workspace) -> Workspace:  # noqa: F811
    """digits (1,797 labelled 8x8 images), pixels-pca with a 2-D PCA map."""
    return digits


def unit_map(workspace: Workspace) -> np.ndarray:
    stored = stored_projection(workspace, "digits", "pixels-pca", "pca", 2)
    assert stored is not None
    return to_unit_box(stored.coords)


def test_widget_sends_the_map_and_keeps_the_selection_as_ids(workspace: Workspace) -> None:
    w = embedlab.widget(workspace, "digits", "pixels-pca")
    coords = np.frombuffer(w.coords, dtype="<f4").reshape(-1, 2)
    np.testing.assert_array_equal(coords, unit_map(workspace))
    assert len(w.ids) == 1797 and w.colour_kind == "category" and len(w.categories) == 10
    codes = np.frombuffer(w.colour_values, dtype="<f4")
    labels = workspace.dataset("digits").column("label")
    assert [w.categories[int(c)] for c in codes[:50]] == [str(v) for v in labels[:50]]
    w.selected = ["7", "3", "7"]
    assert w.selected == ["3", "7"] and w.selected_rows == [3, 7]
    w.selected = []
    assert w.selected == []
    plain = embedlab.widget(str(workspace.path), "digits", "pixels-pca", colour="")
    assert plain.colour_kind == "" and plain.colour_values == b""


def test_widget_refuses_bad_input_naming_it(workspace: Workspace) -> None:
    w = embedlab.widget(workspace, "digits", "pixels-pca")
    with pytest.raises(
        NotFoundError, match="No item with id 'nope' on the map of dataset 'digits'"
    ):
        w.selected = ["3", "nope"]
    assert w.selected == []  # nothing half-set
    with pytest.raises(InvalidInputError, match="list of item ids, not a string"):
        w.selected = "3"
    with pytest.raises(Exception, match=r"Row 1797 is not an item of the map \(rows 0 to 1796\)"):
        w.selected_rows = [1797]
    with pytest.raises(NotFoundError, match="no 2-D umap map yet.*embedlab project digits"):
        embedlab.widget(workspace, "digits", "pixels-pca", method="umap")
    with pytest.raises(NotFoundError, match="No map method 'mds'"):
        embedlab.widget(workspace, "digits", "pixels-pca", method="mds")
    with pytest.raises(NotFoundError, match="no field 'nope'"):
        embedlab.widget(workspace, "digits", "pixels-pca", colour="nope")
    with pytest.raises(InvalidInputError, match="height must be an int >= 100; got 10"):
        embedlab.widget(workspace, "digits", "pixels-pca", height=10)


class Kernel:
    """A real ipykernel running cells one at a time (nbclient), recording widget state."""

    def __init__(self, client: NotebookClient) -> None:
        self.client = client
        self.cells: list[Any] = []

    def run(self, source: str) -> Any:
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.client.nb.cells) - 1)
        return cell

    def stdout(self, source: str) -> str:
        outputs = self.run(source).outputs
        return "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")

    def send_update(self, model_id: str, state: dict[str, Any]) -> None:
        """What a frontend's `model.save_changes()` sends: a comm_msg with an update."""
        kc = self.client.kc
        content = {"comm_id": model_id, "data": {"method": "update", "state": state}}
        kc.shell_channel.send(kc.session.msg("comm_msg", content))

    def state(self, model_id: str) -> dict[str, Any]:
        """The widget's state as the kernel sent it, binary buffers as bytes."""
        state = dict(self.client.widget_state[model_id])
        for path, buffer in self.client.widget_buffers.get(model_id, {}).items():
            state[path[0]] = base64.b64decode(buffer["data"])
        return state


@pytest.fixture
def kernel(workspace: Workspace, tmp_path: Path) -> Iterator[Kernel]:
    notebook = nbformat.v4.new_notebook()
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )  # fmt: skip
    with client.setup_kernel():
        yield Kernel(client)


def open_widget(kernel: Kernel, workspace: Workspace) -> str:
    """Make the widget in the kernel and show it; its model id."""
    cell = kernel.run(
        "import json, embedlab\n"
        f"w = embedlab.widget({str(workspace.path)!r}, 'digits', 'pixels-pca')\n"
        "w"
    )
    views = [o for o in cell.outputs if VIEW_MIME in o.get("data", {})]
    assert views, cell.outputs
    return views[0]["data"][VIEW_MIME]["model_id"]


def test_widget_in_a_real_kernel(kernel: Kernel, workspace: Workspace) -> None:
    model_id = open_widget(kernel, workspace)
    sent = kernel.state(model_id)
    assert sent["_anywidget_id"] == WIDGET_ID and "export default" in sent["_esm"]
    coords = np.frombuffer(sent["coords"], dtype="<f4").reshape(-1, 2)
    np.testing.assert_array_equal(coords, unit_map(workspace))
    assert sent["ids"] == workspace.dataset("digits").ids() and len(sent["categories"]) == 10

    kernel.run("w.selected = ['12', '5']")  # Python to the page
    assert kernel.state(model_id)["selected_rows"] == [5, 12]
    kernel.send_update(model_id, {"selected_rows": [40, 2, 40]})  # the page to Python
    assert json.loads(kernel.stdout("print(json.dumps(w.selected))")) == ["2", "40"]
    error = kernel.stdout(
        "try:\n    w.selected = ['2', 'missing']\nexcept Exception as e:\n    print(e)"
    )
    assert "No item with id 'missing'" in error


PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>%s</style></head>
<body style="margin:0;background:#fff"><div id="out" style="width:720px"></div>
<script type="module">
import widget from '/map_widget.js';
window.__mount = (state, buffers) => {
  for (const [key, b64] of Object.entries(buffers)) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    state[key] = new DataView(bytes.buffer);
  }
  const listeners = new Map();
  window.__sent = [];
  window.__model = {
    get: (key) => state[key],
    set: (key, value) => {
      state[key] = value;
      (listeners.get(`change:${key}`) || []).forEach((f) => f());
    },
    save_changes: () => window.__sent.push({ selected_rows: state.selected_rows }),
    on: (name, f) => listeners.set(name, [...(listeners.get(name) || []), f]),
    off: (name, f) => listeners.set(name, (listeners.get(name) || []).filter((g) => g !== f)),
  };
  widget.render({ model: window.__model, el: document.querySelector('#out') });
};
window.__ready = true;
</script></body></html>"""

INFO_JS = "(text) => document.querySelector('.embedlab-map-info').textContent.includes(text)"
SCREEN_JS = """() => { const map = document.querySelector('#out').embedlabMap;
  return Array.from({ length: map.count }, (_, row) => map.toScreen(row)); }"""


def test_widget_in_a_real_kernel_and_browser(kernel: Kernel, workspace: Workspace, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    model_id = open_widget(kernel, workspace)
    sent = kernel.state(model_id)
    binary = {key: base64.b64encode(sent[key]).decode() for key in ("coords", "colour_values")}
    plain = {k: v for k, v in sent.items() if k not in binary}
    context = browser.new_context(viewport={"width": 800, "height": 700})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    files = {
        "/": ("text/html", PAGE % sent["_css"]),
        "/map_widget.js": ("text/javascript", sent["_esm"]),
    }

    def serve(route) -> None:  # type: ignore[no-untyped-def]
        kind, body = files[route.request.url.removeprefix("http://widget.test")]
        route.fulfill(status=200, content_type=kind, body=body)

    page.route("http://widget.test/**", serve)
    page.goto("http://widget.test/")
    page.wait_for_function("window.__ready === true")
    page.evaluate("([state, buffers]) => window.__mount(state, buffers)", [plain, binary])
    box = page.locator("#out canvas").last.bounding_box()  # the top one, under the pointer
    x0, y0 = int(box["x"] + 0.35 * box["width"]), int(box["y"] + 0.35 * box["height"])
    x1, y1 = int(box["x"] + 0.65 * box["width"]), int(box["y"] + 0.65 * box["height"])
    page.mouse.move(x0, y0)
    page.mouse.down()
    for x, y in [(x1, y0), (x1, y1), (x0, y1), (x0, y0)]:
        page.mouse.move(x, y, steps=10)
    page.mouse.up()
    page.wait_for_function("window.__sent.length === 1")
    rows = page.evaluate("window.__sent[0].selected_rows")
    screen = np.asarray(page.evaluate(SCREEN_JS)) + [box["x"], box["y"]]
    margin = 1.0  # points within a pixel of the drawn line may fall either way

    def within(pad: float) -> set[int]:
        x, y = screen[:, 0], screen[:, 1]
        hit = (x > x0 - pad) & (x < x1 + pad) & (y > y0 - pad) & (y < y1 + pad)
        return set(np.flatnonzero(hit).tolist())

    assert len(within(-margin)) > 20
    assert within(-margin) <= set(rows) <= within(margin)
    page.wait_for_function(INFO_JS, arg=f" {len(rows)} selected")
    shot(page, "notebook-widget-lasso")

    kernel.send_update(model_id, {"selected_rows": rows})  # the page's lasso reaches Python
    ids = sent["ids"]
    assert json.loads(kernel.stdout("print(json.dumps(w.selected))")) == [ids[r] for r in rows]
    kernel.run("w.selected = ['0', '1', '2']")  # and Python's selection reaches the page
    page.evaluate(
        "(rows) => window.__model.set('selected_rows', rows)",
        kernel.state(model_id)["selected_rows"],
    )
    page.wait_for_function(INFO_JS, arg=" 3 selected")
    context.close()
    assert not errors, errors
