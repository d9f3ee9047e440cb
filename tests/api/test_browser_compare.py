"""Compare in the browser: the list of the items whose neighbourhoods changed most between two
spaces of digits, one clicked: both maps show it with its lost (left) and gained (right)
neighbours, their cards appear, and it opens on the Map page."""

from __future__ import annotations

import pytest

from tests.api.test_browser import browser, page, server, shot  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SELECTED_JS = """window.__embedlab.compareViews.map(
  (view) => view.plot.get('selectedPoints').slice().sort((a, b) => a - b))"""


def test_most_changed_neighbourhoods_list_links_to_both_maps(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/?dataset=digits&space=pixels-pca#/compare")
    page.wait_for_function("(window.__embedlab.compareViews || []).length === 2")
    # the list needs both spaces' stored graphs: made by the agreement button when missing
    page.wait_for_selector("#changes-hint, #changes-list")
    page.click("#agreement")
    page.wait_for_function("document.querySelector('#status').textContent.includes('Jaccard')")
    page.wait_for_selector("#changes-list li.change")
    entries = page.locator("#changes-list li.change")
    assert entries.count() == 50
    scores = [float(t.split()[-1]) for t in entries.locator(".score").all_inner_texts()]
    assert scores == sorted(scores) and scores[0] < 1.0

    first = entries.nth(0)
    picked_id = first.get_attribute("data-id")
    first.click()
    page.wait_for_selector("#change-details .change-item .card")
    picked = page.evaluate("window.__embedlab.changePicked")
    assert picked["id"] == picked_id
    row = int(first.get_attribute("data-row"))
    left, right = page.evaluate(SELECTED_JS)
    assert left == sorted(picked["left"]) and right == sorted(picked["right"])
    assert row in left and row in right and left != right  # lost neighbours left, gained right
    delta = first.locator(".delta").inner_text()  # "+G −L"
    gained, lost = (int(part[1:]) for part in delta.split())
    assert page.locator("#change-details .change-lost .card").count() == lost == len(left) - 1
    assert page.locator("#change-details .change-gained .card").count() == gained
    assert gained == len(right) - 1 and gained > 0
    assert picked_id in page.locator("#status").inner_text()
    shot(page, "compare-changes-digits")

    page.click("#open-on-map")
    page.wait_for_function(
        "window.__embedlab.page === 'map' && !!document.querySelector('#item-title')"
    )
    assert page.locator("#item-title").inner_text() == f"Item {picked_id}"
    assert row in page.evaluate("window.__embedlab.scatter.plot.get('selectedPoints')")
