"""Linked charts beside the map, in the browser: the label's bar chart and a quality score's
histogram of digits. Brushing a bar selects its items on the map and in the grid, brushing a
second chart narrows that to the items in both (cross-filtering), and a lasso redraws the
charts with the lassoed items and clears the brushes. Expected counts come from the stored
fields, read in Python."""

from __future__ import annotations

import numpy as np
import pytest

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

BARS_JS = """(name) => Array.from(document.querySelectorAll(`.chart[data-field="${name}"] .bar`))
  .map((bar) => [Number(bar.dataset.total), Number(bar.dataset.selected)])"""


def bars(tab, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per bar of the chart of `name`: [items, selected items]."""
    return np.asarray(tab.evaluate(BARS_JS, name), dtype=int)


def drag(tab, name: str, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    chart = tab.locator(f'.chart[data-field="{name}"]')
    a = chart.locator(f'.bar[data-bar="{first}"]').bounding_box()
    b = chart.locator(f'.bar[data-bar="{last}"]').bounding_box()
    tab.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] - 2)
    tab.mouse.down()
    tab.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] - 2, steps=8)
    tab.mouse.up()


def selected_total(tab) -> int:  # type: ignore[no-untyped-def]
    return int(tab.locator("#selection-count").get_attribute("data-total"))


def test_brushing_bars_filters_the_map_and_grid_and_a_lasso_updates_the_charts(
    page,  # noqa: F811
    explorer_workspace: Workspace,
) -> None:  # type: ignore[no-untyped-def]
    open_map(page, "digits", "pixels-pca")
    page.wait_for_selector('.chart[data-field="label"] .bar')
    label = field_values(explorer_workspace, "digits", "label")
    counts = bars(page, "label")
    order = sorted(range(10), key=lambda code: (-label.counts[code], code))
    assert counts[:, 0].tolist() == [label.counts[code] for code in order]
    assert counts[:, 1].sum() == 0  # nothing selected yet

    page.locator('.chart[data-field="label"] .bar[data-bar="0"]').click()
    page.wait_for_selector("#selection-count")
    code = order[0]
    assert selected_total(page) == label.counts[code]
    assert bars(page, "label")[:, 1].tolist() == [label.counts[code]] + [0] * 9
    grid_labels = set(page.locator("#grid .card .label").all_inner_texts())
    assert grid_labels == {label.categories[code]}

    info = page.evaluate("fetch('/api/datasets/digits').then((r) => r.json())")
    score = next(f["name"] for f in info["fields"] if f["kind"] == "number" and ":" in f["name"])
    page.select_option("#chart-field", score)
    page.wait_for_selector(f'.chart[data-field="{score}"] .bar')
    values = field_values(explorer_workspace, "digits", score).values.astype(np.float64)
    bins = np.minimum(BINS - 1, np.floor(values * BINS)).astype(int)
    hist = bars(page, score)
    assert hist[:, 0].tolist() == np.bincount(bins, minlength=BINS).tolist()
    in_label = label.values == code
    assert hist[:, 1].tolist() == np.bincount(bins[in_label], minlength=BINS).tolist()

    drag(page, score, 10, 19)  # the upper half of the score's range, within the brushed label
    expected = int((in_label & (bins >= 10)).sum())
    assert 0 < expected < label.counts[code]
    page.wait_for_function(f"window.__embedlab.selection.length === {expected}")
    page.wait_for_function(
        f"document.querySelector('#selection-count').dataset.total === '{expected}'"
    )
    assert page.locator(".chart .bar.brushed").count() == 1 + 10
    assert bars(page, "label")[:, 1].tolist() == [expected] + [0] * 9
    shot(page, "charts-brushed-digits")

    box = canvas_box(page)
    w, h = box["width"], box["height"]
    draw_lasso(
        page, [(0.3 * w, 0.3 * h), (0.7 * w, 0.3 * h), (0.7 * w, 0.7 * h), (0.3 * w, 0.7 * h)]
    )
    page.wait_for_function("document.querySelectorAll('.chart .bar.brushed').length === 0")
    lassoed = np.asarray(page.evaluate("Array.from(window.__embedlab.selection)"), dtype=int)
    assert len(lassoed) > 20
    assert bars(page, "label")[:, 1].sum() == len(lassoed)
    assert bars(page, score)[:, 1].tolist() == np.bincount(bins[lassoed], minlength=BINS).tolist()
    shot(page, "charts-lasso-digits")
