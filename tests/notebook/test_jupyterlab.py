"""The notebook widget in the real thing: a `jupyter lab` server (a subprocess, its config,
data, runtime, settings and workspaces all under the test's temp dir, nothing fetched from the
network) opened in Debian's chromium. The test runs the notebook's cells with Shift+Enter,
waits for the map's pixels, drags a lasso on it, reads the selection back in a cell, sets one
from a cell and checks the page shows it. A screenshot goes to test-output/screenshots/."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest

from embedlab.store.workspace import Workspace
from tests.api.test_browser import browser, shot  # noqa: F401
from tests.notebook.test_widget import INFO_JS, unit_map
from tests.notebook.test_widget import workspace as workspace  # noqa: F401  # a fixture
from tests.pipeline.test_overlays import digits  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.browser]
TIMEOUT_MS = 180_000  # a cold JupyterLab on a loaded 2-core machine takes tens of seconds
TOKEN = "embedlab-test-token"
# JupyterLab's front-end plugins that would ask the network or the user about news or updates
OFF_PLUGINS = {
    "@jupyterlab/apputils-extension:announcements": True,
    "@jupyterlab/extensionmanager-extension": True,
}
BACKGROUND = (0x11, 0x14, 0x18)  # map_widget.js: BACKGROUND
GREY = (40, 44, 50)  # map_widget.js: '#6b7280' at 0.25 over the background, an unselected point


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT
    root: Path  # the server's root_dir, where the notebook goes
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def lab_env(home: Path) -> dict[str, str]:
    """The server's environment: Jupyter's user dirs in `home`, this tree's embedlab first."""
    env = dict(os.environ)
    for name in ("CONFIG", "DATA", "RUNTIME"):
        env[f"JUPYTER_{name}_DIR"] = str(home / name.lower())
    env["IPYTHONDIR"] = str(home / "ipython")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2] / "src"), *sys.path])
    themes = home / "settings" / "@jupyterlab" / "apputils-extension"
    themes.mkdir(parents=True)  # dark, where a widget that ignores the theme shows it
    (themes / "themes.jupyterlab-settings").write_text(json.dumps({"theme": "JupyterLab Dark"}))
    labconfig = home / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": OFF_PLUGINS}))
    return env


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Polls the server's status API until it answers (or the process dies, or 3 minutes)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"jupyter lab did not answer in time:\n{log.read_text()}")


def stop(lab: Lab) -> None:
    """Shuts the kernels down through the API (they run in their own process groups), then
    ends the server's process group: SIGTERM, then SIGKILL if it lingers."""
    try:
        with urllib.request.urlopen(f"{lab.url}/api/kernels?token={TOKEN}", timeout=10) as got:
            kernels = json.load(got)
        for kernel in kernels:
            request = urllib.request.Request(
                f"{lab.url}/api/kernels/{kernel['id']}?token={TOKEN}", method="DELETE"
            )
            urllib.request.urlopen(request, timeout=30).close()
    except OSError:
        pass
    group = lab.process.pid  # its own session and group (start_new_session)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break  # nothing of the group is left
        try:
            lab.process.wait(timeout=30)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """`jupyter lab` serving `tmp_path/notebooks`, on a free port, with a fixed token."""
    root = tmp_path / "notebooks"
    root.mkdir()
    home = tmp_path / "jupyter"
    port = free_port()
    log = tmp_path / "jupyter-lab.log"
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", "--ServerApp.port_retries=0", "--allow-root",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=lab_env(home), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    lab = Lab(url=f"http://127.0.0.1:{port}", root=root, process=process, log=log)
    try:
        wait_until_up(lab.url, process, log)
        yield lab
    finally:
        stop(lab)


CELLS = [  # show the widget, print its selection, set one from Python
    "import json, embedlab\nw = embedlab.widget({path!r}, 'digits', 'pixels-pca')\nw",
    "print('selected:', json.dumps(w.selected))",
    "w.selected = ['0', '1', '2']\nprint('set:', len(w.selected))",
]
# JupyterLab first shows an empty placeholder cell and an idle indicator with no kernel yet:
# ready is the notebook's own cells on the page and its kernel named and idle in the status bar
NOTEBOOK_READY_JS = """(cells) =>
  document.querySelectorAll('.jp-Notebook .jp-CodeCell').length === cells
  && document.querySelector('.jp-Notebook .jp-CodeCell').textContent.includes('embedlab.widget')
  && Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
    .some((item) => item.textContent.trim() === 'Python 3 (ipykernel) | Idle')"""


