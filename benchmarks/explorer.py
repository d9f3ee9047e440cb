"""Explorer speed: the embedlab web app on a 1,000,000-point map in headless chromium (software
rendering), with Embedding Atlas on the same points where it renders.

Builds once (cached under --cache, default benchmarks/.cache/explorer) a workspace with N seeded,
clustered items (id, label of 20 clusters, a short text, 12 numeric columns) through embedlab's
own pipeline: parquet -> `ingest` -> `embed` (method `pca`, 8 components, numeric columns) ->
`project_space(method="pca")` (a UMAP of 1M points on 2 cores would take far too long for a
benchmark; PCA gives the same number of points to draw). The build runs in its own process, so
its memory is its own; each step's wall time is reported (from the cache on later runs).

Then it serves the workspace with `create_app` in uvicorn (a thread, as the browser tests do) and
drives Debian's chromium through Playwright with software WebGL (SwiftShader, the browser tests'
flags). For each of --repeats fresh page loads it measures:
- first frame: navigation start -> `window.__embedlab.mapReady`, then one requestAnimationFrame
  (so a frame with the map was presented), on the page's own clock; the app's `firstFrameMs`
  (from the start of the map page's render) too, and whether the canvas shows points (pixels);
- lasso-to-grid: a mouse lasso (page.mouse) around ~100,000 points; from `mouseup` (recorded in
  the page by a capturing listener) to `window.__embedlab.gridShownAt`, split into the lasso's
  selection in the browser (regl-scatterplot's 'select') and the request + grid render; and the
  animation frames while the lasso is drawn (how smooth the map stays at N points);
- where the first frame's time goes: requests (resource timing) and drawing, per run;
- bytes of the projection and colour-field responses (resource timing), the browser's JS heap
  (CDP) and the peak memory (PSS) of the chromium process tree and of this process (the server).
Run 1 meets a cold server (its item index of 1M ids/texts is built on the first selection).

Embedding Atlas (`embedding-atlas` package, installed with `--no-deps` into its own venv under
--cache, so no torch is pulled in: with x/y given it computes no embeddings) is started on a
parquet of the same coordinates, opened in the same chromium (the same flags), then in chromium
with WebGPU on SwiftShader's Vulkan enabled; screenshots (test-output/screenshots/explorer-*.png)
say what is drawn. (Atlas 0.26 draws its map with WebGPU only and asks the adapter for
`shader-f16`, which SwiftShader lacks: expect a blank map and its "WebGPU is unavailable" note.)

    /usr/bin/time -v .venv/bin/python benchmarks/explorer.py            # 1,000,000 points
    .venv/bin/python benchmarks/explorer.py --n 50000 --repeats 1       # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from _common import current_rss_mib, fmt, machine_summary, peak_rss_mib, print_table, versions
from _crossfilter import measure_brushes, report_brushes

ROOT = Path(__file__).resolve().parent.parent
DATASET = "points"
SPACE = "pca"
N_NUMERIC = 12
N_COMPONENTS = 8
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
WEBGPU_ARGS = [
    "--enable-unsafe-webgpu",
    "--enable-features=Vulkan,WebGPU",
    "--use-vulkan=swiftshader",
    "--use-webgpu-adapter=swiftshader",
]
VIEWPORT = {"width": 1400, "height": 900}
NO_WEBGPU_NOTES = ("WebGPU is unavailable", "WebGPU is not available", "Could not get a WebGPU")
TARGET_FIRST_FRAME_S = 5.0
TARGET_LASSO_S = 0.2
TARGET_CAMERA_P90_MS = 50.0
GERUNDS = {"pan": "panning", "zoom": "zooming"}
TARGET_FIRST_FRAME_WARM_S = 3.0
WORDS = (
    "amber basil cedar delta ember fjord glade harbor iris juniper kestrel lagoon meadow nectar "
    "onyx prairie quartz raven saffron tundra umber violet willow xenon yarrow zephyr"
).split()

# embedlab pages: the first animation frame after mapReady, and the frame after it (presented).
FRAME_JS = """(() => {
  const bench = (window.__bench = { readyAt: null, frameAt: null });
  const tick = () => {
    if (window.__embedlab && window.__embedlab.mapReady === true) {
      bench.readyAt = performance.now();
      requestAnimationFrame(() => { bench.frameAt = performance.now(); });
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""

# Embedding Atlas pages (WebGPU): when work is sent to the GPU.
GPU_JS = """(() => {
  const bench = (window.__bench = { submits: [] });
  if (typeof GPUQueue !== 'undefined') {
    const submit = GPUQueue.prototype.submit;
    GPUQueue.prototype.submit = function (buffers) {
      if (bench.submits.length < 5000) bench.submits.push(performance.now());
      return submit.call(this, buffers);
    };
  }
})();"""

# A regular 16-gon around the canvas centre holding `target` points: each point's gauge (the
# smallest circumradius whose polygon holds it), sorted; the target-th gauge is the radius.
POLYGON_JS = """(target) => {
  const view = window.__embedlab.scatter, n = view.count, sides = 16;
  const rect = view.canvas.getBoundingClientRect();
  const cx = rect.width / 2, cy = rect.height / 2, apothem = Math.cos(Math.PI / sides);
  const gauge = new Float32Array(n);
  const nx = [], ny = [];
  for (let k = 0; k < sides; k++) {
    const a = (2 * Math.PI * (k + 0.5)) / sides;
    nx.push(Math.cos(a)); ny.push(Math.sin(a));
  }
  for (let i = 0; i < n; i++) {
    const [x, y] = view.screenPosition(i);
    let g = 0;
    for (let k = 0; k < sides; k++) g = Math.max(g, (x - cx) * nx[k] + (y - cy) * ny[k]);
    gauge[i] = g / apothem;
  }
  const sorted = gauge.slice().sort();
  const radius = sorted[Math.min(target, n) - 1] + 0.5;
  let inside = 0;
  for (let i = 0; i < n; i++) if (gauge[i] <= radius) inside++;
  const polygon = [];
  for (let k = 0; k < sides; k++) {
    const a = (2 * Math.PI * k) / sides;
    polygon.push([cx + radius * Math.cos(a), cy + radius * Math.sin(a)]);
  }
  return { polygon, expected: inside, radius, width: rect.width, height: rect.height };
}"""

# While the lasso is drawn: the time of every animation frame (how smooth the map stays).
RECORD_FRAMES_JS = """() => {
  const bench = window.__bench;
  bench.frames = []; bench.recording = true;
  const record = (t) => {
    if (bench.recording) { bench.frames.push(t); requestAnimationFrame(record); }
  };
  requestAnimationFrame(record);
}"""

ARM_LASSO_JS = """() => {
  const bench = window.__bench;
  bench.recording = false; bench.mouseUpAt = null; bench.selectAt = null;
  window.addEventListener('mouseup', () => { bench.mouseUpAt = performance.now(); },
    { capture: true, once: true });
  window.__embedlab.scatter.plot.subscribe('select', () => {
    if (bench.selectAt === null && bench.mouseUpAt !== null) bench.selectAt = performance.now();
  });
}"""

# While the camera moves: every animation frame, and every frame the scatter presented (its
# synchronous 'drawing' event) with the points WebGL drew in it: every point when the level of
# detail let it draw (its `rendered` count went up), none when it only moved the last frame's
# snapshot (a CSS transform).
CAMERA_FRAMES_JS = """(lod) => {
  const view = window.__embedlab.scatter;
  view.lod.stats.enabled = lod;  // off: every point drawn while moving, as before
  const bench = window.__bench;
  bench.camera = { frames: [], drawn: [], points: [], on: true, rendered: view.lod.stats.rendered };
  const record = (t) => {
    if (bench.camera.on) { bench.camera.frames.push(t); requestAnimationFrame(record); }
  };
  requestAnimationFrame(record);
  if (!bench.cameraSubscribed) {
    bench.cameraSubscribed = true;
    view.plot.subscribe('drawing', () => {
      if (!bench.camera.on) return;
      const rendered = view.lod.stats.rendered;
      bench.camera.drawn.push(performance.now());
      bench.camera.points.push(rendered > bench.camera.rendered ? view.count : 0);
      bench.camera.rendered = rendered;
    });
  }
}"""

RESOURCES_JS = """() => performance.getEntriesByType('resource').map((e) => ({
  name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize,
  start: e.startTime, duration: e.duration }))"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="items (points on the map)")
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache" / "explorer")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lasso", type=int, default=100_000, help="points inside the lasso")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shots", type=Path, default=ROOT / "test-output" / "screenshots")
    parser.add_argument("--atlas-venv", type=Path, help="default: CACHE/../atlas-venv")
    parser.add_argument("--no-atlas", action="store_true", help="skip Embedding Atlas")
    parser.add_argument("--atlas-timeout", type=float, default=120.0)
    parser.add_argument(
        "--no-compare", action="store_true", help="skip panning and zooming without the LOD"
    )
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- build (in its own process) -------------------------------------------------------------


def synthetic_table(n: int, clusters: int, seed: int) -> Any:
    """N items in `clusters` Gaussian clusters of N_NUMERIC features, with a label and a text."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(clusters, N_NUMERIC))
    spreads = rng.uniform(0.5, 2.0, size=clusters)
    label = rng.integers(0, clusters, size=n)
    values = centres[label] + rng.normal(size=(n, N_NUMERIC)) * spreads[label, None]
    words = np.asarray(WORDS)
    first, second = words[rng.integers(0, len(words), n)], words[rng.integers(0, len(words), n)]
    columns: dict[str, Any] = {
        "id": [f"item-{i:07d}" for i in range(n)],
        "label": [f"cluster-{c:02d}" for c in label],
        "text": [f"{a} {b} no. {i}" for i, (a, b) in enumerate(zip(first, second, strict=True))],
    }
    for j in range(N_NUMERIC):
        columns[f"f{j:02d}"] = values[:, j].astype(np.float32)
    return pa.table(columns)


def build(args: argparse.Namespace) -> dict[str, Any]:
    """Make the workspace (each step timed) and the Atlas parquet; reuse them when present."""
    import pyarrow.parquet as pq

    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ingest import ingest
    from embedlab.pipeline.project import project_space
    from embedlab.store.workspace import Workspace

    cache = cache_dir(args)
    done = cache / "build.json"
    if done.is_file():
        return {**json.loads(done.read_text()), "cached": True}
    cache.mkdir(parents=True, exist_ok=True)
    steps: dict[str, float] = {}
    source = cache / "items.parquet"
    with timed(steps, "generate parquet"):
        pq.write_table(synthetic_table(args.n, args.clusters, args.seed), source)
    workspace = Workspace(cache / "workspace")
    with timed(steps, "ingest"):
        ingest(workspace, DATASET, source, text="text", label="label", id="id")
    with timed(steps, f"embed (pca, {N_COMPONENTS} of {N_NUMERIC} numeric columns)"):
        embed(workspace, DATASET, "pca", space=SPACE, params={"n_components": N_COMPONENTS})
    with timed(steps, "project (pca, 2-D)"):
        coords = project_space(workspace, DATASET, SPACE, method="pca", dims=2).coords
    with timed(steps, "atlas parquet (x, y)"):
        table = pq.read_table(source, columns=["id", "label", "text"])
        table = table.append_column("x", [coords[:, 0]]).append_column("y", [coords[:, 1]])
        pq.write_table(table, cache / "atlas.parquet")
    result = {"n": args.n, "steps": steps, "build_peak_rss_mib": round(peak_rss_mib(), 1)}
    done.write_text(json.dumps(result, indent=2))
    return {**result, "cached": False}


@contextmanager
def timed(into: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    into[name] = time.perf_counter() - start
    print(f"  built: {name} in {into[name]:.1f} s", flush=True)


def cache_dir(args: argparse.Namespace) -> Path:
    return args.cache / f"n{args.n}-c{args.clusters}-s{args.seed}"


def run_build(args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--build-only", "--n", str(args.n), "--cache"]
    command += [str(args.cache), "--clusters", str(args.clusters), "--seed", str(args.seed)]
    if subprocess.run(command, check=False).returncode != 0:
        raise SystemExit("The build failed.")
    return json.loads((cache_dir(args) / "build.json").read_text())


# --- memory of processes --------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        kids = tree.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _mib(pid: int, path: str, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _is_chromium(pid: int) -> bool:
    try:
        return "chromium" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return False


class MemorySampler:
    """Peaks (MiB) of this process's RSS, the chromium tree's PSS and other watched trees'."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self.watched: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        kids = descendants(os.getpid())
        chromium = [p for p in kids if _is_chromium(p)]
        now = {
            "server (this process) RSS": current_rss_mib(),
            "chromium tree PSS": sum(_mib(p, "smaps_rollup", "Pss:") for p in chromium),
            "chromium largest process RSS": max(
                (_mib(p, "status", "VmRSS:") for p in chromium), default=0.0
            ),
        }
        for name, pid in self.watched.items():
            tree = [pid, *descendants(pid)]
            now[f"{name} RSS"] = sum(_mib(p, "status", "VmRSS:") for p in tree)
        for key, value in now.items():
            self.peaks[key] = max(self.peaks.get(key, 0.0), value)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def embedlab_server(workspace: Path) -> Iterator[str]:
    import uvicorn

    from embedlab.api import create_app

    port = free_port()
    config = uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise SystemExit("The embedlab server did not start.")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_http(url: str, timeout: float, process: subprocess.Popen[bytes]) -> float:
    """Seconds until `url` answers 200 (the process must stay alive)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"no answer from {url} in {timeout:.0f} s")


# --- pages ----------------------------------------------------------------------------------


def drawn_fraction(png: bytes) -> float:
    """Share of the image's pixels that differ from its border's most common colour."""
    import io

    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    border = np.concatenate([pixels[:3].reshape(-1, 3), pixels[-3:].reshape(-1, 3)])
    colours, counts = np.unique(border, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    return float((np.abs(pixels - background).sum(axis=2) > 40).mean())


def largest_canvas(page: Any) -> dict[str, float] | None:
    return page.evaluate(
        """() => { let best = null;
          for (const c of document.querySelectorAll('canvas')) {
            const r = c.getBoundingClientRect();
            if (!best || r.width * r.height > best.width * best.height)
              best = { x: r.x, y: r.y, width: r.width, height: r.height };
          }
          return best && best.width * best.height > 0 ? best : null; }"""
    )


def js_heap_mib(page: Any) -> float:
    session = page.context.new_cdp_session(page)
    session.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    session.detach()
    return float(metrics.get("JSHeapUsedSize", 0.0)) / 2**20


def measure_embedlab_load(page: Any, base: str) -> dict[str, Any]:
    """Navigate to the map; first-frame figures on the page's clock (0 = navigation start)."""
    page.goto(f"{base}/?dataset={DATASET}&space={SPACE}#/map", wait_until="commit")
    page.wait_for_function("window.__bench && window.__bench.frameAt !== null", timeout=300_000)
    bench = page.evaluate("window.__bench")
    box = largest_canvas(page)
    shot = page.screenshot(clip=box) if box else b""
    return {
        "ready_s": bench["readyAt"] / 1000,
        "frame_s": bench["frameAt"] / 1000,
        "app_first_frame_s": page.evaluate("window.__embedlab.firstFrameMs") / 1000,
        "count": page.evaluate("window.__embedlab.scatter.count"),
        "drawn": drawn_fraction(shot) if shot else 0.0,
        "resources": page.evaluate(RESOURCES_JS),
        "js_heap_mib": js_heap_mib(page),
    }


def draw_lasso(page: Any, polygon: list[list[float]], steps: int = 8) -> dict[str, float]:
    """Press, move along `polygon` (`steps` moves an edge), arm the timers, release; how long
    the moves took and the animation frames meanwhile."""
    box = page.locator("#map canvas.scatter").bounding_box()
    page.mouse.move(box["x"] + polygon[0][0], box["y"] + polygon[0][1])
    page.evaluate(RECORD_FRAMES_JS)
    start = time.perf_counter()
    page.mouse.down()
    for x, y in [*polygon[1:], polygon[0]]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=steps)
    drawing = time.perf_counter() - start
    page.evaluate(ARM_LASSO_JS)
    page.mouse.up()
    frames = np.diff(np.asarray(page.evaluate("window.__bench.frames"), dtype=float))
    return {
        "drawing_s": drawing,
        "moves": len(polygon) * steps,
        "frames": len(frames),
        "median_frame_ms": float(np.median(frames)) if len(frames) else float("nan"),
        "max_frame_ms": float(frames.max()) if len(frames) else float("nan"),
    }


def measure_lasso(page: Any, polygon: list[list[float]]) -> dict[str, Any]:
    """Lasso with the mouse; mouseup -> selection -> grid shown, on the page's clock."""
    drawing = draw_lasso(page, polygon)
    page.wait_for_function(
        "window.__bench.mouseUpAt !== null"
        " && window.__embedlab.gridShownAt > window.__bench.mouseUpAt",
        timeout=120_000,
    )
    bench = page.evaluate("window.__bench")
    app = page.evaluate(
        "({ shown: window.__embedlab.gridShownAt, gridMs: window.__embedlab.gridMs, "
        "selected: window.__embedlab.selection.length })"
    )
    total = int(page.locator("#selection-count").get_attribute("data-total"))
    cards = page.locator("#grid .card").count()
    return {
        "lasso_s": (app["shown"] - bench["mouseUpAt"]) / 1000,
        "select_s": ((bench["selectAt"] or app["shown"]) - bench["mouseUpAt"]) / 1000,
        "request_render_s": app["gridMs"] / 1000,
        "selected": app["selected"],
        "grid_total": total,
        "cards": cards,
        "js_heap_mib": js_heap_mib(page),
        **drawing,
    }


def camera_gesture(page: Any, gesture: str, lod: bool) -> dict[str, Any]:
    """Drag across the map (pan) or wheel-zoom in and out over it, with the level of detail on
    or off; the animation frames and the scatter's drawn frames meanwhile, then the time from
    the last input to every point drawn again."""
    page.click("button[data-mode=panZoom]")
    box = page.locator("#map canvas.scatter").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    settled = page.evaluate("window.__embedlab.scatter.lod.stats.settled")
    page.evaluate(CAMERA_FRAMES_JS, lod)
    start = time.perf_counter()
    if gesture == "pan":
        page.mouse.down()
        for step in range(1, 41):  # out and back: 40 moves of 10 px
            page.mouse.move(cx + 10 * (step if step <= 20 else 40 - step), cy + 4 * step)
        page.mouse.up()
    else:
        for step in range(24):  # in, then out again
            page.mouse.wheel(0, -100 if step < 12 else 100)
    gesture_s = time.perf_counter() - start
    page.evaluate("window.__bench.lastInputAt = performance.now()")
    if lod:
        page.wait_for_function(
            f"(() => {{ const s = window.__embedlab.scatter.lod.stats;"
            f" return !s.moving && s.settled > {settled} && s.settled === s.engaged; }})()",
            timeout=120_000,
        )
    page.evaluate(
        "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame("
        "() => requestAnimationFrame(done))))"
    )
    camera = page.evaluate("window.__bench.camera.on = false, window.__bench.camera")
    last_input = page.evaluate("window.__bench.lastInputAt")
    frames = np.asarray(camera["frames"], dtype=float)
    drawn = np.asarray(camera["drawn"], dtype=float)
    points = np.asarray(camera["points"], dtype=float)
    during = frames[frames <= last_input]
    moving = drawn <= last_input
    full = drawn[~moving & (points > 0)]  # WebGL frames (every point) after the last input
    # on screen: the second animation frame after the last of them (the browser starts a frame
    # once the one before is done, so software WebGL's rasterising is inside this figure)
    shown = frames[frames > full[-1]] if len(full) else frames[:0]
    return {
        "gesture_s": gesture_s,
        "frames": len(during) - 1,
        "p90_frame_ms": percentile(np.diff(during), 90),
        "median_frame_ms": percentile(np.diff(during), 50),
        "drawn_frames": int(moving.sum()),
        "webgl_frames": int((moving & (points > 0)).sum()),
        "p90_drawn_ms": percentile(np.diff(drawn[moving]), 90),
        "points_while_moving": float(np.median(points[moving])) if moving.any() else 0,
        "full_redraw_after_s": float((shown[1] - last_input) / 1000) if len(shown) > 1 else None,
    }


def percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def measure_camera(page: Any, compare: bool) -> dict[str, Any]:
    """Pan and zoom with the level of detail; without it too when `compare` (the old way)."""
    found = {f"{g} lod": camera_gesture(page, g, lod=True) for g in ("pan", "zoom")}
    if compare:
        found |= {f"{g} all points": camera_gesture(page, g, lod=False) for g in ("pan", "zoom")}
    page.evaluate("window.__embedlab.scatter.lod.stats.enabled = true")
    return found


def run_embedlab(browser: Any, base: str, args: argparse.Namespace) -> dict[str, Any]:
    loads, lassos, plan = [], [], None
    for run in range(args.repeats):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(FRAME_JS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, into=errors: into.append(str(error)))
        load = measure_embedlab_load(page, base)
        print(f"  embedlab run {run + 1}: first frame {load['frame_s']:.2f} s", flush=True)
        if plan is None:
            args.shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.shots / "explorer-embedlab-map.png"))
            plan = page.evaluate(POLYGON_JS, args.lasso)
        lasso = measure_lasso(page, plan["polygon"])
        print(f"  embedlab run {run + 1}: lasso-to-grid {lasso['lasso_s']:.2f} s", flush=True)
        if run == 0:
            page.screenshot(path=str(args.shots / "explorer-embedlab-lasso.png"))
        camera = measure_camera(page, compare=run == 0 and not args.no_compare)
        print(f"  embedlab run {run + 1}: camera {short_camera(camera)}", flush=True)
        shot = args.shots / "explorer-embedlab-brushes.png" if run == 0 else None
        brushes = measure_brushes(page, "label", "f00", shot)
        loads.append(load)
        lassos.append({**lasso, "camera": camera, "brushes": brushes, "errors": errors})
        context.close()
    return {"loads": loads, "lassos": lassos, "plan": plan}


def short_camera(camera: dict[str, Any]) -> str:
    return "; ".join(f"{name} p90 {c['p90_frame_ms']:.0f} ms" for name, c in camera.items())


# --- Embedding Atlas ------------------------------------------------------------------------


def atlas_venv(args: argparse.Namespace) -> Path:
    return args.atlas_venv or args.cache.parent / "atlas-venv"


def install_atlas(venv: Path) -> str:
    """embedding-atlas without its model dependencies (torch, sentence-transformers, umap):
    with x/y columns given it computes no embedding, so the CLI and server need only these."""
    exe = venv / "bin" / "embedding-atlas"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q"]
        subprocess.run([*pip, "--no-deps", "embedding-atlas"], check=True)
        light = "click inquirer numpy pandas>=3 uvicorn>=0.40 duckdb>=1.5 fastapi>=0.120 "
        light += "narwhals>=2 pyarrow>=24 platformdirs tqdm uvloop websockets>=16 cryptography>=48"
        subprocess.run([*pip, *light.split()], check=True)
    found = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import embedding_atlas; print(embedding_atlas.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


def watch_atlas_page(page: Any, url: str, timeout: float) -> dict[str, Any]:
    """Load Atlas; poll its largest canvas until points show, it reports no WebGPU, or time
    runs out. Times on the page's clock (0 = navigation start); `drawn_s` is the poll that
    first saw points (an upper bound), `last_submit_s` the last WebGPU submit before it."""
    page.goto(url, wait_until="commit")
    start, result = time.perf_counter(), {"drawn_s": None, "drawn": 0.0, "message": None}
    while time.perf_counter() - start < timeout:
        text = page.evaluate("document.body ? document.body.innerText : ''")
        if any(note in text for note in NO_WEBGPU_NOTES):
            result["message"] = next(line for line in text.splitlines() if "WebGPU" in line).strip()
            break
        box = largest_canvas(page)
        if box and box["width"] > 300:
            result["drawn"] = drawn_fraction(page.screenshot(clip=box))
            if result["drawn"] > 0.01:
                result["drawn_s"] = page.evaluate("performance.now()") / 1000
                break
        time.sleep(0.1)
    submits = page.evaluate("window.__bench ? window.__bench.submits : []")
    before = [t for t in submits if result["drawn_s"] is None or t / 1000 <= result["drawn_s"]]
    result["last_submit_s"] = before[-1] / 1000 if before else None
    result["gpu_submits"] = len(submits)
    result["webgpu_adapter"] = page.evaluate(
        "async () => !!(navigator.gpu && await navigator.gpu.requestAdapter())"
    )
    result["js_heap_mib"] = js_heap_mib(page)
    return result


def run_atlas_pages(
    browser: Any, url: str, repeats: int, timeout: float, shot: Path
) -> list[dict[str, Any]]:
    runs = []
    for run in range(repeats):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(GPU_JS)
        page = context.new_page()
        console: list[str] = []
        page.on(
            "console",
            lambda m, into=console: into.append(f"{m.type}: {m.text[:200]} ({m.location['url']})"),
        )
        result = watch_atlas_page(page, url, timeout)
        if run == 0:
            time.sleep(1.0)  # let it settle, then show what is on screen
            page.screenshot(path=str(shot))
        result["console"] = [m for m in console if "error" in m or "WebGPU" in m][:8]
        runs.append(result)
        print(f"  atlas run {run + 1}: {short_atlas(result)}", flush=True)
        context.close()
        if result["drawn_s"] is None:
            break  # it does not render here: one run says so
    return runs


def short_atlas(result: dict[str, Any]) -> str:
    if result["drawn_s"] is not None:
        return f"points drawn by {result['drawn_s']:.2f} s ({result['drawn']:.1%} of the canvas)"
    return f"nothing drawn ({result['message'] or 'timed out'}, canvas {result['drawn']:.1%})"


# --- report ---------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def report_build(build_info: dict[str, Any]) -> None:
    rows = [[name, fmt(seconds, 1)] for name, seconds in build_info["steps"].items()]
    rows.append(["total", fmt(sum(build_info["steps"].values()), 1)])
    cached = " (cached: figures from the run that built it)" if build_info.get("cached") else ""
    print_table(
        f"Build of {build_info['n']:,} items{cached}",
        ["step", "seconds"],
        rows,
        f"build process peak RSS {build_info['build_peak_rss_mib']:,.0f} MiB",
    )


def load_phases(load: dict[str, Any]) -> dict[str, float]:
    """Where the first frame's time goes (seconds), from resource timing and the page's clock."""

    def calls(part: str) -> list[dict[str, Any]]:
        return [r for r in load["resources"] if part in r["name"]]

    projection = calls("/projection")[0]
    fields = calls("/fields/")
    fields_start = min(r["start"] for r in fields) if fields else projection["start"]
    fields_end = max(r["start"] + r["duration"] for r in fields) if fields else fields_start
    projection_end = projection["start"] + projection["duration"]
    return {
        "page, /api/datasets, dataset info": projection["start"] / 1000,
        "projection request": projection["duration"] / 1000,
        "scatter set-up": (fields_start - projection_end) / 1000,
        "colour field requests": (fields_end - fields_start) / 1000,
        "draw (regl-scatterplot) to mapReady": load["ready_s"] - fields_end / 1000,
        "to the next frame": load["frame_s"] - load["ready_s"],
        "  of which /api/datasets": calls("/api/datasets")[0]["duration"] / 1000,
    }


def report_embedlab(result: dict[str, Any], sizes: dict[str, Any]) -> None:
    rows = []
    for i, (load, lasso) in enumerate(zip(result["loads"], result["lassos"], strict=True)):
        rows.append(
            [
                f"run {i + 1}{' (cold server)' if i == 0 else ''}",
                fmt(load["frame_s"]),
                fmt(load["app_first_frame_s"]),
                f"{load['drawn']:.1%}",
                fmt(lasso["lasso_s"]),
                fmt(lasso["select_s"]),
                fmt(lasso["request_render_s"]),
                f"{lasso['selected']:,}",
                f"{lasso['grid_total']:,}",
            ]
        )
    print_table(
        f"embedlab map, {result['loads'][0]['count']:,} points, headless chromium (SwiftShader)",
        [
            "",
            "first frame s",
            "app firstFrameMs s",
            "canvas drawn",
            "lasso->grid s",
            "lasso select s",
            "request+render s",
            "selected",
            "grid total",
        ],
        rows,
        f"lasso: 16-gon, radius {result['plan']['radius']:.0f} px, {result['plan']['expected']:,} "
        "points inside by screen position",
    )
    cold = result["loads"][0]["frame_s"]
    warm = median([load["frame_s"] for load in result["loads"][1:]] or [cold])
    lasso = median([r["lasso_s"] for r in result["lassos"]])
    print(
        f"first frame cold {cold:.2f} s: {cold / TARGET_FIRST_FRAME_S:.2f} x the target "
        f"({TARGET_FIRST_FRAME_S:.0f} s); warm (median of runs 2+) {warm:.2f} s: "
        f"{warm / TARGET_FIRST_FRAME_WARM_S:.2f} x the target ({TARGET_FIRST_FRAME_WARM_S:.0f} s); "
        f"median lasso-to-grid {lasso:.3f} s: {lasso / TARGET_LASSO_S:.2f} x the target "
        f"({TARGET_LASSO_S} s)"
    )
    phases = [load_phases(load) for load in result["loads"]]
    print_table(
        "Where the first frame's time goes (s; page clock, resource timing)",
        ["phase", *[f"run {i + 1}" for i in range(len(phases))]],
        [[name, *[fmt(p[name]) for p in phases]] for name in phases[0]],
    )
    for i, r in enumerate(result["lassos"]):
        print(
            f"lasso drawing, run {i + 1}: {r['moves']} mouse moves in {r['drawing_s']:.1f} s, "
            f"{r['frames']} frames, median frame {r['median_frame_ms']:.0f} ms, "
            f"longest {r['max_frame_ms']:.0f} ms"
        )
    report_camera(result)
    report_brushes([r["brushes"] for r in result["lassos"]])
    resources = [r for r in result["loads"][0]["resources"] if "/api/" in r["name"]]
    rows = [
        [
            r["name"].split("/api/")[1][:70],
            f"{r['encoded']:,}",
            f"{r['decoded']:,}",
            fmt(r["start"] / 1000),
            fmt(r["duration"] / 1000),
        ]
        for r in resources
    ]
    print_table(
        "API responses of the first page load (resource timing)",
        ["response", "body bytes", "decoded", "start s", "duration s"],
        rows,
    )
    print("bytes: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    errors = [e for lasso in result["lassos"] for e in lasso["errors"]]
    if errors:
        print(f"JavaScript errors: {errors}")


def report_camera(result: dict[str, Any]) -> None:
    """Frames while panning and zooming, per run and gesture, and the ratio to drawing all."""
    rows = []
    for i, lasso in enumerate(result["lassos"]):
        for name, c in lasso["camera"].items():
            after = c["full_redraw_after_s"]
            rows.append(
                [
                    f"run {i + 1}",
                    name,
                    f"{c['frames']}",
                    fmt(c["median_frame_ms"], 0),
                    fmt(c["p90_frame_ms"], 0),
                    f"{c['drawn_frames']}",
                    f"{c['webgl_frames']}",
                    fmt(c["p90_drawn_ms"], 0),
                    f"{c['points_while_moving']:,.0f}",
                    "-" if after is None else fmt(after),
                    fmt(c["gesture_s"], 1),
                ]
            )
    print_table(
        "Camera: animation frames while panning (drag) and zooming (wheel)",
        [
            "",
            "gesture",
            "frames",
            "median ms",
            "p90 ms",
            "presented",
            "of which WebGL",
            "p90 presented ms",
            "points drawn moving",
            "all points again after s",
            "gesture s",
        ],
        rows,
        f"target: p90 <= {TARGET_CAMERA_P90_MS:.0f} ms; presented: frames the scatter showed while "
        "moving, WebGL ones drawing every point, the others moving the last full frame (a CSS "
        "transform); all points again after: last input -> the second animation frame after the "
        "last WebGL frame of every point (the full drawing on screen)",
    )
    first = result["lassos"][0]["camera"]
    for gesture in ("pan", "zoom"):
        if f"{gesture} all points" in first:
            lod, full = first[f"{gesture} lod"], first[f"{gesture} all points"]
            print(
                f"{gesture}: p90 frame {lod['p90_frame_ms']:.0f} ms with the level of detail, "
                f"{full['p90_frame_ms']:.0f} ms drawing every point: "
                f"{full['p90_frame_ms'] / lod['p90_frame_ms']:.1f}x"
            )
    for gesture in ("pan", "zoom"):
        p90 = median(
            [lasso["camera"][f"{gesture} lod"]["p90_frame_ms"] for lasso in result["lassos"]]
        )
        print(
            f"median over runs of the p90 frame while {GERUNDS[gesture]} with the LOD: "
            f"{p90:.0f} ms ({p90 / TARGET_CAMERA_P90_MS:.2f} x the target)"
        )


def response_sizes(base: str) -> dict[str, Any]:
    """Projection and colour-field bodies as the server sends them (bytes, headers)."""
    found: dict[str, Any] = {}
    paths = {
        "projection": f"/spaces/{SPACE}/projection?method=pca&dims=2",
        "colour values (label)": "/fields/label/values",
    }
    for name, path in paths.items():
        with urllib.request.urlopen(f"{base}/api/datasets/{DATASET}{path}", timeout=120) as r:
            body = r.read()
            encoding = r.headers.get("Content-Encoding") or "none"
            dtype = r.headers.get("X-Embedlab-Dtype")
        found[name] = f"{len(body):,} B ({dtype}, content-encoding {encoding})"
    return found


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    if args.build_only:
        print(json.dumps(build(args)))
        return
    print(f"load at start: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    build_info = run_build(args)
    report_build(build_info)
    from playwright.sync_api import sync_playwright

    workspace = cache_dir(args) / "workspace"
    with MemorySampler() as memory, embedlab_server(workspace) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        result = run_embedlab(browser, base, args)
        memory.sample()
        sizes = response_sizes(base)
        embedlab_peaks = dict(memory.peaks)
        atlas = None if args.no_atlas else run_atlas(pw, browser, args, memory)
        browser.close()
    report_embedlab(result, sizes)
    print_table(
        "Peak memory during the embedlab runs (MiB)",
        ["process", "MiB"],
        [[k, fmt(v, 0)] for k, v in embedlab_peaks.items()],
        "JS heap after lasso: " + ", ".join(fmt(r["js_heap_mib"], 0) for r in result["lassos"]),
    )
    if atlas is not None:
        report_atlas(atlas, memory.peaks)
    print(f"load at end: {Path('/proc/loadavg').read_text().strip()}")
    print(machine_summary(os.cpu_count() or 1))
    libs = versions(["embedlab", "playwright", "uvicorn"])
    package = json.loads((ROOT / "frontend" / "package.json").read_text())
    libs["regl-scatterplot"] = package.get("dependencies", {}).get("regl-scatterplot", "?")
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    print(f"versions: {libs}; {chromium.strip()}")


def run_atlas(
    pw: Any, browser: Any, args: argparse.Namespace, memory: MemorySampler
) -> dict[str, Any]:
    """Embedding Atlas on the same points: in the same browser, then with WebGPU enabled."""
    venv = atlas_venv(args)
    found: dict[str, Any] = {"version": install_atlas(venv)}
    port = free_port()
    log = (cache_dir(args) / "atlas.log").open("wb")
    command = [
        str(venv / "bin" / "embedding-atlas"),
        str(cache_dir(args) / "atlas.parquet"),
        "--x",
        "x",
        "--y",
        "y",
        "--text",
        "text",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-auto-port",
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    memory.watched["Embedding Atlas server"] = process.pid
    url = f"http://127.0.0.1:{port}/"
    try:
        found["server_start_s"] = wait_http(url, 600, process)
        print(f"  atlas server up in {found['server_start_s']:.1f} s", flush=True)
        found["same_flags"] = run_atlas_pages(
            browser, url, 1, args.atlas_timeout, args.shots / "explorer-atlas-same-flags.png"
        )
        webgpu = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + WEBGPU_ARGS)
        found["webgpu"] = run_atlas_pages(
            webgpu, url, args.repeats, args.atlas_timeout, args.shots / "explorer-atlas-webgpu.png"
        )
        webgpu.close()
    except RuntimeError as error:
        found["error"] = f"Embedding Atlas server: {error}; see {log.name}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    return found


def report_atlas(atlas: dict[str, Any], peaks: dict[str, float]) -> None:
    print(f"Embedding Atlas {atlas['version']} on the same points:")
    if "error" in atlas:
        print(f"  {atlas['error']}")
        return
    print(f"  server start (loads the parquet) {atlas['server_start_s']:.1f} s")
    for name, flags in (
        ("same_flags", "the browser tests' flags"),
        ("webgpu", "+ WebGPU on SwiftShader Vulkan"),
    ):
        for i, run in enumerate(atlas[name]):
            extra = (
                f", last WebGPU submit before {fmt(run['last_submit_s'])} s"
                if run["last_submit_s"]
                else ""
            )
            print(
                f"  {flags}, run {i + 1}: {short_atlas(run)}; WebGPU adapter: "
                f"{run['webgpu_adapter']}; {run['gpu_submits']} submits{extra}; "
                f"JS heap {run['js_heap_mib']:.0f} MiB"
            )
            for line in run["console"]:
                print(f"    console {line}")
        drawn = [r["drawn_s"] for r in atlas[name] if r["drawn_s"] is not None]
        if drawn:
            print(
                f"  {flags}: median time to points on screen {median(drawn):.2f} s "
                f"({median(drawn) / TARGET_FIRST_FRAME_S:.2f} x embedlab's target)"
            )
    print("  peak memory (MiB): " + ", ".join(f"{k} {v:,.0f}" for k, v in peaks.items()))


if __name__ == "__main__":
    main()
