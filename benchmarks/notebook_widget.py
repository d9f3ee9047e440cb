"""The notebook widget's drawing at N points in headless chromium (Debian's, software rendering,
the browser tests' flags): its ES module (shipped in the package) rendered with the stand-in
for JupyterLab's widget model that tests/notebook/test_widget.py uses, on N seeded random
points of 10 categories made in the page. Per N: the first frame (render -> two animation
frames), and the redraw after a selection of 1,000 items set from Python (model.set -> two
frames). No peer: no other notebook map widget is installed here; figures are not ratios.

    PYTHONPATH=src:. .venv/bin/python benchmarks/notebook_widget.py 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import shutil
from importlib.resources import files

from playwright.sync_api import sync_playwright
from tests.api.test_browser import CHROMIUM_ARGS
from tests.notebook.test_widget import PAGE

MEASURE_JS = """async (n) => {
  const coords = new Float32Array(2 * n), codes = new Float32Array(n);
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < n; i++) {
    coords[2 * i] = random() * 1.9 - 0.95;
    coords[2 * i + 1] = random() * 1.9 - 0.95;
    codes[i] = i % 10;
  }
  const state = { coords: new DataView(coords.buffer), colour_values: new DataView(codes.buffer),
    colour_kind: 'category', categories: [...'0123456789'], selected_rows: [], title: 'bench',
    ids: Array.from({ length: n }, (_, i) => `${i}`), height: 480 };
  const frame = () => new Promise((done) => requestAnimationFrame(done));
  const frames = () => frame().then(frame);
  let start = performance.now();
  window.__mount(state, {});
  await frames();
  const first = performance.now() - start;
  start = performance.now();
  window.__model.set('selected_rows', Array.from({ length: 1000 }, (_, i) => i * 7));
  await frames();
  return [first, performance.now() - start];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    esm = files("embedlab.notebook").joinpath("map_widget.js").read_text(encoding="utf-8")
    pages = {"/": ("text/html", PAGE % ""), "/map_widget.js": ("text/javascript", esm)}

    def serve(route) -> None:  # type: ignore[no-untyped-def]
        kind, body = pages[route.request.url.removeprefix("http://widget.test")]
        route.fulfill(status=200, content_type=kind, body=body)

    with sync_playwright() as playwright:
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for n in args.sizes:
            page = browser.new_page(viewport={"width": 800, "height": 700})
            page.route("http://widget.test/**", serve)
            page.goto("http://widget.test/")
            page.wait_for_function("window.__ready === true")
            first, selection = page.evaluate(MEASURE_JS, n)
            shown = f"first frame {first:6.0f} ms, redraw after a selection {selection:6.0f} ms"
            print(f"{n:>10,} points: {shown}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
