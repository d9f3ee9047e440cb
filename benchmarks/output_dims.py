"""The output-size trade-off (`embedlab evaluate NAME SPACE --dims ...`) on real texts, in one run.

Rotten Tomatoes texts (fresh / rotten / plot) embedded by `minilm` (384-d), then evaluated at
each size: label precision@10 of the test items' neighbours, kNN@10 accuracy, bytes per item.
A space embedded with `--param dims=64` is evaluated too, to show that the projection stored
with it gives what the table predicts.

    python benchmarks/output_dims.py                  # 5,000 texts
    python benchmarks/output_dims.py --n 500          # smoke run
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from embedlab.pipeline.embed import embed
from embedlab.pipeline.evaluate_dims import evaluate_dims
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--dims", default="384,256,128,64,32,16")
    args = parser.parse_args()
    sizes = [int(d) for d in args.dims.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace(Path(folder) / "ws")
        ingest(ws, "rt", "sandbox:rotten-tomatoes", limit=args.n)
        started = time.perf_counter()
        embed(ws, "rt", "minilm")
        embed_s = time.perf_counter() - started
        rows = evaluate_dims(ws, "rt", "minilm", sizes)
        embed(ws, "rt", "minilm", space="minilm-64", params={"dims": 64})
        stored = evaluate_dims(ws, "rt", "minilm-64", [64])
    print(f"rotten-tomatoes, first {args.n:,} texts; minilm embed {embed_s:.1f} s")
    for row in rows + stored:
        print(json.dumps(row.to_dict()))
    print()
    print("| space | dims | bytes/item | precision@10 | kNN@10 | PCA variance kept |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows + stored:
        variance = f"{r.explained_variance:.3f}" if r.explained_variance is not None else "(full)"
        print(
            f"| {r.space} | {r.dims} | {r.bytes_per_item:,} | {r.precision_at_k:.3f} | "
            f"{r.knn:.3f} | {variance} |"
        )


if __name__ == "__main__":
    main()
