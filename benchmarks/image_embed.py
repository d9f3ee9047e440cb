"""Image embedding speed: efficientnet-lite0 on onnxruntime against plain torch eager.

The same seeded sample of Fashion-MNIST images, at the same resolution, through the same
EfficientNet-Lite0 weights: embedlab's default ONNX path and the torch model it was exported
from, each side in its own process so that its peak memory is its own. Prints images/s, the
ratio, and the cosine agreement of the two sets of features.

    .venv/bin/python benchmarks/image_embed.py                       # 2,000 images at 128 px
    .venv/bin/python benchmarks/image_embed.py --resolution 224
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    current_rss_mib,
    default_threads,
    fmt,
    machine_summary,
    print_table,
    run_side,
    stopwatch,
    versions,
    write_side_result,
)

SIDES = ("onnxruntime", "torch")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of images (default 2000)")
    parser.add_argument("--resolution", type=int, default=128, help="input size in px")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def sample_images(n: int, seed: int) -> list[Any]:
    """A seeded sample of Fashion-MNIST images, decoded to RGB."""
    from embedlab.io.sandbox import get_sandbox
    from embedlab.preprocess.image import decode_rgb

    dataset = get_sandbox("fashion-mnist")
    dataset.fetch()
    frame = dataset.load()
    rows = np.random.default_rng(seed).choice(len(frame), size=n, replace=False)
    return [decode_rgb(frame["image"].iloc[int(i)]) for i in rows]


def run_child(args: argparse.Namespace) -> None:
    from embedlab.methods.cnn import EfficientNetLite0

    images = sample_images(args.n, args.seed)
    backend = "onnx" if args.side == "onnxruntime" else "torch"
    model = EfficientNetLite0(resolution=args.resolution, backend=backend, threads=args.threads)
    model.fit(images[:8]).transform(images[:32])  # load, export and warm up: not timed
    rss_before = current_rss_mib()
    with stopwatch() as timing:
        features = model.transform(images)
    modules = ["onnxruntime"] if backend == "onnx" else ["torch"]
    write_side_result(
        args.out,
        features,
        {
            "seconds": timing["seconds"],
            "rss_before_mib": round(rss_before, 1),
            "versions": versions(["embedlab", *modules]),
        },
    )


def main() -> None:
    args = parse_args()
    if args.side:
        run_child(args)
        return
    extra = [
        "--n",
        str(args.n),
        "--resolution",
        str(args.resolution),
        "--seed",
        str(args.seed),
        "--threads",
        str(args.threads),
    ]
    results: dict[str, tuple[np.ndarray, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for side in SIDES:
            results[side] = run_side(__file__, side, Path(tmp), extra)
    (onnx_vectors, onnx_meta), (torch_vectors, torch_meta) = (
        results["onnxruntime"],
        results["torch"],
    )
    rows = [
        [
            side,
            fmt(meta["seconds"]),
            fmt(args.n / meta["seconds"], 1),
            fmt(meta["rss_before_mib"], 0),
            fmt(meta["peak_rss_mib"], 0),
        ]
        for side, (_, meta) in results.items()
    ]
    print_table(
        f"efficientnet-lite0, {args.n:,} Fashion-MNIST images at {args.resolution} px",
        ["side", "seconds", "images/s", "RSS before (MiB)", "peak RSS (MiB)"],
        rows,
    )
    print(machine_summary(args.threads))
    for side, (_, meta) in results.items():
        print(f"{side}: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    cosine = (onnx_vectors * torch_vectors).sum(1) / (
        np.linalg.norm(onnx_vectors, axis=1) * np.linalg.norm(torch_vectors, axis=1)
    )
    ratio = torch_meta["seconds"] / onnx_meta["seconds"]
    print(f"cosine agreement (row-wise): mean {cosine.mean():.5f}, min {cosine.min():.5f}")
    print(
        f"ratio onnxruntime / torch images per second: {ratio:.2f} (target >= 1.5), "
        f"min cosine {cosine.min():.4f} (target >= 0.99)"
    )


if __name__ == "__main__":
    main()
