"""Neighbour graph speed: embedlab exact and HNSW against scikit-learn brute force and faiss.

The k=15 cosine neighbour graph of seeded, clustered synthetic float32 vectors (Gaussian clusters
around random centres, unit-normalised), built by each side in its own Python process so that its
peak memory is its own. Prints wall times, the ratio of each peer to embedlab exact, the agreement
of the exact graphs and the recall@15 of embedlab's HNSW graph over all rows.

    .venv-bench/bin/python benchmarks/neighbors.py              # 70,000 x 384
    .venv-bench/bin/python benchmarks/neighbors.py --n 5000     # smoke run
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    current_rss_mib,
    default_threads,
    drop_self,
    fmt,
    identical_sets,
    machine_summary,
    mean_overlap,
    print_table,
    print_versions,
    run_side,
    stopwatch,
    versions,
    write_side_result,
)

SIDES = ("embedlab-exact", "embedlab-hnsw", "sklearn-brute", "faiss-flatip")
PEERS = ("sklearn-brute", "faiss-flatip")
WARMUP_ROWS = 200


def parse_args() -> argparse.Namespace:
    """Command-line options; --side/--data/--out are used by the parent to run one side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=70_000, help="number of vectors (default 70000)")
    parser.add_argument("--dim", type=int, default=384, help="dimension (default 384)")
    parser.add_argument("--k", type=int, default=15, help="neighbours per item, self excluded")
    parser.add_argument("--clusters", type=int, default=200, help="Gaussian clusters (default 200)")
    parser.add_argument(
        "--spread",
        type=float,
        default=0.75,
        help="noise norm relative to the unit cluster centres (default 0.75)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument(
        "--threads",
        type=int,
        default=default_threads(),
        help="threads for each side (default: all cores)",
    )
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def clustered_vectors(n: int, dim: int, clusters: int, spread: float, seed: int) -> np.ndarray:
    """Unit float32 rows: random unit centres plus isotropic noise of norm ~`spread`."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(clusters, size=n)
    noise = rng.standard_normal((n, dim), dtype=np.float32)
    noise *= np.float32(spread / np.sqrt(dim))
    vectors = centres[labels] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def side_embedlab(method: str) -> Callable[[np.ndarray, int, int], dict[str, Any]]:
    """A side that builds the graph with embedlab's `build_neighbor_graph(method=...)`."""

    def build(vectors: np.ndarray, k: int, threads: int) -> dict[str, Any]:
        import numba

        from embedlab.analysis.neighbors import build_neighbor_graph

        numba.set_num_threads(threads)
        build_neighbor_graph(vectors[:WARMUP_ROWS], k=k, method=method)  # numba compiles/loads
        rss_before = current_rss_mib()
        with stopwatch() as timing:
            graph = build_neighbor_graph(vectors, k=k, method=method)
        return {
            "indices": graph.indices,
            "seconds": timing["seconds"],
            "rss_before_mib": rss_before,
            "reported_recall": graph.recall,
            "params": graph.params,
            "versions": versions(["embedlab", "numba", "numpy", "hnswlib"]),
        }

    return build


def side_sklearn(vectors: np.ndarray, k: int, threads: int) -> dict[str, Any]:
    """scikit-learn NearestNeighbors, brute force, cosine metric; fit + kneighbors of all rows."""
    from sklearn.neighbors import NearestNeighbors

    def build(data: np.ndarray) -> np.ndarray:
        model = NearestNeighbors(
            n_neighbors=k + 1, metric="cosine", algorithm="brute", n_jobs=threads
        )
        return model.fit(data).kneighbors(data, return_distance=False)

    build(vectors[:WARMUP_ROWS])
    rss_before = current_rss_mib()
    with stopwatch() as timing:
        indices = build(vectors)
    return {
        "indices": drop_self(indices, k),
        "seconds": timing["seconds"],
        "rss_before_mib": rss_before,
        "versions": versions(["scikit-learn", "numpy", "scipy"]),
    }


