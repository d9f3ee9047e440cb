"""The web app in a real browser: Debian's chromium (software WebGL) driven by Playwright.

Each test saves a screenshot under test-output/screenshots/ (look at them). `make test`
installs chromium when it is missing; without it these tests fail rather than skip, so a CI run
cannot pass with the browser tests silently off.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from embedlab.api import create_app
from embedlab.store.workspace import Workspace
from tests.api.conftest import XSS_TEXT

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = Path(os.environ.get("EMBEDLAB_TEST_OUTPUT", "test-output")) / "screenshots"
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]


def chromium_path() -> str:
    path = os.environ.get("EMBEDLAB_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it).")
    return path


@pytest.fixture(scope="module")
def server(explorer_workspace: Workspace) -> Iterator[str]:
    with serve(explorer_workspace) as base:
        yield base


@contextmanager
def serve(workspace: Workspace) -> Iterator[str]:
    """The app over `workspace` in uvicorn on a free port (a thread); yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not instance.started and time.time() < deadline:
        time.sleep(0.05)
    assert instance.started, "the app server did not start"
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.extend(csp_violations(message)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def csp_violations(message) -> list[str]:  # type: ignore[no-untyped-def]
    """A console message that says the page's Content-Security-Policy blocked something."""
    text = message.text
    return [text] if message.type == "error" and "Content Security Policy" in text else []


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    # the screenshot is of the viewport; lazy images further down load only when scrolled to
    page.wait_for_function(
        "Array.from(document.images).filter((image) => image.getBoundingClientRect().top"
        " < window.innerHeight).every((image) => image.complete)"
    )
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_map(page, dataset: str, space: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/?dataset={dataset}&space={space}#/map")
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")


def canvas_box(page) -> dict:  # type: ignore[no-untyped-def]
    return page.locator("#map canvas.scatter").bounding_box()


INSIDE_JS = """(polygon) => {
  const view = window.__embedlab.scatter;
  const inside = (x, y) => {
    let hit = false;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      const [xi, yi] = polygon[i], [xj, yj] = polygon[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  };
  const edgeDistance = (x, y) => {
    let best = Infinity;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      const [ax, ay] = polygon[j], [bx, by] = polygon[i];
      const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) /
        ((bx - ax) ** 2 + (by - ay) ** 2)));
      best = Math.min(best, Math.hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay)));
    }
    return best;
  };
  const rows = [], edge = [];
  for (let row = 0; row < view.count; row++) {
    const [x, y] = view.screenPosition(row);
    if (inside(x, y)) rows.push(row);
    if (edgeDistance(x, y) < 1.5) edge.push(row);
  }
  return [rows, edge];
}"""


def drag_box(page, start: float, end: float) -> None:  # type: ignore[no-untyped-def]
    """Box-select from (start, start) to (end, end), as fractions of the map, and wait for the
    grid of the selection."""
    page.click("button[data-mode=box]")
    box = canvas_box(page)
    page.mouse.move(box["x"] + start * box["width"], box["y"] + start * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + end * box["width"], box["y"] + end * box["height"], steps=15)
    page.mouse.up()
    page.wait_for_selector("#selection-count")


def draw_lasso(page, polygon: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    box = canvas_box(page)
    page.mouse.move(box["x"] + polygon[0][0], box["y"] + polygon[0][1])
    page.mouse.down()
    for x, y in [*polygon[1:], polygon[0]]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=12)
    page.mouse.up()


def lasso_the_middle(page) -> tuple[list[int], list[int]]:  # type: ignore[no-untyped-def]
    """Lasso a quadrilateral in the middle of the map; (rows inside it by screen position,
    rows within 1.5 px of its line)."""
    box = canvas_box(page)
    w, h = box["width"], box["height"]
    polygon = [(0.3 * w, 0.25 * h), (0.7 * w, 0.3 * h), (0.65 * w, 0.75 * h), (0.35 * w, 0.7 * h)]
    draw_lasso(page, polygon)
    page.wait_for_selector("#selection-count")
    inside, on_the_line = page.evaluate(INSIDE_JS, [list(p) for p in polygon])
    return inside, on_the_line


def test_map_loads_coloured_by_label(page) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "digits", "pixels-pca")
    assert page.locator("#legend .key").count() == 10
    assert page.evaluate("window.__embedlab.scatter.count") == 1797
    shot(page, "map-digits")


# Counts the WebGL draws of every point (a million points cost ~1 s a draw in software WebGL).
COUNT_FULL_DRAWS_JS = """(() => {
  window.__fullDraws = 0;
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    const real = proto.drawArrays;
    proto.drawArrays = function (mode, first, count) {
      if (count === 1797) window.__fullDraws += 1;
      return real.call(this, mode, first, count);
    };
  }
})();"""


def test_no_setting_or_camera_change_after_the_points_redraws_the_map(page) -> None:  # type: ignore[no-untyped-def]
    """Each camera change or setting after the points are drawn redraws all of them: the
    first frame used to draw them three times."""
    page.context.add_init_script(COUNT_FULL_DRAWS_JS)
    open_map(page, "digits", "pixels-pca")
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.wait_for_timeout(500)  # frames a stray redraw would come in; none is awaited
    # regl-scatterplot itself draws a small map twice as its points arrive; never more
    assert page.evaluate("window.__fullDraws") <= 2


def test_lasso_grid_shows_exactly_the_items_inside(page) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "digits", "pixels-pca")
    inside, on_the_line = lasso_the_middle(page)
    expected = set(inside)
    selected = set(page.evaluate("Array.from(window.__embedlab.selection)"))
    assert len(expected) > 20
    # exact, except points within 1.5 px of the drawn line (GL vs screen rounding)
    assert selected ^ expected <= set(on_the_line), sorted(selected ^ expected)
    expected = selected
    total = int(page.locator("#selection-count").get_attribute("data-total"))
    assert total == len(expected)
    rows = [
        int(r)
        for r in page.locator("#grid .card").evaluate_all("cards => cards.map(c => c.dataset.row)")
    ]
    assert rows and set(rows) <= expected and len(rows) == min(60, len(expected))
    counted = sum(int(n.replace(",", "")) for n in page.locator(".counts b").all_inner_texts())
    assert counted == len(expected)
    shot(page, "lasso-digits")
    page.locator("#grid .card").first.click()
    page.wait_for_selector("#item-title")
    assert page.locator(".neighbours .card").count() == 12
    shot(page, "item-details-digits")


