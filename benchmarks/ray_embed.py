"""`embed --engine ray`: Ray with 2 workers against 1 worker, and against the local engine.

One process, one workspace, one seeded sample of Rotten Tomatoes texts ingested as a dataset;
the same `minilm` space is computed three ways, in turn, `--rounds` times:
  local  the local engine (onnxruntime on every core of this process),
  ray-1  a local Ray with one actor (one model, one onnxruntime thread),
  ray-2  the same Ray with two actors (two models, one thread each).
Each time includes the whole `embed` call (actor start-up and model loading included; the Ray
start itself, done once, is printed apart). Prints texts/s, the ratio ray-2 / ray-1 (target
>= 1.7) and ray-2 / local, and the lowest cosine of each Ray space against the local one.

    .venv/bin/python benchmarks/ray_embed.py              # 5,000 texts
    .venv/bin/python benchmarks/ray_embed.py --n 500      # smoke run
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import fmt, machine_summary, print_table, stopwatch
from text_embed import sample_texts

TARGET_RATIO = 1.7
SIDES = ("local", "ray-1", "ray-2")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="number of texts (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the text sample")
    parser.add_argument("--rounds", type=int, default=1, help="times each side runs (default 1)")
    parser.add_argument("--batch-rows", type=int, default=256, help="rows per committed batch")
    return parser.parse_args()


def ingest_texts(workspace: object, texts: list[str], folder: Path) -> None:
    from embedlab.pipeline.ingest import ingest

    source = folder / "texts.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows([f"t{i}", text] for i, text in enumerate(texts))
    ingest(workspace, "texts", source, text="text", id="id")  # type: ignore[arg-type]


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))).min())


def main() -> None:
    args = parse_args()
    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ray_engine import RayEngine
    from embedlab.store.workspace import Workspace

    texts = sample_texts(args.n, args.seed)
    seconds: dict[str, list[float]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(Path(tmp) / "ws")
        ingest_texts(workspace, texts, Path(tmp))
        started = time.perf_counter()
        with RayEngine(workers=2) as ray2:
            ray_start_s = time.perf_counter() - started
            engines = {"local": None, "ray-1": RayEngine(workers=1), "ray-2": ray2}
            for _ in range(args.rounds):
                for side in SIDES:
                    with stopwatch() as timing:
                        embed(
                            workspace,
                            "texts",
                            "minilm",
                            space=side,
                            batch_rows=args.batch_rows,
                            force=True,
                            engine=engines[side],
                        )
                    seconds[side].append(timing["seconds"])
                    print(f"{side}: {timing['seconds']:.1f} s", flush=True)
        vectors = {side: workspace.space("texts", side).vectors() for side in SIDES}
    report(args, seconds, vectors, ray_start_s)


def report(
    args: argparse.Namespace,
    seconds: dict[str, list[float]],
    vectors: dict[str, np.ndarray],
    ray_start_s: float,
) -> None:
    best = {side: min(times) for side, times in seconds.items()}
    rows = [
        [
            side,
            fmt(best[side], 1),
            fmt(args.n / best[side], 0),
            "1.0" if side == "local" else fmt(min_cosine(vectors[side], vectors["local"]), 6),
        ]
        for side in SIDES
    ]
    print_table(
        f"embed minilm, {args.n:,} Rotten Tomatoes texts (seed {args.seed}), best of {args.rounds}",
        ["engine", "seconds", "texts/s", "min cosine vs local"],
        rows,
        f"{machine_summary(os.cpu_count() or 1)}; local: onnxruntime on every core, "
        "Ray: one thread per worker",
    )
    scaling = best["ray-1"] / best["ray-2"]
    print(f"Ray start (once, not in the times): {ray_start_s:.1f} s")
    met = "met" if scaling >= TARGET_RATIO else "NOT met"
    print(f"ray-2 / ray-1 speed: {scaling:.2f}x (target >= {TARGET_RATIO}x: {met})")
    print(f"ray-2 / local speed: {best['local'] / best['ray-2']:.2f}x")


if __name__ == "__main__":
    main()
