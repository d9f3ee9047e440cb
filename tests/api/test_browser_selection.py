"""One selection state on the map page, in the browser: whatever makes a selection (a lasso,
search hits, an item and its neighbours) the map, the grid and the linked charts show the same
items, within the charts' brushes; Escape, a click on an empty spot of the map or `clear all`
clears the selection and every brush, on the page and in the URL. Expected chart counts are the
crossfilter rule computed in numpy over the selected rows (as in test_browser_charts)."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.store.workspace import Workspace
from tests.api.test_browser import (  # noqa: F401
    browser,
    canvas_box,
    drag_box,
    draw_lasso,
    page,
    server,
    shot,
)
from tests.api.test_browser_charts import (
    SCREEN_JS,
    assert_counts,
    bars,
    crossfilter,
    drag,
    label_and_score,
    selection,
    wait_total,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def filter_everything(tab, score: str) -> None:  # type: ignore[no-untyped-def]
    """Two brushes and a lasso: the map, the grid and both charts are filtered."""
    drag(tab, "label", 0, 2)
    drag(tab, score, 0, 12)
    box = canvas_box(tab)
    w, h = box["width"], box["height"]
    draw_lasso(
        tab, [(0.2 * w, 0.2 * h), (0.8 * w, 0.2 * h), (0.8 * w, 0.8 * h), (0.2 * w, 0.8 * h)]
    )
    tab.wait_for_function("window.__embedlab.charts.lassoRows() !== null")
    assert tab.locator(".chart .bar.brushed").count() == 3 + 13
    assert tab.locator("#clear-filters").is_visible()
    assert tab.evaluate("window.__embedlab.scatter.greyed") is True
    assert "brush=" in tab.evaluate("location.search")


def assert_unfiltered(tab, bins: dict[str, np.ndarray]) -> None:  # type: ignore[no-untyped-def]
    """No selection, no brush: every chart counts every item, the map is in colour, the grid
    shows the hint, the URL holds neither."""
    tab.wait_for_function("window.__embedlab.selection.length === 0")
    tab.wait_for_function("window.__embedlab.scatter.greyed === false")
    assert tab.evaluate("window.__embedlab.charts.lassoRows()") is None
    assert tab.locator(".chart .bar.brushed").count() == 0
    assert tab.locator(".chart .reset:not([hidden])").count() == 0
    counts, _ = crossfilter(bins, {}, None)
    for name, expected in counts.items():
        assert bars(tab, name)[:, 0].tolist() == expected, name
    assert_counts(tab, counts)
    assert tab.locator("#selection-count").count() == 0 and tab.locator("#side .hint").count() == 1
    assert tab.evaluate("window.__embedlab.scatter.plot.get('selectedPoints').length") == 0
    search = tab.evaluate("location.search")
    assert "brush=" not in search and "sel=" not in search and "tag=" not in search


def empty_spot(tab) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Page coordinates of a spot on the map with no point within 15 px."""
    box = canvas_box(tab)
    screen = np.asarray(tab.evaluate(SCREEN_JS), float)
    xs, ys = np.meshgrid(np.arange(20, box["width"] - 20, 5), np.arange(20, box["height"] - 20, 5))
    spots = np.stack([xs.ravel(), ys.ravel()], axis=1)
    gap = np.full(len(spots), np.inf)
    for start in range(0, len(screen), 256):
        d = np.linalg.norm(spots[:, None, :] - screen[None, start : start + 256], axis=2)
        gap = np.minimum(gap, d.min(axis=1))
    best = int(gap.argmax())
    assert gap[best] > 15, gap[best]
    return box["x"] + spots[best, 0], box["y"] + spots[best, 1]