def test_a_lasso_after_a_colour_change_selects_the_same_items(page) -> None:  # type: ignore[no-untyped-def]
    """A colour change keeps the points' k-d tree (same positions): it must still find them."""
    open_map(page, "digits", "pixels-pca")
    index = "window.__embedlab.scatter.plot.get('spatialIndex')"
    page.evaluate(f"window.__tree = {index}")
    page.select_option("#colour", "")
    page.wait_for_function("!document.querySelector('#legend .key')")
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert page.evaluate(f"window.__tree === {index}")
    inside, on_the_line = lasso_the_middle(page)
    selected = set(page.evaluate("Array.from(window.__embedlab.selection)"))
    assert len(inside) > 20 and selected ^ set(inside) <= set(on_the_line)


def test_box_selection_and_export(page) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "digits", "pixels-pca")
    drag_box(page, 0.2, 0.6)
    total = int(page.locator("#selection-count").get_attribute("data-total"))
    with page.expect_download() as download:
        page.click("#export-selection")
    lines = Path(download.value.path()).read_text().split()
    assert lines[0] == "id" and len(lines) == total + 1


def test_cluster_button_colours_the_map_by_cluster(page) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "digits", "pixels-pca")
    page.click("#cluster")
    page.wait_for_function(
        "document.querySelector('#colour').value === 'clusters-pixels-pca:cluster'"
    )
    page.wait_for_function(
        "document.querySelector('#legend strong').textContent.includes('cluster')"
    )
    assert page.locator("#legend .key").count() >= 2
    shot(page, "clusters-digits")


def test_search_highlights_and_lists_results(page) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "topics", "minilm")
    page.fill("#search", "rocket launch into orbit")
    page.click("#search-form button")
    page.wait_for_selector("#search-results .card")
    first = page.locator("#search-results .card").first.get_attribute("data-id")
    assert first.startswith("space-")
    assert (
        len(page.evaluate("window.__embedlab.searchRows"))
        == page.locator("#search-results .card").count()
    )
    shot(page, "search-topics")


def test_user_text_renders_as_text(page) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "topics", "minilm")
    page.fill("#search", "id:xss-2")
    page.click("#search-form button")
    page.wait_for_selector("#search-results .card")
    page.locator("#search-results .card[data-id='xss-1']").click()
    page.wait_for_selector("#item-title")
    assert XSS_TEXT in page.locator(".details").inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.locator("#legend").inner_text().count("<b>food</b>") == 1
    assert page.locator("#side script, #side b, #legend b").count() == 0
    shot(page, "xss-topics")