def side_faiss(vectors: np.ndarray, k: int, threads: int) -> dict[str, Any]:
    """faiss IndexFlatIP on L2-normalised copies; search all rows for k+1 (self included)."""
    import faiss

    faiss.omp_set_num_threads(threads)

    def build(data: np.ndarray) -> np.ndarray:
        unit = data.copy()
        faiss.normalize_L2(unit)
        index = faiss.IndexFlatIP(unit.shape[1])
        index.add(unit)
        return index.search(unit, k + 1)[1]

    build(vectors[:WARMUP_ROWS])
    rss_before = current_rss_mib()
    with stopwatch() as timing:
        indices = build(vectors)
    return {
        "indices": drop_self(indices, k),
        "seconds": timing["seconds"],
        "rss_before_mib": rss_before,
        "versions": versions(["faiss-cpu", "numpy"]),
    }


SIDE_FUNCTIONS: dict[str, Callable[[np.ndarray, int, int], dict[str, Any]]] = {
    "embedlab-exact": side_embedlab("exact"),
    "embedlab-hnsw": side_embedlab("hnsw"),
    "sklearn-brute": side_sklearn,
    "faiss-flatip": side_faiss,
}


def run_child(args: argparse.Namespace) -> None:
    """Build one side's graph of the vectors in --data; write indices and figures to --out."""
    from threadpoolctl import threadpool_limits

    vectors = np.load(args.data)
    with threadpool_limits(limits=args.threads):
        result = SIDE_FUNCTIONS[args.side](vectors, args.k, args.threads)
    indices = np.asarray(result.pop("indices"), dtype=np.int64)
    write_side_result(args.out, indices, {**result, "n": len(vectors), "threads": args.threads})


def report(args: argparse.Namespace, results: dict[str, tuple[np.ndarray, dict[str, Any]]]) -> None:
    """Print the table of all sides, the exact-graph agreement and the HNSW recall."""
    exact, exact_meta = results["embedlab-exact"]
    base = exact_meta["seconds"]
    rows = []
    for side, (indices, meta) in results.items():
        vs_exact = "-" if side == "embedlab-exact" else fmt(meta["seconds"] / base)
        same = "-" if side == "embedlab-exact" else fmt(identical_sets(exact, indices), 4)
        overlap = "-" if side == "embedlab-exact" else fmt(mean_overlap(indices, exact), 4)
        rows.append(
            [
                side,
                fmt(meta["seconds"]),
                vs_exact,
                same,
                overlap,
                fmt(meta["rss_before_mib"], 0),
                fmt(meta["peak_rss_mib"], 0),
            ]
        )
    headers = [
        "side",
        "seconds",
        "time / exact",
        "same sets",
        f"recall@{args.k}",
        "RSS before MiB",
        "peak RSS MiB",
    ]
    print_table(
        f"k={args.k} cosine neighbour graph, {args.n:,} x {args.dim} float32",
        headers,
        rows,
        caption=f"synthetic: {args.clusters} Gaussian clusters, spread {args.spread}, "
        f"unit-normalised, seed {args.seed}; same sets and recall against embedlab exact",
    )
    print(machine_summary(args.threads))
    print_versions({side: meta for side, (_, meta) in results.items()})
    hnsw_indices, hnsw_meta = results["embedlab-hnsw"]
    print(
        f"embedlab hnsw params: {hnsw_meta['params']}; its own sampled recall estimate: "
        f"{hnsw_meta['reported_recall']}"
    )
    for peer in PEERS:
        indices, meta = results[peer]
        print(
            f"ratio {peer} / embedlab exact: {meta['seconds'] / base:.2f} "
            f"(> 1 means embedlab faster), identical neighbour sets: "
            f"{identical_sets(exact, indices):.4f}"
        )
    print(
        f"recall@{args.k} of embedlab hnsw against exact over all {args.n:,} rows: "
        f"{mean_overlap(hnsw_indices, exact):.4f} "
        f"(hnsw time {hnsw_meta['seconds']:.2f} s, includes its built-in recall check)"
    )


def main() -> None:
    """Build the graph with every side in subprocesses on the same vectors and compare them."""
    args = parse_args()
    if args.side:
        run_child(args)
        return
    vectors = clustered_vectors(args.n, args.dim, args.clusters, args.spread, args.seed)
    extra = ["--k", str(args.k), "--threads", str(args.threads)]
    with tempfile.TemporaryDirectory(prefix="embedlab-bench-") as tmp:
        work = Path(tmp)
        np.save(work / "vectors.npy", vectors)
        del vectors
        results = {
            side: run_side(__file__, side, work, [*extra, "--data", str(work / "vectors.npy")])
            for side in SIDES
        }
    report(args, results)


if __name__ == "__main__":
    main()
