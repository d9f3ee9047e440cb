"""Cross-filtering on the explorer benchmark's map (benchmarks/explorer.py): brushes in two
linked charts at N points, timed on the page's clock. Per step: the charts' own work
(`window.__embedlab.filterMs`: every chart's counts, its bars, the map's new colours) and, where
items pass, the time from the pointer's release to the grid of them shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _common import fmt, print_table

ARM_JS = """() => {
  const bench = window.__bench;
  bench.brushAt = null;
  window.__embedlab.filterMs = null;
  window.addEventListener('pointerup', () => { bench.brushAt = performance.now(); },
    { capture: true, once: true });
}"""
SHOWN_JS = (
    "window.__embedlab.filterMs !== null && (window.__embedlab.selection.length === 0"
    " || window.__embedlab.gridShownAt > window.__bench.brushAt)"
)


def _step(page: Any, name: str, act: Any) -> dict[str, Any]:
    page.evaluate(ARM_JS)
    act()
    page.wait_for_function(SHOWN_JS, timeout=120_000)
    found = page.evaluate(
        "({ filterMs: window.__embedlab.filterMs, at: window.__bench.brushAt,"
        " shown: window.__embedlab.gridShownAt, selected: window.__embedlab.selection.length })"
    )
    to_grid = (found["shown"] - found["at"]) / 1000 if found["selected"] and found["at"] else None
    return {"step": name, "filter_ms": found["filterMs"], "to_grid_s": to_grid, **found}


def _drag(page: Any, chart: str, first: int, last: int) -> None:
    box = page.locator(f'.chart[data-field="{chart}"]')
    a = box.locator(f'.bar[data-bar="{first}"]').bounding_box()
    b = box.locator(f'.bar[data-bar="{last}"]').bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] - 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] - 2, steps=4)
    page.mouse.up()


def measure_brushes(
    page: Any, label: str, numeric: str, shot: Path | None = None
) -> list[dict[str, Any]]:
    """Clear the lasso, brush the label's first 5 bars, chart `numeric` and brush its lower
    half (screenshot to `shot`, after the map has drawn), then clear both brushes; brush both
    again and clear both at once with Escape; each step timed."""
    page.evaluate("document.querySelector('#charts').scrollIntoView()")
    steps = [
        _step(
            page,
            "lasso cleared",
            lambda: page.evaluate("window.__embedlab.charts.setLasso(new Uint32Array(0))"),
        )
    ]
    steps.append(_step(page, f"brush {label} bars 0-4", lambda: _drag(page, label, 0, 4)))
    page.select_option("#chart-field", numeric)
    page.wait_for_selector(f'.chart[data-field="{numeric}"] .bar')
    steps.append(_step(page, f"+ brush {numeric} bins 0-9", lambda: _drag(page, numeric, 0, 9)))
    if shot:
        page.evaluate("window.__embedlab.scatter.settled()")
        page.wait_for_timeout(3000)  # a few frames of drawing 1M points in software
        page.screenshot(path=str(shot))
    for name in (numeric, label):
        reset = page.locator(f'.chart[data-field="{name}"] .reset')
        steps.append(_step(page, f"clear {name}", reset.click))
    steps.append(_step(page, f"brush {label} bars 0-4", lambda: _drag(page, label, 0, 4)))
    steps.append(_step(page, f"+ brush {numeric} bins 0-9", lambda: _drag(page, numeric, 0, 9)))
    steps.append(_step(page, "Escape clears both", lambda: page.keyboard.press("Escape")))
    return steps


def report_brushes(runs: list[list[dict[str, Any]]]) -> None:
    rows = [
        [
            f"run {i + 1}",
            s["step"],
            f"{s['selected']:,}",
            fmt(s["filter_ms"], 0),
            "-" if s["to_grid_s"] is None else fmt(s["to_grid_s"]),
        ]
        for i, steps in enumerate(runs)
        for s in steps
    ]
    print_table(
        "Cross-filter: brushes in two linked charts",
        ["", "step", "items shown", "charts + map ms", "release->grid s"],
        rows,
        "charts + map: every chart's counts, its bars and the map's colours (filterMs)",
    )
