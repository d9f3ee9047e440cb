"""The app on a ratings dataset (real chromium): choosing a user lists their picks and history
and selects both on the item map."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from embedlab.io.sandbox import get_sandbox
from embedlab.pipeline.embed import embed
from embedlab.pipeline.fields import field_values
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.pipeline.recommend import recommend
from embedlab.store.workspace import Workspace
from tests.api.test_browser import browser, open_map, serve, shot  # noqa: F401  (browser: a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def ratings_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    get_sandbox("movielens-100k").fetch()
    ws = Workspace(tmp_path_factory.mktemp("ml-app") / "ws")
    ingest(ws, "ml", "sandbox:movielens-100k")
    embed(ws, "ml", "als", params={"factors": 16, "iterations": 5})
    project_space(ws, "ml", "als", method="pca", dims=2)
    return ws


@pytest.fixture(scope="module")
def server(ratings_workspace: Workspace) -> Iterator[str]:
    with serve(ratings_workspace) as base:
        yield base


def test_choosing_a_user_highlights_picks_and_history(
    browser,  # noqa: F811  (the fixture imported above)
    server: str,
    ratings_workspace: Workspace,
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_map(page, "ml", "als")
    page.fill("#recommend-user", "196")
    page.click("#recommend-form button")
    page.wait_for_function("window.__embedlab.recommendation !== undefined")
    shown = page.evaluate("window.__embedlab.recommendation")
    expected = recommend(ratings_workspace, "ml", "als", "196", k=10)
    assert shown["picks"] == [p.row for p in expected.picks]
    assert sorted(shown["history"]) == sorted(h.row for h in expected.history)
    assert page.locator("#recommendations .card").count() == 10
    assert page.locator("#history .card").count() == 39
    selected = page.evaluate("Array.from(window.__embedlab.scatter.plot.get('selectedPoints'))")
    assert sorted(selected) == sorted(shown["picks"] + shown["history"])
    # the picks and the history are the selection the linked charts count, as a lasso's
    chosen = sorted(shown["picks"] + shown["history"])
    page.wait_for_function(f"window.__embedlab.selection.length === {len(chosen)}")
    assert sorted(page.evaluate("Array.from(window.__embedlab.selection)")) == chosen
    genre = field_values(ratings_workspace, "ml", "genre")
    order = sorted(range(len(genre.categories)), key=lambda code: (-genre.counts[code], code))
    bar_of = np.full(len(order), -1)
    bar_of[order[:40]] = np.arange(min(40, len(order)))  # a bar chart shows the 40 most common
    bars = bar_of[np.asarray(genre.values)[chosen]]
    expected_counts = np.bincount(bars[bars >= 0], minlength=min(40, len(order))).tolist()
    counted = page.evaluate(
        """Array.from(document.querySelectorAll('.chart[data-field="genre"] .bar'),"""
        " (bar) => Number(bar.dataset.selected))"
    )
    assert counted == expected_counts and sum(counted) > 0
    shot(page, "recommend-user-196")
    page.fill("#recommend-user", "nobody")
    page.click("#recommend-form button")
    page.wait_for_function("document.querySelector('#status')?.textContent.includes('No user')")
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