def test_escape_clears_the_lasso_every_brush_and_the_url(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    bins, _, score = label_and_score(page, explorer_workspace)
    filter_everything(page, score)
    page.keyboard.press("Escape")
    assert_unfiltered(page, bins)
    shot(page, "escape-cleared-digits")
    page.reload()  # the cleared view is what the URL keeps
    page.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")
    assert page.locator(".chart .bar.brushed").count() == 0
    assert page.evaluate("(window.__embedlab.selection ?? []).length") == 0

    bins, _, score = label_and_score(page, explorer_workspace)
    drag(page, "label", 1, 1)  # the per-chart clear still clears that chart alone
    drag(page, score, 5, 9)
    page.locator('.chart[data-field="label"] .reset').click()
    counts, rows = crossfilter(bins, {score: list(range(5, 10))}, None)
    wait_total(page, len(rows))
    assert_counts(page, counts)
    page.fill("#search", "id:1")  # Escape in a text box is the box's own
    page.press("#search", "Escape")
    assert page.locator(".chart .bar.brushed").count() == 5
    page.click("#clear-filters")  # and a button does what Escape does
    assert_unfiltered(page, bins)
    assert page.locator("#clear-filters").is_hidden()


def test_a_click_on_an_empty_spot_clears_but_a_click_on_a_point_selects_it(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    bins, _, score = label_and_score(page, explorer_workspace)
    filter_everything(page, score)  # in lasso mode
    x, y = empty_spot(page)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    assert_unfiltered(page, bins)

    page.click("button[data-mode=panZoom]")  # and in pan mode
    drag(page, "label", 0, 0)
    counts, rows = crossfilter(bins, {"label": [0]}, None)
    wait_total(page, len(rows))
    screen = np.asarray(page.evaluate(SCREEN_JS), float)
    row = int(rows[0])
    box = canvas_box(page)
    page.mouse.move(box["x"] + screen[row, 0], box["y"] + screen[row, 1])
    page.mouse.click(box["x"] + screen[row, 0], box["y"] + screen[row, 1])
    page.wait_for_function("window.__embedlab.charts.lassoRows()?.length === 1")
    picked = page.evaluate("Array.from(window.__embedlab.charts.lassoRows())")
    counts, rows = crossfilter(bins, {"label": [0]}, np.asarray(picked))
    wait_total(page, len(rows))
    assert_counts(page, counts)
    assert page.locator(".chart .bar.brushed").count() == 1, "a point click keeps the brush"
    x, y = empty_spot(page)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    assert_unfiltered(page, bins)


def test_search_hits_are_the_selection_the_charts_count(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    bins, _, score = label_and_score(page, explorer_workspace)
    ids = explorer_workspace.dataset("digits").ids()
    page.fill("#search", f"id:{ids[7]}")  # its 50 nearest items
    page.click("#search-form button")
    page.wait_for_selector("#search-results .card")
    hits = np.asarray(page.evaluate("window.__embedlab.searchRows"), int)
    assert len(hits) == 50 == page.locator("#search-results .card").count()
    page.wait_for_function(f"window.__embedlab.selection.length === {len(hits)}")
    counts, rows = crossfilter(bins, {}, hits)
    assert selection(page) == rows.tolist() == sorted(hits.tolist())
    assert_counts(page, counts)
    assert counts["label"] != bars(page, "label")[:, 0].tolist()  # not every item
    assert page.evaluate("window.__embedlab.scatter.greyed") is True
    selected = page.evaluate("window.__embedlab.scatter.plot.get('selectedPoints').length")
    assert selected == len(hits), "the map shows the hits"
    assert "sel=" in page.evaluate("location.search")
    assert page.locator("#search-results .card").count() == 50, "the hits stay listed"

    drag(page, score, 10, 19)  # a brush filters the hits like a lasso
    counts, rows = crossfilter(bins, {score: list(range(10, 20))}, hits)
    assert 0 < len(rows) < len(hits)
    wait_total(page, len(rows))
    assert_counts(page, counts)
    assert selection(page) == rows.tolist()
    shot(page, "search-hits-in-the-charts-digits")
    page.fill("#search", f"id:{ids[100]}")  # a new search replaces the hits, the brush stays
    page.click("#search-form button")
    page.wait_for_function(f"window.__embedlab.searchRows[0] !== {int(hits[0])}")
    hits = np.asarray(page.evaluate("window.__embedlab.searchRows"), int)
    counts, rows = crossfilter(bins, {score: list(range(10, 20))}, hits)
    page.wait_for_function(f"window.__embedlab.selection.length === {len(rows)}")
    assert selection(page) == rows.tolist()
    assert_counts(page, counts)


def test_an_items_neighbours_are_the_selection_and_back_restores_the_last(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    bins, _, score = label_and_score(page, explorer_workspace)
    drag_box(page, 0.35, 0.55)
    boxed = np.asarray(page.evaluate("Array.from(window.__embedlab.charts.lassoRows())"), int)
    assert len(boxed) > 13
    page.locator("#grid .card").first.click()
    page.wait_for_selector("#item-title")
    item = int(page.locator("#side .card.large").get_attribute("data-row"))
    near = page.locator(".neighbours .card").evaluate_all("c => c.map(x => Number(x.dataset.row))")
    assert len(near) == 12
    chosen = np.asarray(sorted({item, *near}), int)
    page.wait_for_function(f"window.__embedlab.selection.length === {len(chosen)}")
    counts, rows = crossfilter(bins, {}, chosen)
    assert selection(page) == rows.tolist() == chosen.tolist()
    assert_counts(page, counts)
    assert page.locator("#item-title").count() == 1, "the item's details stay shown"
    shot(page, "item-neighbours-in-the-charts-digits")

    title = page.locator("#item-title").inner_text()
    page.locator(".neighbours .card").first.click()  # a neighbour's own neighbours
    page.wait_for_function(f"document.querySelector('#item-title').textContent !== '{title}'")
    page.wait_for_function(
        "window.__embedlab.selection.length === new Set([Number(document.querySelector("
        "'#side .card.large').dataset.row), ...Array.from(document.querySelectorAll("
        "'.neighbours .card'), (c) => Number(c.dataset.row))]).size"
    )
    page.click("#back-to-selection")  # back to the box, not to the first item's neighbours
    wait_total(page, len(boxed))
    counts, rows = crossfilter(bins, {}, boxed)
    assert selection(page) == rows.tolist()
    assert_counts(page, counts)
