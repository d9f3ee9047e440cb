"""Data-quality audit at scale: 1,000,000 x 384 random-but-clustered vectors, embedlab alone.

The vectors are 50 Gaussian clusters on the unit sphere (cluster id = label) with 5% of the
labels flipped to another class (fixed seed), 200 planted near-duplicates and 200 planted
outliers. The whole audit runs as the library runs it: the k=15 neighbour graph (HNSW above
100k items), outliers, near-duplicates and label issues (cross-validated probe + neighbour
labels + confident learning). Prints each stage's time, what was found against what was
planted, and the peak memory of the process (run it under /usr/bin/time -v for the kernel's
figure):

    /usr/bin/time -v .venv/bin/python benchmarks/quality_scale.py [--n 1000000] [--dim 384]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from _common import machine_summary, versions


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--flip", type=float, default=0.05)
    parser.add_argument("--planted", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def clustered(args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Vectors, true and noisy labels, and the planted flips, duplicates and outliers."""
    rng = np.random.default_rng(args.seed)
    centres = rng.normal(size=(args.clusters, args.dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = rng.integers(0, args.clusters, size=args.n)
    vectors = np.empty((args.n, args.dim), dtype=np.float32)
    for start in range(0, args.n, 100_000):  # in blocks: no float64 copy of the whole matrix
        rows = slice(start, min(start + 100_000, args.n))
        noise = rng.normal(scale=0.045, size=(rows.stop - rows.start, args.dim))
        vectors[rows] = centres[truth[rows]] + noise.astype(np.float32)
    outliers = rng.choice(args.n, size=args.planted, replace=False)
    vectors[outliers] = rng.normal(size=(args.planted, args.dim)).astype(np.float32)
    rest = np.setdiff1d(np.arange(args.n), outliers)
    originals = rng.choice(rest, size=args.planted, replace=False)
    copies = rng.choice(np.setdiff1d(rest, originals), size=args.planted, replace=False)
    vectors[copies] = vectors[originals] + rng.normal(scale=1e-3, size=(args.planted, args.dim))
    labels = truth.copy()
    flipped = rng.choice(rest, size=int(args.flip * args.n), replace=False)
    labels[flipped] = (
        labels[flipped] + rng.integers(1, args.clusters, len(flipped))
    ) % args.clusters
    labels[copies] = labels[originals]
    return {
        "vectors": vectors,
        "labels": labels,
        "flipped": flipped,
        "copies": copies,
        "originals": originals,
        "outliers": outliers,
    }


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = parse_args()
    from embedlab.analysis.neighbors import build_neighbor_graph
    from embedlab.analysis.quality import find_label_issues, find_near_duplicates, find_outliers

    print(machine_summary(2))
    print(versions(["numpy", "scikit-learn", "hnswlib", "cleanlab"]))
    stages: list[tuple[str, float, float]] = []

    def timed(name, work):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = work()
        stages.append((name, time.perf_counter() - start, peak_mib()))
        print(
            f"{name:<14} {stages[-1][1]:8.1f} s   peak so far {stages[-1][2]:8.0f} MiB", flush=True
        )
        return result

    data = timed("generate", lambda: clustered(args))
    graph = timed("graph (k=15)", lambda: build_neighbor_graph(data["vectors"], k=15))
    outliers = timed("outliers", lambda: find_outliers(graph))
    duplicates, groups = timed("duplicates", lambda: find_near_duplicates(graph))
    issues, _, _ = timed(
        "label issues", lambda: find_label_issues(data["vectors"], data["labels"], graph)
    )
    audit = sum(seconds for name, seconds, _ in stages if name != "generate")
    print(
        f"\n{args.n:,} x {args.dim}: whole audit {audit:.1f} s "
        f"({graph.method}, recall {graph.recall}); peak RSS {peak_mib():,.0f} MiB"
    )

    def found(flags: np.ndarray, planted: np.ndarray, name: str) -> None:
        hits = int(flags[planted].sum())
        precision = hits / max(int(flags.sum()), 1)
        print(
            f"{name:<15} flagged {int(flags.sum()):>7,}  planted {len(planted):>6,}  "
            f"found {hits:>6,} (recall {hits / len(planted):.3f}, precision {precision:.3f})"
        )

    found(outliers.flags, data["outliers"], "outliers")
    group_of = np.full(args.n, -1)
    for number, rows in enumerate(groups):
        group_of[rows] = number
    paired = (group_of[data["copies"]] >= 0) & (
        group_of[data["copies"]] == group_of[data["originals"]]
    )
    print(
        f"near-duplicates  {len(groups):,} groups ({int(duplicates.flags.sum()):,} items "
        f"flagged); planted pairs grouped together: {int(paired.sum())} of {args.planted}"
    )
    found(issues.flags, data["flipped"], "label issues")


if __name__ == "__main__":
    main()
