"""Views as URLs in the browser: a URL naming dataset, space, map, colour, selection and grid
page opens on exactly that view (and a tag in the URL selects the tag's items); a change of the
view rewrites the URL; a selection made on the map becomes a new dataset."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from embedlab.pipeline.annotate import tag_items
from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.store.workspace import Workspace
from tests.api.test_browser import browser, drag_box, page, serve, shot  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """digits (1,797 images): a 'pca' space with a PCA and a t-SNE map, and a tag of the
    first 25 zeros."""
    ws = Workspace(tmp_path_factory.mktemp("views") / "ws")
    ingest(ws, "digits", "sandbox:digits")
    embed(ws, "digits", "pca", params={"n_components": 16})
    project_space(ws, "digits", "pca", method="pca", dims=2)
    project_space(ws, "digits", "pca", method="tsne", dims=2)
    labels = ws.dataset("digits").column("label")
    zeros = [
        i for i, label in zip(ws.dataset("digits").ids(), labels, strict=True) if str(label) == "0"
    ]
    tag_items(ws, "digits", "zeros", zeros[:25])
    return ws


@pytest.fixture(scope="module")
def server(workspace: Workspace) -> Iterator[str]:
    with serve(workspace) as base:
        yield base


def ready(tab) -> None:  # type: ignore[no-untyped-def]
    tab.wait_for_function("window.__embedlab && window.__embedlab.mapReady === true")


def query(tab) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[0] for k, v in parse_qs(urlparse(tab.url).query).items()}


def test_a_url_with_a_view_in_it_is_restored(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rows = [*range(100, 180), 5, 7]  # 82 items: the second page of 60 holds 22
    view = "dataset=digits&space=pca&map=tsne-2d&colour=label&sel=100-179_5_7&offset=60"
    page.goto(f"/?{view}#/map")
    ready(page)
    assert page.locator("#projection").input_value() == "tsne-2d"
    assert page.locator("#colour").input_value() == "label"
    assert page.locator("#selection-count").get_attribute("data-total") == str(len(rows))
    assert page.evaluate("Array.from(window.__embedlab.selection)") == sorted(rows)
    selected = page.evaluate("window.__embedlab.scatter.plot.get('selectedPoints').length")
    assert selected == len(rows), "the map shows the selection too"
    assert page.locator("#grid .card").count() == len(rows) - 60, "the second page"
    assert "61–82 of 82" in page.locator(".pager").inner_text()
    assert query(page)["sel"] == "5_7_100-179" and query(page)["offset"] == "60"
    shot(page, "view-restored-from-url")
    # changing the view rewrites the URL (replaceState: no new history entry)
    length = page.evaluate("history.length")
    page.select_option("#projection", "pca-2d")
    page.click("#prev-page")
    page.wait_for_function("!location.search.includes('offset=')")
    assert query(page)["map"] == "pca-2d" and page.evaluate("history.length") == length
    page.reload()
    ready(page)
    assert page.locator("#projection").input_value() == "pca-2d"
    assert page.locator("#selection-count").get_attribute("data-total") == str(len(rows))


def test_a_tag_in_the_url_selects_its_items(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/?dataset=digits&space=pca&tag=zeros#/map")
    ready(page)
    assert page.locator("#selection-count").get_attribute("data-total") == "25"
    counts = page.locator(".counts li").all_inner_texts()
    assert counts == ["0\n25"] or [" ".join(c.split()) for c in counts] == ["0 25"]
    assert query(page)["tag"] == "zeros" and "sel" not in query(page)


def test_a_selection_becomes_a_new_dataset(page, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/?dataset=digits&space=pca&map=pca-2d#/map")
    ready(page)
    drag_box(page, 0.3, 0.6)
    total = int(page.locator("#selection-count").get_attribute("data-total"))
    selection = page.evaluate("Array.from(window.__embedlab.selection)")
    assert 0 < total == len(selection) < 1797
    assert query(page)["sel"], "the selection is in the URL"
    page.fill("#subset-name", "boxed")
    page.click("#make-subset")
    page.wait_for_function("window.__embedlab.subset !== undefined")
    assert page.evaluate("window.__embedlab.subset.n_items") == total
    assert "Dataset 'boxed' made" in page.locator("#status").inner_text()
    assert page.locator("#dataset option[value=boxed]").count() == 1
    made = workspace.dataset("boxed")
    all_ids = workspace.dataset("digits").ids()
    assert made.ids() == [all_ids[row] for row in sorted(selection)]
    assert made.meta["subset_of"]["dataset"] == "digits"
    shot(page, "selection-made-a-dataset")
    page.click("#make-subset")  # the same name again: refused, shown, nothing replaced
    page.wait_for_function("document.querySelector('#status').className === 'error'")
    assert "exists already" in page.locator("#status").inner_text()
