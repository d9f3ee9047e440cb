"""Linked charts beside the map, in the browser, with crossfilter semantics: the label's bar
chart and a quality score's histogram of digits each hold a brush; the map and the grid show
the items passing both (and the lasso), each chart counts the items passing the OTHER filters
(its own brush does not filter it), a lasso updates the charts, clearing restores. The
expected counts are the crossfilter rule computed in numpy on the stored fields. Points outside
the filter are drawn grey, read back from screenshots."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from embedlab.pipeline.fields import field_values
from embedlab.store.workspace import Workspace
from tests.api.test_browser import (  # noqa: F401
    browser,
    canvas_box,
    draw_lasso,
    open_map,
    page,
    server,
    shot,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]
BINS = 20
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"]

SCREEN_JS = """((view) => Array.from({ length: view.count }, (_, row) => view.screenPosition(row)))
  (window.__embedlab.scatter)"""  # each point's screen position on the map (or in 3-D)
BARS_JS = """(name) => Array.from(document.querySelectorAll(`.chart[data-field="${name}"] .bar`))
  .map((bar) => [Number(bar.dataset.total), Number(bar.dataset.selected)])"""


def bars(tab, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per bar of the chart of `name`: [items, items passing the other charts' filters]."""
    return np.asarray(tab.evaluate(BARS_JS, name), dtype=int)


def drag(tab, name: str, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    chart = tab.locator(f'.chart[data-field="{name}"]')
    a = chart.locator(f'.bar[data-bar="{first}"]').bounding_box()
    b = chart.locator(f'.bar[data-bar="{last}"]').bounding_box()
    tab.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] - 2)
    tab.mouse.down()
    tab.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] - 2, steps=8)
    tab.mouse.up()


def wait_total(tab, expected: int) -> None:  # type: ignore[no-untyped-def]
    tab.wait_for_function(f"window.__embedlab.selection.length === {expected}")
    if expected:
        tab.wait_for_function(
            f"document.querySelector('#selection-count')?.dataset.total === '{expected}'"
        )


def selection(tab) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(tab.evaluate("Array.from(window.__embedlab.selection)"))


def crossfilter(
    bins: dict[str, np.ndarray], brushes: dict[str, list[int]], lasso: np.ndarray | None
) -> tuple[dict[str, list[int]], np.ndarray]:
    """The crossfilter rule: per chart, its bar counts over the items passing the lasso and
    every OTHER chart's brush; and the rows passing everything."""
    n = len(next(iter(bins.values())))
    base = np.ones(n, bool) if lasso is None else np.isin(np.arange(n), lasso)
    passes = {name: np.isin(bins[name], bars) for name, bars in brushes.items()}
    counts = {}
    for name, b in bins.items():
        others = base.copy()
        for other, ok in passes.items():
            if other != name:
                others &= ok
        counts[name] = np.bincount(b[others & (b >= 0)], minlength=b.max() + 1).tolist()
    everything = base.copy()
    for ok in passes.values():
        everything &= ok
    return counts, np.flatnonzero(everything)


def label_and_score(tab, workspace: Workspace):  # type: ignore[no-untyped-def]
    """Open the digits' map with the label's chart and add a quality score's; per item, its bar
    in each (the label's bars most common first), the label's bar order, the score's name."""
    open_map(tab, "digits", "pixels-pca")
    tab.wait_for_selector('.chart[data-field="label"] .bar')
    label = field_values(workspace, "digits", "label")
    order = sorted(range(len(label.categories)), key=lambda code: (-label.counts[code], code))
    bar_of = np.empty(len(order), int)
    bar_of[order] = np.arange(len(order))
    info = tab.evaluate("fetch('/api/datasets/digits').then((r) => r.json())")
    score = next(f["name"] for f in info["fields"] if f["kind"] == "number" and ":" in f["name"])
    tab.select_option("#chart-field", score)
    tab.wait_for_selector(f'.chart[data-field="{score}"] .bar')
    values = field_values(workspace, "digits", score).values.astype(np.float64)
    score_bins = np.minimum(BINS - 1, np.floor(values * BINS)).astype(int)
    return {"label": bar_of[label.values], score: score_bins}, order, score


def assert_counts(tab, counts: dict[str, list[int]]) -> None:  # type: ignore[no-untyped-def]
    """Each chart's bars count what the crossfilter rule gives."""
    for name, expected in counts.items():
        assert bars(tab, name)[:, 1].tolist() == expected, name


def grid_rows(tab) -> list[int]:  # type: ignore[no-untyped-def]
    """Every row the grid lists, page after page."""
    rows: list[int] = []
    while True:
        cards = tab.locator("#grid .card")
        rows += [int(r) for r in cards.evaluate_all("c => c.map(x => x.dataset.row)")]
        nxt = tab.locator("#next-page")
        if nxt.is_disabled():
            return rows
        first = tab.locator("#grid .card").first.get_attribute("data-row")
        nxt.click()
        tab.wait_for_function(f"document.querySelector('#grid .card')?.dataset.row !== '{first}'")