def write_notebook(root: Path, workspace: Workspace) -> str:
    cells = [source.format(path=str(workspace.path)) for source in CELLS]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, root / "widget.ipynb")
    return "widget.ipynb"


def run_cell(page, index: int) -> None:  # type: ignore[no-untyped-def]
    """Selects cell `index` by its prompt, presses Shift+Enter, waits for its `[n]:`."""
    from playwright.sync_api import expect

    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(
        re.compile(r"\[\d+\]:"), timeout=TIMEOUT_MS
    )


def cell_stdout(page, index: int) -> str:  # type: ignore[no-untyped-def]
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    return cell.locator(".jp-OutputArea-output").inner_text()


PIXELS_JS = """([bg, grey]) => {  // pixels of the points' canvas: not background; not grey either
  const canvas = document.querySelector('.embedlab-map canvas');
  if (!canvas || !canvas.width) return null;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let points = 0, lit = 0;
  for (let i = 0; i < data.length; i += 4) {
    const px = [data[i], data[i + 1], data[i + 2]];
    if (px.some((v, c) => v !== bg[c])) points++;
    if (px.some((v, c) => v !== bg[c]) && px.some((v, c) => v !== grey[c])) lit++;
  }
  return { points, lit, width: canvas.width, height: canvas.height };
}"""
CONTRAST_JS = """(element) => {  // WCAG contrast of a text on the first background under it
  const rgba = (css) => {
    const [r, g, b, a = 1] = css.match(/[\\d.]+/g).map(Number);
    return [r, g, b, a];
  };
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((v) => v / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  let under = element;
  while (rgba(getComputedStyle(under).backgroundColor)[3] === 0) under = under.parentElement;
  const back = rgba(getComputedStyle(under).backgroundColor);
  const [r, g, b, a] = rgba(getComputedStyle(element).color);
  const text = [r, g, b].map((v, i) => a * v + (1 - a) * back[i]);  // a translucent colour, blended
  const [hi, lo] = [luminance(text), luminance(back)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""
PIXEL_AT_JS = """([x, y]) => {
  const canvas = document.querySelector('.embedlab-map canvas');
  return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
}"""


def on_screen(coords: np.ndarray, box: dict[str, float]) -> np.ndarray:
    """Where map_widget.js draws each point, in page pixels (its `toScreen` at the start camera)."""
    half = min(box["width"], box["height"]) / 2
    x = box["x"] + box["width"] / 2 + coords[:, 0] * half
    y = box["y"] + box["height"] / 2 - coords[:, 1] * half
    return np.stack([x, y], axis=1)


def clear_rectangle(
    screen: np.ndarray, box: dict[str, float], right: float = 0.0
) -> tuple[int, int, int, int]:
    """An 80 px square near the middle of the map (`right` px to the right of it) whose edges
    pass no point closer than 1 px, so which points fall inside is not a matter of rounding."""
    x, y = screen[:, 0], screen[:, 1]
    cx, cy = box["x"] + box["width"] / 2 + right, box["y"] + box["height"] / 2
    for dx in range(-100, 100, 3):
        for dy in range(-100, 100, 3):
            x0, y0 = int(cx + dx - 40), int(cy + dy - 40)
            x1, y1 = x0 + 80, y0 + 80
            on_x = (np.abs(x - x0) < 1) | (np.abs(x - x1) < 1)
            on_y = (np.abs(y - y0) < 1) | (np.abs(y - y1) < 1)
            along_y = (y > y0 - 1) & (y < y1 + 1)
            along_x = (x > x0 - 1) & (x < x1 + 1)
            if not (on_x & along_y).any() and not (on_y & along_x).any():
                return x0, y0, x1, y1
    raise AssertionError("no square with clear edges near the middle of the map")


def open_notebook(page, url: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/lab/tree/{name}?token={TOKEN}&reset")
    page.wait_for_function(NOTEBOOK_READY_JS, arg=len(CELLS))


def pixels(page) -> dict[str, int] | None:  # type: ignore[no-untyped-def]
    return page.evaluate(PIXELS_JS, [list(BACKGROUND), list(GREY)])  # type: ignore[no-any-return]


def check_map_drawn(page) -> None:  # type: ignore[no-untyped-def]
    """Waits for the map's first points on its canvas, then checks them and the info line."""
    some = f"(colours) => {{ const drawn = ({PIXELS_JS})(colours); return drawn?.points > 0; }}"
    page.wait_for_function(some, arg=[list(BACKGROUND), list(GREY)])
    drawn = pixels(page)
    assert drawn["width"] > 400 and drawn["height"] == 480, drawn
    assert drawn["points"] > 3000, drawn  # 1,797 points of 3x3 px, some overlapping
    assert drawn["lit"] == drawn["points"], drawn  # nothing selected: no point is grey
    info = page.locator(".embedlab-map-info")
    assert "digits · pixels-pca · pca · label · 1,797 items · 0 selected" in info.inner_text()
    assert info.evaluate(CONTRAST_JS) >= 4.5  # readable in JupyterLab's dark theme


