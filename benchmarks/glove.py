"""GloVe: embedlab's numba implementation against the reference C code (stanfordnlp/GloVe), with
the same window, dimension, iterations, x_max, min_count and threads, on the same corpus.

The reference is not vendored and cannot be downloaded by this script on machines that reach
only package registries: build it yourself outside the repository and pass its folder,
    git clone https://github.com/stanfordnlp/GloVe ~/.cache/embedlab/glove-c
    make -C ~/.cache/embedlab/glove-c
    .venv/bin/python benchmarks/glove.py --glove-dir ~/.cache/embedlab/glove-c
(or set EMBEDLAB_GLOVE_DIR). Its code is never committed here.

Sides, each in its own process:
- embedlab: `GloVe(...).fit(TextLines(corpus))`, from the raw text: tokenising, counting,
  co-occurrences, training;
- reference: vocab_count, cooccur, shuffle, glove (demo.sh's pipeline) on the corpus tokenised by
  embedlab beforehand (that tokenising is NOT counted in its time: the reference cannot tokenise).
Prints wall time, the time ratio (reference / embedlab: >= 1 means embedlab is as fast or
faster), peak memory (the largest reference step), and analogy / WordSim353 / SimLex-999 for both
with the same evaluator.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from _common import fmt, machine_summary, print_table, run_side, stopwatch, write_side_result
from word_corpus import DEFAULT_CACHE, build

SIDES = ("embedlab", "reference")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="raw text file [default: build it]")
    parser.add_argument("--glove-dir", type=Path, default=os.environ.get("EMBEDLAB_GLOVE_DIR"))
    parser.add_argument("--dim", type=int, default=50)
    parser.add_argument("--window", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--x-max", type=float, default=10.0)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--tokens", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def reference(args: argparse.Namespace, work: Path) -> Path:
    """demo.sh's four steps; returns the vectors file."""
    build_dir = args.glove_dir.expanduser() / "build"
    tokens = args.tokens

    def step(name: str, options: list[str], stdin: Path, stdout: Path | None) -> None:
        target = stdout if stdout else Path(os.devnull)
        with stdin.open("rb") as fin, target.open("wb") as fout:
            subprocess.run(
                [str(build_dir / name), *options],
                stdin=fin,
                stdout=fout,
                stderr=subprocess.DEVNULL,
                check=True,
                cwd=work,
            )

    vocab = work / "vocab.txt"
    step("vocab_count", ["-min-count", str(args.min_count)], tokens, vocab)
    step(
        "cooccur",
        ["-memory", "4.0", "-vocab-file", str(vocab), "-window-size", str(args.window)],
        tokens,
        work / "cooc.bin",
    )
    step("shuffle", ["-memory", "4.0"], work / "cooc.bin", work / "cooc.shuf.bin")
    subprocess.run(
        [
            str(build_dir / "glove"),
            "-save-file",
            str(work / "vectors"),
            "-threads",
            str(args.threads),
            "-input-file",
            str(work / "cooc.shuf.bin"),
            "-x-max",
            str(args.x_max),
            "-iter",
            str(args.epochs),
            "-vector-size",
            str(args.dim),
            "-binary",
            "0",
            "-vocab-file",
            str(vocab),
            "-model",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        cwd=work,
    )
    return work / "vectors.txt"


def run_one(args: argparse.Namespace) -> None:
    from embedlab.words.evaluate import evaluate_word_vectors
    from embedlab.words.vectors import WordVectors, load_word_vectors

    with tempfile.TemporaryDirectory() as work, stopwatch() as timing:
        if args.side == "embedlab":
            from embedlab.methods.word import GloVe
            from embedlab.preprocess.text import TextLines

            model = GloVe(
                vector_size=args.dim,
                window=args.window,
                epochs=args.epochs,
                x_max=args.x_max,
                min_count=args.min_count,
                threads=args.threads,
                memory_mb=2048,
            ).fit(TextLines(args.corpus))
            vectors = WordVectors(model.words_, model.vectors_)
            extra = {"loss": model.report_["loss_per_epoch"][-1]}
        else:
            vectors = load_word_vectors(reference(args, Path(work)))
            extra = {}
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    scores = {s.benchmark: s.score for s in evaluate_word_vectors(vectors)}
    meta = {
        "seconds": timing["seconds"],
        "vocabulary": len(vectors),
        "scores": scores,
        "child_peak_rss_mib": children,
        **extra,
    }
    write_side_result(args.out, np.zeros(1), meta)


def main() -> None:
    args = parse_args()
    if args.side:
        run_one(args)
        return
    if args.glove_dir is None or not (args.glove_dir.expanduser() / "build" / "glove").exists():
        raise SystemExit(
            "Pass --glove-dir (or EMBEDLAB_GLOVE_DIR): a folder with the reference GloVe built "
            "(its build/glove must exist). See this script's docstring."
        )
    corpus = args.corpus or build(DEFAULT_CACHE)
    with tempfile.TemporaryDirectory() as work:
        from embedlab.methods.word import GloVe
        from embedlab.preprocess.text import TextLines
        from embedlab.words.corpus import prepare_corpus

        tokens = prepare_corpus(TextLines(corpus), GloVe().text_options(), work).path
        extra = [
            "--corpus",
            str(corpus),
            "--tokens",
            str(tokens),
            "--dim",
            str(args.dim),
            "--window",
            str(args.window),
            "--epochs",
            str(args.epochs),
            "--x-max",
            str(args.x_max),
            "--min-count",
            str(args.min_count),
            "--threads",
            str(args.threads),
            "--glove-dir",
            str(args.glove_dir),
        ]
        metas = {side: run_side(__file__, side, Path(work), extra)[1] for side in SIDES}
    rows = []
    for side, meta in metas.items():
        s = meta["scores"]
        peak = max(meta["peak_rss_mib"], meta["child_peak_rss_mib"])
        rows.append(
            [
                side,
                fmt(meta["seconds"], 1),
                f"{meta['vocabulary']:,}",
                fmt(peak, 0),
                fmt(s["analogy"], 3),
                fmt(s["wordsim353"], 3),
                fmt(s["simlex999"], 3),
            ]
        )
    print_table(
        f"GloVe {args.dim}-d, window {args.window}, {args.epochs} iterations, x_max {args.x_max}",
        ["side", "wall s", "vocab", "peak MiB", "analogy", "WS353", "SimLex"],
        rows,
        caption=machine_summary(args.threads),
    )
    ratio = metas["reference"]["seconds"] / metas["embedlab"]["seconds"]
    print(f"time ratio reference / embedlab: {ratio:.2f} (target >= 1.0)")


if __name__ == "__main__":
    main()