def test_two_brushes_cross_filter_the_map_the_grid_and_each_other(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    bins, order, score = label_and_score(page, explorer_workspace)
    counts, _ = crossfilter(bins, {}, None)
    assert bars(page, "label")[:, 0].tolist() == counts["label"]  # no filter: every item
    assert_counts(page, counts)

    drag(page, "label", 0, 2)  # the three most common digits
    counts, rows = crossfilter(bins, {"label": [0, 1, 2]}, None)
    wait_total(page, len(rows))
    assert_counts(page, counts)  # the label's own brush does not filter its chart

    drag(page, score, 10, 19)  # and the upper half of the score's range
    brushes = {"label": [0, 1, 2], score: list(range(10, 20))}
    counts, rows = crossfilter(bins, brushes, None)
    assert 0 < len(rows) < 300
    wait_total(page, len(rows))
    assert_counts(page, counts)
    assert counts["label"][3:] != [0] * (len(order) - 3)  # the unbrushed digits are counted
    assert page.locator(".chart .bar.brushed").count() == 3 + 10
    assert selection(page) == rows.tolist()
    url = page.evaluate("location.search")
    assert "brush=" in url
    shot(page, "charts-two-brushes-digits")
    ids = np.asarray(explorer_workspace.dataset("digits").ids())
    cards = page.locator("#grid .card").evaluate_all(
        "c => c.map(x => [x.dataset.row, x.dataset.id])"
    )
    assert all(ids[int(row)] == card_id for row, card_id in cards)
    assert sorted(grid_rows(page)) == rows.tolist()

    page.goto(f"/{url}#/map")  # the brushes come back from the URL
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")
    wait_total(page, len(rows))
    assert bars(page, score)[:, 1].tolist() == counts[score]
    assert page.locator(".chart .bar.brushed").count() == 3 + 10

    drag(page, "label", 1, 3)  # the label's brush moves: the score's chart follows
    brushes["label"] = [1, 2, 3]
    counts, rows = crossfilter(bins, brushes, None)
    wait_total(page, len(rows))
    assert_counts(page, counts)
    page.keyboard.down("Shift")  # shift adds a bar to the brush
    page.locator('.chart[data-field="label"] .bar[data-bar="6"]').click()
    page.keyboard.up("Shift")
    brushes["label"] = [1, 2, 3, 6]
    counts, rows = crossfilter(bins, brushes, None)
    wait_total(page, len(rows))
    assert_counts(page, counts)
    assert selection(page) == rows.tolist()

    page.locator(f'.chart[data-field="{score}"] .reset').click()  # clearing a brush restores
    counts, rows = crossfilter(bins, {"label": [1, 2, 3, 6]}, None)
    wait_total(page, len(rows))
    assert_counts(page, counts)
    page.locator('.chart[data-field="label"] .reset').click()
    page.wait_for_function("window.__embedlab.selection.length === 0")
    assert bars(page, score)[:, 1].tolist() == crossfilter(bins, {}, None)[0][score]
    assert "brush=" not in page.evaluate("location.search")


def test_a_lasso_updates_the_charts_and_the_brushes_filter_it(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    # brushes in the URL that name no field or no bar are left out (no error on the page)
    page.goto("/?dataset=digits&space=pixels-pca&brush=nope%3A1~label%3A99-200~label%3Axyz#/map")
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")
    assert page.locator(".chart .bar.brushed").count() == 0
    assert page.evaluate("window.__embedlab.scatter.greyed") is False
    bins, _, score = label_and_score(page, explorer_workspace)
    box = canvas_box(page)
    w, h = box["width"], box["height"]
    draw_lasso(
        page, [(0.3 * w, 0.3 * h), (0.7 * w, 0.3 * h), (0.7 * w, 0.7 * h), (0.3 * w, 0.7 * h)]
    )
    page.wait_for_selector("#selection-count")
    lasso = np.asarray(page.evaluate("Array.from(window.__embedlab.charts.lassoRows())"), int)
    assert len(lasso) > 20
    counts, rows = crossfilter(bins, {}, lasso)
    assert selection(page) == rows.tolist()
    assert_counts(page, counts)

    drag(page, score, 0, 9)  # a brush within the lasso
    counts, rows = crossfilter(bins, {score: list(range(10))}, lasso)
    assert 0 < len(rows) < len(lasso)
    wait_total(page, len(rows))
    assert_counts(page, counts)
    shot(page, "charts-lasso-and-brush-digits")

    draw_lasso(  # a second lasso replaces the first; the brush stays
        page, [(0.1 * w, 0.1 * h), (0.5 * w, 0.1 * h), (0.5 * w, 0.5 * h), (0.1 * w, 0.5 * h)]
    )
    page.wait_for_function(f"window.__embedlab.charts.lassoRows()?.length !== {len(lasso)}")
    lasso = np.asarray(page.evaluate("Array.from(window.__embedlab.charts.lassoRows())"), int)
    counts, rows = crossfilter(bins, {score: list(range(10))}, lasso)
    wait_total(page, len(rows))
    assert_counts(page, counts)


def test_points_outside_the_filter_are_grey_and_the_rest_keep_their_colour(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "digits", "pixels-pca")
    page.wait_for_selector('.chart[data-field="label"] .bar')
    label = field_values(explorer_workspace, "digits", "label")
    order = sorted(range(len(label.categories)), key=lambda code: (-label.counts[code], code))
    bar = next(i for i, code in enumerate(order) if code < len(PALETTE))  # a saturated colour
    code = order[bar]
    before = map_rgb(page)
    page.locator(f'.chart[data-field="label"] .bar[data-bar="{bar}"]').click()
    wait_total(page, label.counts[code])
    page.wait_for_function("window.__embedlab.scatter.greyed === true")
    page.wait_for_timeout(300)  # the next animation frame
    after = map_rgb(page)
    shot(page, "map-grey-outside-the-brush-digits")
    screen = np.asarray(page.evaluate(SCREEN_JS))
    inside = label.values == code
    alone_in, alone_out = isolated(screen, inside)
    assert len(alone_in) > 10 and len(alone_out) > 30
    colour = np.asarray([int(PALETTE[code][i : i + 2], 16) for i in (1, 3, 5)], float)
    for rows, want_colour in ((alone_in, True), (alone_out, False)):
        px = pixels(after, screen[rows])
        spread = px.max(axis=1) - px.min(axis=1)  # 0 for a grey
        if want_colour:  # the label's own colour, as before the brush
            assert np.median(np.abs(px - colour).max(axis=1)) < 40, px[:5]
            assert np.median(spread) > 40
        else:
            assert np.percentile(spread, 90) <= 6, px[:5]
            assert np.median(px.mean(axis=1)) > 30  # visible, not the background (17-24)
            was = pixels(before, screen[rows])
            assert np.median(was.max(axis=1) - was.min(axis=1)) > 30  # they were coloured
    page.locator('.chart[data-field="label"] .reset').click()
    page.wait_for_function("window.__embedlab.scatter.greyed === false")

    page.locator(f'.chart[data-field="label"] .bar[data-bar="{bar}"]').click()  # and in 3-D
    wait_total(page, label.counts[code])
    page.click('nav a[data-page="3d"]')
    page.wait_for_function("window.__embedlab.view3dReady === true")
    assert page.evaluate("window.__embedlab.view3d.selected") == label.counts[code]
    box = page.locator("#view3d").bounding_box()
    image = np.asarray(Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB"), float)
    shot(page, "3d-grey-outside-the-brush-digits")
    screen = np.asarray(page.evaluate(SCREEN_JS.replace("scatter", "view3d")))
    alone_in, alone_out = isolated(screen, inside, 6)
    assert len(alone_in) > 10 and len(alone_out) > 30
    px = pixels(image, screen[alone_in])
    assert np.median(np.abs(px - colour).max(axis=1)) < 40, px[:5]
    px = pixels(image, screen[alone_out])
    assert np.percentile(px.max(axis=1) - px.min(axis=1), 90) <= 6, px[:5]
    assert np.median(px.mean(axis=1)) > 30


def map_rgb(tab) -> np.ndarray:  # type: ignore[no-untyped-def]
    box = canvas_box(tab)
    shot_bytes = tab.screenshot(clip=box)
    return np.asarray(Image.open(io.BytesIO(shot_bytes)).convert("RGB"), dtype=float)


def pixels(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The RGB at each point's centre (screen positions, canvas pixels)."""
    col = np.clip(np.round(xy[:, 0]).astype(int), 0, image.shape[1] - 1)
    row = np.clip(np.round(xy[:, 1]).astype(int), 0, image.shape[0] - 1)
    return image[row, col]


def isolated(
    screen: np.ndarray, inside: np.ndarray, px: float = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of points inside / outside with no point of the other kind within `px` pixels."""
    d = np.hypot(*(screen[:, None, :] - screen[None, :, :]).transpose(2, 0, 1))
    near_in = (d[:, inside] < px).any(axis=1)
    near_out = (d[:, ~inside] < px).any(axis=1)
    return np.flatnonzero(inside & ~near_out), np.flatnonzero(~inside & ~near_in)