def map_on_screen(page, workspace: Workspace) -> tuple[np.ndarray, dict[str, float]]:  # type: ignore[no-untyped-def]
    """The stored map's points in page pixels, and the overlay canvas's box, scrolled to."""
    canvas = page.locator(".embedlab-map canvas").last  # the overlay, on top of the points
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    return on_screen(unit_map(workspace), box), box


def lasso_square(page, workspace: Workspace, right: float = 0.0, add: bool = False) -> set[int]:  # type: ignore[no-untyped-def]
    """Drags a square lasso on the map (holding shift to add when `add`); the rows of the
    stored map's points inside the square."""
    screen, box = map_on_screen(page, workspace)
    x0, y0, x1, y1 = clear_rectangle(screen, box, right)
    x, y = screen[:, 0], screen[:, 1]
    inside = np.flatnonzero((x > x0) & (x < x1) & (y > y0) & (y < y1))
    assert len(inside) > 20
    if add:
        page.keyboard.down("Shift")
    page.mouse.move(x0, y0)
    page.mouse.down()
    for corner in [(x1, y0), (x1, y1), (x0, y1), (x0, y0)]:
        page.mouse.move(*corner, steps=10)
    page.mouse.up()
    if add:
        page.keyboard.up("Shift")
    return set(inside.tolist())


def check_shown_selected(page, workspace: Workspace, rows: list[int]) -> None:  # type: ignore[no-untyped-def]
    """The page says `rows` are selected and draws just them in colour, over grey points."""
    page.wait_for_function(INFO_JS, arg=f" {len(rows)} selected")
    screen, box = map_on_screen(page, workspace)
    ratio = page.evaluate("devicePixelRatio")
    lit = pixels(page)["lit"]
    assert 0 < lit <= len(rows) * (2 * round(3 * ratio)) ** 2, lit  # the selected squares only
    for row in rows:  # each in its full colour at its place, drawn over the grey ones
        x, y = (screen[row] - [box["x"], box["y"]]) * ratio
        pixel = tuple(page.evaluate(PIXEL_AT_JS, [int(x), int(y)]))
        assert pixel not in (BACKGROUND, GREY), (row, pixel)


def test_widget_in_jupyterlab(lab: Lab, workspace: Workspace, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    name = write_notebook(lab.root, workspace)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []  # the widget's and JupyterLab's: none is expected
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else 0)
    outside: list[str] = []  # JupyterLab must need nothing beyond its own server
    local = (lab.url, "data:", "blob:")
    page.on("request", lambda r: 0 if r.url.startswith(local) else outside.append(r.url))
    open_notebook(page, lab.url, name)

    run_cell(page, 0)  # the widget
    check_map_drawn(page)
    shot(page, "jupyterlab-widget-map")
    rows = lasso_square(page, workspace)
    page.wait_for_function(INFO_JS, arg=f" {len(rows):,} selected")
    page.locator(".jp-Notebook .jp-CodeCell").nth(2).locator(".jp-InputPrompt").click()
    rows |= lasso_square(page, workspace, right=120, add=True)  # shift adds a second square
    page.wait_for_function(INFO_JS, arg=f" {len(rows):,} selected")
    # the shift was the map's: the notebook did not select the cells from the third to the map's
    assert page.locator(".jp-Notebook .jp-Cell.jp-mod-selected").count() == 1
    shot(page, "jupyterlab-widget-lasso")
    ids = workspace.dataset("digits").ids()
    expected = [ids[row] for row in sorted(rows)]

    run_cell(page, 1)  # the page's lasso, read in Python
    printed = cell_stdout(page, 1)
    assert printed.startswith("selected: "), printed
    assert json.loads(printed.removeprefix("selected: ")) == expected

    run_cell(page, 2)  # Python's selection, shown in the page
    assert cell_stdout(page, 2).strip() == "set: 3"
    check_shown_selected(page, workspace, [0, 1, 2])
    shot(page, "jupyterlab-widget-from-python")
    context.close()
    assert not errors, errors
    assert not outside, outside
