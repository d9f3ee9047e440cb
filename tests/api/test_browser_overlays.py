"""Explorer v2 in the browser. A big map: while the camera moves WebGL draws nothing and the
last full frame moves with the camera (a CSS transform), once it rests every point is drawn
again; the moved frame shows what the full drawing then shows, the density contours stay on the
points throughout, and a selection made before the move survives it.
The trust overlay of a map: computed from the toolbar, coloured, its mean shown.

The frame times while dragging and wheel-zooming are measured and written to
test-output/lod-frames.json, not asserted (timings are benchmarks: benchmarks/explorer.py).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.store.workspace import Workspace
from tests.api.test_browser import SHOTS, browser, page, serve, shot  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.browser]
N_POINTS = 250_000  # above the app's 200,000 where the level of detail starts

FRAMES_JS = """() => {
  const record = (window.__frames = { at: [], on: true });
  const tick = (t) => {
    if (!record.on) return;
    record.at.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

STATE_JS = """() => {
  const view = window.__embedlab.scatter;
  const snapshot = document.querySelector('#map .scatter-snapshot');
  return { ...view.lod.stats, selected: view.plot.get('selectedPoints').length,
    canvasOpacity: view.canvas.style.opacity, snapshotShown: !snapshot.hidden,
    matrix: Array.from(new DOMMatrix(getComputedStyle(snapshot).transform).toFloat64Array()) };
}"""

SETTLED_JS = """(() => { const s = window.__embedlab.scatter.lod.stats;
  return !s.moving && s.settled === s.engaged; })()"""

# the density contours against the points' screen positions (grid cell -> canvas pixels)
CONTOURS_PLACED_JS = """() => {
  const group = document.querySelector('#density-layer g');
  const view = window.__embedlab.scatter;
  const matrix = group.getCTM();
  return [0, 7, 700, 70000].map((row) => {
    const [x, y] = view.position(row);
    const at = new DOMPoint((x + 1) / 2 * 256, (y + 1) / 2 * 256).matrixTransform(matrix);
    return [at.x, at.y, ...view.screenPosition(row)];
  });
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """250,000 seeded points in 8 clusters, ingested, embedded (pca) and mapped (pca), and
    digits (pixels-pca, PCA map)."""
    root = tmp_path_factory.mktemp("big-map")
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=5.0, size=(8, 6))
    label = rng.integers(0, 8, N_POINTS)
    values = (centres[label] + rng.normal(size=(N_POINTS, 6))).astype(np.float32)
    columns = {f"f{j}": values[:, j] for j in range(6)}
    table = pa.table({"id": [f"p{i}" for i in range(N_POINTS)], "label": label, **columns})
    pq.write_table(table, root / "points.parquet")
    workspace = Workspace(root / "workspace")
    ingest(workspace, "big", root / "points.parquet", label="label", id="id")
    embed(workspace, "big", "pca", params={"n_components": 4})
    project_space(workspace, "big", "pca", method="pca", dims=2)
    ingest(workspace, "digits", "sandbox:digits")
    embed(workspace, "digits", "pixels-pca", params={"n_components": 16})
    project_space(workspace, "digits", "pixels-pca", method="pca", dims=2)
    with serve(workspace) as base:
        yield base


def frame_ms(tab) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The animation frames recorded since FRAMES_JS: count, median and 90th percentile."""
    times = np.diff(np.asarray(tab.evaluate("window.__frames.at"), dtype=float))
    tab.evaluate("window.__frames = { ...window.__frames, on: false }")
    return {
        "frames": len(times),
        "median_ms": float(np.median(times)),
        "p90_ms": float(np.percentile(times, 90)),
    }


NEAREST_JS = """([px, py]) => {
  const view = window.__embedlab.scatter;
  let best = [-1, Infinity, 0, 0];
  for (let row = 0; row < view.count; row++) {
    const [x, y] = view.screenPosition(row);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d < best[1]) best = [row, d, x, y];
  }
  return [best[0], best[2], best[3]];
}"""


def map_pixels(tab, block: int = 8) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The map as the page shows it: luminance, block x block pixels averaged (a zoomed
    snapshot magnifies each point where the full drawing draws it small: blocks compare what
    lies where)."""
    box = tab.locator("#map canvas.scatter").bounding_box()
    grey = np.asarray(Image.open(io.BytesIO(tab.screenshot(clip=box))).convert("L"), dtype=float)
    h, w = (grey.shape[0] // block) * block, (grey.shape[1] // block) * block
    return grey[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3))


def likeness(a: np.ndarray, b: np.ndarray, covered: tuple[slice, slice]) -> float:
    """Pearson correlation of two maps' blocks where the moved snapshot covers the map."""
    return float(np.corrcoef(a[covered].ravel(), b[covered].ravel())[0, 1])


def assert_aligned(tab) -> None:  # type: ignore[no-untyped-def]
    for gx, gy, px, py in tab.evaluate(CONTOURS_PLACED_JS):
        assert abs(gx - px) < 1.5 and abs(gy - py) < 1.5, (gx, gy, px, py)


def settle(tab) -> dict:  # type: ignore[no-untyped-def]
    """Let the camera rest (the normal 250 ms), wait for the full drawing; its state."""
    tab.evaluate("window.__embedlab.scatter.lod.options.settleMs = 250")
    tab.wait_for_function(SETTLED_JS)
    tab.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return tab.evaluate(STATE_JS)


def test_a_moving_camera_moves_the_last_frame_then_draws_every_point(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/?dataset=big&space=pca#/map")
    page.wait_for_function(
        "window.__embedlab && window.__embedlab.mapReady === true", timeout=60_000
    )
    state = page.evaluate(STATE_JS)
    assert state["count"] == N_POINTS and state["enabled"] and not state["moving"]
    box = page.locator("#map canvas.scatter").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.click("button[data-mode=box]")  # a selection first: the moves must keep all of it
    page.mouse.move(cx - 150, cy - 150)
    page.mouse.down()
    page.mouse.move(cx + 150, cy + 150, steps=10)
    page.mouse.up()
    page.wait_for_selector("#selection-count")
    selected = int(page.locator("#selection-count").get_attribute("data-total"))
    assert 1_000 < selected < N_POINTS and page.evaluate(STATE_JS)["selected"] == selected
    page.check("#density")  # an overlay that must follow the moved frame
    page.wait_for_selector("#density-layer path")
    page.click("button[data-mode=panZoom]")
    page.mouse.move(cx, cy)
    start = settle(page)
    before = map_pixels(page)

    # the camera stays "moving" until told otherwise, so the held frame can be looked at
    page.evaluate("window.__embedlab.scatter.lod.options.settleMs = 1e9")
    measured = {}
    page.evaluate(FRAMES_JS)
    page.mouse.down()
    for step in range(1, 31):
        page.mouse.move(cx + 8 * step, cy + 3 * step)
    moving = page.evaluate(STATE_JS)
    measured["drag"] = frame_ms(page)
    assert moving["moving"] and moving["engaged"] == start["engaged"] + 1
    assert moving["rendered"] == start["rendered"]  # no WebGL frame while moving
    assert moving["framesWhileMoving"] > start["framesWhileMoving"]
    assert moving["canvasOpacity"] == "0" and moving["snapshotShown"]
    a, b, c, d, e, f = (moving["matrix"][i] for i in (0, 1, 4, 5, 12, 13))  # CSS matrix()
    assert np.allclose(
        [a, b, c, d], [1, 0, 0, 1], atol=1e-4
    )  # a pan: the frame moves with the mouse
    assert abs(e - 240) < 0.6 and abs(f - 90) < 0.6, moving["matrix"]
    assert_aligned(page)
    assert page.locator("#tooltip").is_hidden()  # no hover card under a drag
    dragged = map_pixels(page)
    shot(page, "lod-dragging")
    page.mouse.up()
    rested = settle(page)
    assert rested["rendered"] > start["rendered"] and rested["canvasOpacity"] == ""
    assert not rested["snapshotShown"] and rested["selected"] == selected
    assert_aligned(page)
    after = map_pixels(page)
    shot(page, "lod-drag-settled")
    # hover acts on every point at the new camera: the point drawn nearest the map's centre
    row, x, y = page.evaluate(NEAREST_JS, [box["width"] / 2 - 60, box["height"] / 2 + 40])
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_selector("#tooltip:not([hidden])")
    assert page.locator("#tooltip").inner_text().strip() != ""
    page.mouse.move(cx, cy)
    hovered = settle(page)  # hovering draws: the count of WebGL frames before the zoom
    covered = (slice(90 // 8 + 1, None), slice(240 // 8 + 1, None))  # blank where the map entered
    measured["drag likeness"] = likeness(dragged, after, covered)
    measured["unmoved likeness"] = likeness(before, after, covered)
    assert measured["drag likeness"] > 0.95, measured
    assert measured["unmoved likeness"] < measured["drag likeness"] - 0.2, measured

    before = map_pixels(page, 24)
    page.evaluate("window.__embedlab.scatter.lod.options.settleMs = 1e9")
    page.evaluate(FRAMES_JS)
    for _ in range(4):
        page.mouse.wheel(0, -120)
    zooming = page.evaluate(STATE_JS)
    measured["wheel"] = frame_ms(page)
    assert zooming["moving"] and zooming["rendered"] == hovered["rendered"]
    m = zooming["matrix"]
    assert m[0] > 1.3 and abs(m[0] - m[5]) < 1e-4 and abs(m[1]) < 1e-6 and abs(m[4]) < 1e-6
    assert_aligned(page)
    zoomed = map_pixels(page, 24)
    shot(page, "lod-zooming")
    rested = settle(page)
    assert rested["rendered"] > zooming["rendered"] and not rested["snapshotShown"]
    assert rested["selected"] == selected
    assert_aligned(page)
    after = map_pixels(page, 24)
    shot(page, "lod-zoom-settled")
    everywhere = (slice(None), slice(None))  # zoomed in, the snapshot covers the whole map
    measured["zoom likeness"] = likeness(zoomed, after, everywhere)
    measured["unzoomed likeness"] = likeness(before, after, everywhere)
    assert measured["zoom likeness"] > 0.8, measured
    assert measured["unzoomed likeness"] < measured["zoom likeness"] - 0.2, measured
    out = SHOTS.parent / "lod-frames.json"
    out.write_text(json.dumps({"points": N_POINTS, **measured}, indent=2))
    print(f"frames at {N_POINTS:,} points: {measured}")


def test_the_trust_button_colours_the_map_and_shows_its_mean(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/?dataset=digits&space=pixels-pca#/map")
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")
    assert page.locator("#trust-mean").is_hidden()
    page.click("#trust")
    field = "trust-pixels-pca-pca-2d:trust"
    page.wait_for_function(f"document.querySelector('#colour').value === '{field}'")
    page.wait_for_selector("#legend .ramp")
    mean = float(page.locator("#trust-mean").get_attribute("data-mean"))
    assert 0.0 < mean < 1.0 and "mean trust 0." in page.locator("#trust-mean").inner_text()
    assert page.locator("#legend strong").inner_text() == field
    shot(page, "trust-digits")
    page.reload()  # stored: the mean shows again without computing
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")
    page.wait_for_selector("#trust-mean:not([hidden])")
    assert float(page.locator("#trust-mean").get_attribute("data-mean")) == mean


def test_region_labels_show_coarse_names_then_fine_ones_zoomed_in(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/?dataset=digits&space=pixels-pca#/map")
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")
    page.check("#region-labels")
    page.wait_for_selector("#region-layer .region.coarse")
    names = page.locator("#region-layer .region").all_inner_texts()
    assert len(names) == 10 and all(name.split(" (")[0] in "0123456789" for name in names)
    shot(page, "region-labels-coarse")
    box = page.locator("#map canvas.scatter").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(30):  # zoom in step by step until the fine names take over
        page.mouse.wheel(0, -60)
        page.wait_for_timeout(100)
        if page.locator("#region-layer").get_attribute("data-level") == "fine":
            break
    page.wait_for_selector("#region-layer .region.fine:not([hidden])")
    shot(page, "region-labels-fine")
    page.uncheck("#region-labels")
    assert page.locator("#region-layer").is_hidden()


DENSITY_JS = """() => {
  const layer = document.querySelector('#density-layer');
  const group = layer.querySelector('g');
  const { x, y } = window.__embedlab.scatter.points();
  const grid = 256;
  const shares = Array.from(layer.querySelectorAll('path'), (path) => {
    let inside = 0;
    for (let i = 0; i < x.length; i++) {
      const at = new DOMPoint((x[i] + 1) / 2 * grid, (y[i] + 1) / 2 * grid);
      if (path.isPointInFill(at)) inside++;
    }
    return [Number(path.dataset.enclosed), inside / x.length];
  });
  const matrix = group.getCTM();
  const placed = [0, 7, 700].map((row) => {
    const at = new DOMPoint((x[row] + 1) / 2 * grid, (y[row] + 1) / 2 * grid)
      .matrixTransform(matrix);
    return [at.x, at.y, ...window.__embedlab.scatter.screenPosition(row)];
  });
  return { shares, placed };
}"""


def test_density_contours_enclose_their_share_and_follow_the_camera(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/?dataset=digits&space=pixels-pca#/map")
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")
    page.check("#density")
    page.wait_for_selector("#density-layer path")
    page.wait_for_timeout(300)  # the first placement comes in the frame after the toggle
    found = page.evaluate(DENSITY_JS)
    assert [share for share, _ in found["shares"]] == [0.8, 0.6, 0.4, 0.2]
    # each region holds its share of the estimate's mass; the points are more concentrated
    # than the smoothed estimate, so a region holds that share of the points or a little more
    for share, inside in found["shares"]:
        assert share - 0.03 < inside < share + 0.15, found["shares"]
    for gx, gy, px, py in found["placed"]:
        assert abs(gx - px) < 1.5 and abs(gy - py) < 1.5, found["placed"]
    shot(page, "density-digits")
    box = page.locator("#map canvas.scatter").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
    for _ in range(5):
        page.mouse.wheel(0, -80)
        page.wait_for_timeout(100)
    page.wait_for_function(  # once the camera rests, the contours sit where the points are
        f"(() => ({DENSITY_JS})().placed.every(([gx, gy, px, py]) =>"
        " Math.abs(gx - px) < 1.5 && Math.abs(gy - py) < 1.5))()",
        timeout=10_000,
    )
    page.uncheck("#density")
    assert page.locator("#density-layer").is_hidden()
