"""The outlier check (local, global and group signals) on a 70,000-item graph: this tree's
`find_outliers` against another version of analysis/outliers.py (e.g. the previous commit's),
interleaved in one process so both see the same load, with a check that they agree.

The graph: Fashion-MNIST train + test pixels (the sandbox cache's IDX files), PCA to 50
components fitted on the first 20,000 (as `pixels-pca`), exact cosine k = 15.

    git show REV:src/embedlab/analysis/outliers.py > /tmp/outliers_old.py
    PYTHONPATH=src .venv/bin/python benchmarks/outliers_70k.py --other /tmp/outliers_old.py
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
from _common import machine_summary

from embedlab.analysis.neighbors import NeighborGraph, build_neighbor_graph
from embedlab.analysis.outliers import find_outliers
from embedlab.config import cache_dir


def fashion_graph(cache: Path) -> NeighborGraph:
    """The 70k pixels-PCA graph, built once and kept in `cache`."""
    if cache.exists():
        saved = np.load(cache)
        return NeighborGraph(saved["indices"], saved["similarities"], "exact", {})
    from sklearn.decomposition import PCA

    from embedlab.io.sandbox import get_sandbox

    folder = get_sandbox("fashion-mnist").locate() or cache_dir() / "fashion-mnist"
    pixels = np.vstack(
        [
            np.frombuffer(gzip.open(folder / name).read(), np.uint8, offset=16).reshape(-1, 784)
            for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")
        ]
    ).astype(np.float32)
    vectors = PCA(50, random_state=0).fit(pixels[:20_000] / 255).transform(pixels / 255)
    graph = build_neighbor_graph(vectors.astype(np.float32), 15, "exact")
    np.savez(cache, indices=graph.indices, similarities=graph.similarities)
    return graph


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("outliers_other", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["outliers_other"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, help="another outliers.py to time beside this one")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/embedlab-graph70k.npz"))
    args = parser.parse_args()
    graph = fashion_graph(args.cache)
    sides = {"this tree": find_outliers}
    if args.other:
        sides = {"other": load_module(args.other).find_outliers, **sides}
    times: dict[str, list[float]] = {name: [] for name in sides}
    results = {}
    for _ in range(args.repeats):
        for name, run in sides.items():
            start = time.perf_counter()
            results[name] = run(graph)
            times[name].append(time.perf_counter() - start)
    for name, seconds in times.items():
        flagged = results[name].summary["flagged"]
        print(f"{name}: {', '.join(f'{s:.2f}' for s in seconds)} s; {flagged:,} flagged")
    if args.other:
        a, b = results["other"], results["this tree"]
        same = (
            np.array_equal(a.flags, b.flags)
            and np.array_equal(a.scores, b.scores)
            and list(a.signals) == list(b.signals)
        )
        print(f"same flags, scores and signals: {same}")
        ratio = np.median(times["other"]) / np.median(times["this tree"])
        print(f"speed ratio other / this tree (medians): {ratio:.2f}")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{machine_summary(2)}; load average {load}")


if __name__ == "__main__":
    main()