def test_data_quality_page(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/?dataset=digits&space=pixels-pca#/quality")
    page.wait_for_selector("section[data-check=outlier] svg.histogram rect")
    assert page.locator("section.check h2").count() >= 3
    assert page.locator("section[data-check=outlier] .card img").count() == 12
    shot(page, "data-quality-digits")
    page.locator("section[data-check=outlier] .card").first.click()
    page.wait_for_selector("#item-title")  # jumped to the map, item shown


def test_accepted_label_suggestion_survives_a_reload(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/?dataset=digits&space=pixels-pca#/labels")
    page.wait_for_selector("#label-issues tbody tr")
    row = page.locator("#label-issues tbody tr").nth(1)
    item = row.get_attribute("data-id")
    suggested = row.locator(".suggested").inner_text()
    row.locator("button.accept").click()
    page.wait_for_function(
        f"document.querySelector(\"tr[data-id='{item}'] .corrected\").textContent !== ''"
    )
    assert page.locator("#confusion td").count() > 0
    shot(page, "label-quality-digits")
    page.reload()
    page.wait_for_selector(f"tr[data-id='{item}'] .corrected")
    assert page.locator(f"tr[data-id='{item}'] .corrected").inner_text() == suggested
    other = page.locator("#label-issues tbody tr").nth(2)
    other.locator("input.custom-label").fill("typed <label>")
    other.locator("button.save-label").click()
    page.wait_for_function(
        "document.querySelectorAll('#label-issues tbody tr')[2]"
        ".querySelector('.corrected').textContent === 'typed <label>'"
    )


def test_compare_links_selection_across_spaces(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/?dataset=digits&space=pixels-pca#/compare")
    page.wait_for_function("(window.__embedlab.compareViews || []).length === 2")
    box = page.locator(".map.half canvas.scatter").first.bounding_box()
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
    page.mouse.down()
    for fx, fy in [(0.7, 0.3), (0.7, 0.7), (0.3, 0.7), (0.3, 0.3)]:
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=10)
    page.mouse.up()
    page.wait_for_function("document.querySelector('#compare-info').textContent !== ''")
    counts = page.evaluate(
        "window.__embedlab.compareViews.map(v => v.plot.get('selectedPoints').length)"
    )
    assert counts[0] > 0 and counts[0] == counts[1]
    page.click("#agreement")
    page.wait_for_function("document.querySelector('#status').textContent.includes('Jaccard')")
    shot(page, "compare-digits")


def test_three_d_view(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/?dataset=digits&space=pixels-pca#/3d")
    page.wait_for_function("window.__embedlab.view3dReady === true")
    shot(page, "3d-digits")


def test_traversal_attempts_get_404(page) -> None:  # type: ignore[no-untyped-def]
    for path in (
        "/api/datasets/digits/media/image?id=../../../../etc/passwd",
        "/assets/../../../../etc/passwd",
        "/assets/%2e%2e/%2e%2e/pyproject.toml",
    ):
        response = page.request.get(path)
        assert response.status == 404, path


def test_api_docs_run_offline_under_the_policy(page, server: str) -> None:  # type: ignore[no-untyped-def]
    outside: list[str] = []

    def only_this_server(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto("/docs")
    page.wait_for_selector(".opblock-summary-path")
    assert page.locator(".opblock").count() >= 25
    assert "/api/datasets/{name}/spaces/{space}/autolabel" in page.content()
    shot(page, "api-docs")
    assert not outside, outside


EDGES_ON_POINTS_JS = """() => {
  const scatter = window.__embedlab.scatter;
  const layer = document.querySelector('#edge-layer');
  const from = scatter.screenPosition(Number(layer.dataset.from));
  const near = (a, b) => Math.abs(a[0] - b[0]) < 1.5 && Math.abs(a[1] - b[1]) < 1.5;
  return Array.from(layer.querySelectorAll('line')).every((l) => {
    const end = scatter.screenPosition(Number(l.dataset.row));
    const at = ['x1', 'y1', 'x2', 'y2'].map((a) => Number(l.getAttribute(a)));
    return near([at[0], at[1]], from) && near([at[2], at[3]], end);
  });
}"""


def test_a_graph_node_shows_its_edges_beside_its_embedding_neighbours(page) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "club", "deepwalk")
    page.fill("#search", "id:1")
    page.click("#search-form button")
    page.wait_for_selector("#search-results .card")
    card = page.locator("#search-results .card").first
    node = card.get_attribute("data-id")
    card.click()
    page.wait_for_selector("#graph-neighbours .card")
    degree = int(
        page.evaluate(
            f"fetch('/api/datasets/club/item/graph-neighbors?id={node}')"
            ".then(r => r.json()).then(b => b.degree)"
        )
    )
    assert page.locator("#graph-neighbours .card").count() == degree > 0
    assert page.locator(".neighbours .card").count() == 12 + degree  # both grids
    page.click("#draw-graph-edges")
    page.wait_for_selector("#edge-layer line")
    # once the camera rests (the item page zooms to the node), every line ends on the point the
    # scatter drew: the layer is placed after each camera frame
    page.wait_for_function(EDGES_ON_POINTS_JS, timeout=10_000)
    ends = page.evaluate(
        "Array.from(document.querySelectorAll('#edge-layer line'), l => "
        "['x1', 'y1', 'x2', 'y2'].map(a => Number(l.getAttribute(a))))"
    )
    box = page.locator("#map").bounding_box()
    assert len(ends) == degree
    assert len({(x1, y1) for x1, y1, _, _ in ends}) == 1  # every edge starts at the node
    assert all(0 <= x <= box["width"] and 0 <= y <= box["height"] for *_, x, y in ends)
    assert len({(x2, y2) for *_, x2, y2 in ends}) > 1
    shot(page, "graph-node-club-edges")
    page.click("#draw-graph-edges")
    assert page.locator("#edge-layer line").count() == 0
    page.click("#show-graph-neighbours")
    page.wait_for_selector("#selection-count")
    selected = page.evaluate("Array.from(window.__embedlab.selection)")
    assert len(selected) == degree + 1
    assert int(page.locator("#selection-count").get_attribute("data-total")) == degree + 1
    shot(page, "graph-node-club")
