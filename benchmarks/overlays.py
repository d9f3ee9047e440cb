"""Map overlays at 1,000,000 points. Trust: `compute_trust` from the stored neighbour graph
(read the graph and the map, exact 2-D kNN, overlap, store the field), against the same
measure with scikit-learn's KD-tree neighbours in place of scipy's cKDTree, in one process.
Region names: `name_map_regions` (two levels of clusters of the map, named by c-TF-IDF terms of
the items' texts, stored), whole and its clustering alone.

Uses the 1M-point workspace benchmarks/explorer.py builds (run it first, or `--build-only`):
its `pca` space (8-D) and PCA map. The graph (k=15, HNSW) is made once and stored there; its
time is reported apart (the target counts from the stored graph).

    .venv/bin/python benchmarks/overlays.py
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from _common import fmt, machine_summary, peak_rss_mib, print_table, versions

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "benchmarks" / ".cache" / "explorer" / "n1000000-c20-s0" / "workspace"
TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=DEFAULT)
    parser.add_argument("-k", type=int, default=15)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    from sklearn.neighbors import NearestNeighbors

    from embedlab.analysis.map_labels import map_clusters
    from embedlab.analysis.neighbors import count_shared
    from embedlab.analysis.trust import map_trust
    from embedlab.pipeline.graph import neighbors
    from embedlab.pipeline.map_labels import name_map_regions
    from embedlab.pipeline.project import stored_projection
    from embedlab.pipeline.trust import compute_trust
    from embedlab.store.workspace import Workspace

    print(f"load at start: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    workspace = Workspace(args.workspace)
    rows, times = [], {}
    start = time.perf_counter()
    graph = neighbors(workspace, "points", "pca", k=args.k)
    times["graph (stored, or made once)"] = time.perf_counter() - start
    start = time.perf_counter()
    result = compute_trust(workspace, "points", "pca", method="pca", k=args.k)
    times["compute_trust (from the stored graph, stored)"] = time.perf_counter() - start
    coords = stored_projection(workspace, "points", "pca", "pca", 2).coords
    start = time.perf_counter()
    alone = map_trust(coords, graph, k=args.k)
    times["map_trust alone (cKDTree + overlap)"] = time.perf_counter() - start
    if not args.no_peer:
        start = time.perf_counter()
        found = NearestNeighbors(n_neighbors=args.k + 1, algorithm="kd_tree", n_jobs=-1)
        found = found.fit(coords).kneighbors(coords, return_distance=False)[:, 1:]
        shared = count_shared(found, graph.indices[:, : args.k].astype(np.int64))
        times["peer: scikit-learn KD-tree + the same overlap"] = time.perf_counter() - start
        agree = float(np.abs(shared / args.k - alone.trust).mean())
        rows.append(["mean |difference| of per-item trust, peer vs embedlab", f"{agree:.4f}"])
    start = time.perf_counter()
    regions = name_map_regions(workspace, "points", "pca", method="pca")
    times["name_map_regions (texts: c-TF-IDF, stored)"] = time.perf_counter() - start
    start = time.perf_counter()
    map_clusters(coords.astype(np.float64), 40, 10)
    times["  of which clustering the map (two levels)"] = time.perf_counter() - start
    coarse = [r["name"] for r in regions["labels"] if r["level"] == "coarse"]
    print(f"coarse region names: {coarse}")
    print_table(
        f"Overlays of the PCA map of {len(coords):,} points, k={args.k}",
        ["step", "seconds"],
        [[name, fmt(seconds, 2)] for name, seconds in times.items()] + rows,
        f"mean trust {result['mean_trust']:.4f} (a shuffled map: {result['random_map_trust']})",
    )
    total = times["compute_trust (from the stored graph, stored)"]
    print(f"compute_trust {total:.2f} s: {total / TARGET_S:.2f} x the target ({TARGET_S:.0f} s)")
    named = times["name_map_regions (texts: c-TF-IDF, stored)"]
    print(f"name_map_regions {named:.2f} s: {named / TARGET_S:.2f} x the target ({TARGET_S:.0f} s)")
    if not args.no_peer:
        peer = times["peer: scikit-learn KD-tree + the same overlap"]
        ratio = peer / times["map_trust alone (cKDTree + overlap)"]
        print(f"peer / map_trust: {ratio:.2f}x")
    print(f"peak RSS {peak_rss_mib():,.0f} MiB; load at end: {Path('/proc/loadavg').read_text()}")
    print(machine_summary(os.cpu_count() or 1))
    print(f"versions: {versions(['embedlab', 'scipy', 'scikit-learn'])}")


if __name__ == "__main__":
    main()
