"""Word2Vec: embedlab's wrapper against plain gensim, same parameters, same corpus, one run.

Both sides start from the raw corpus file (benchmarks/word_corpus.py) and run in their own
process (peak memory is their own):
- embedlab: `Word2Vec(...).fit(TextLines(path))`: one preprocessing pass to a token file, then
  gensim in `corpus_file` mode;
- gensim: `gensim.models.Word2Vec(sentences=...)` over `gensim.utils.simple_preprocess` of each
  line, the idiomatic streaming use (tokenised again every epoch);
- gensim-file: gensim's `corpus_file` training alone on the very token file embedlab prepares
  (tokenising done before the clock starts): the strictest baseline, pure gensim C training on
  the same tokens. embedlab / gensim-file is what the wrapper and its tokenising pass cost.
Same vector_size, window, negative, sample, min_count, epochs and workers. Prints wall time,
words/s (corpus tokens / wall time), peak memory, and analogy / WordSim353 / SimLex-999 scored by
the same evaluator for both.

    .venv/bin/python benchmarks/word2vec.py [--corpus PATH] [--sg] [--threads 2]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from _common import (
    fmt,
    machine_summary,
    print_table,
    run_side,
    stopwatch,
    versions,
    write_side_result,
)
from word_corpus import DEFAULT_CACHE, build

SIDES = ("embedlab", "gensim", "gensim-file")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="raw text file [default: build it]")
    parser.add_argument("--sg", action="store_true", help="skip-gram instead of CBOW")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


class SimplePreprocessed:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self):
        from gensim.utils import simple_preprocess

        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                tokens = simple_preprocess(line)
                if tokens:
                    yield tokens


def run_one(args: argparse.Namespace) -> None:
    from embedlab.words.evaluate import evaluate_word_vectors
    from embedlab.words.vectors import WordVectors

    params = dict(
        vector_size=args.dim,
        window=args.window,
        negative=5,
        sample=1e-3,
        min_count=args.min_count,
        epochs=args.epochs,
        workers=args.threads,
        seed=0,
    )
    with stopwatch() as timing:
        if args.side == "embedlab":
            from embedlab.methods.word import Word2Vec
            from embedlab.preprocess.text import TextLines

            model = Word2Vec(sg=args.sg, **params).fit(TextLines(args.corpus))
            vectors = WordVectors(model.words_, model.vectors_)
            tokens = model.report_["tokens"]
        elif args.side == "gensim-file":
            timing["untimed"] = 0.0
            model, tokens = _gensim_on_prepared_tokens(args, params, timing)
            vectors = WordVectors(model.wv.index_to_key, model.wv.vectors)
        else:
            from gensim.models import Word2Vec as GensimWord2Vec

            model = GensimWord2Vec(
                sentences=SimplePreprocessed(args.corpus), sg=int(args.sg), hs=0, **params
            )
            vectors = WordVectors(model.wv.index_to_key, model.wv.vectors)
            tokens = model.corpus_total_words
    scores = {s.benchmark: s.score for s in evaluate_word_vectors(vectors)}
    meta = {
        "seconds": timing["seconds"] - timing.get("untimed", 0.0),
        "tokens": tokens,
        "vocabulary": len(vectors),
        "scores": scores,
        "versions": versions(["gensim", "numpy"]),
    }
    write_side_result(args.out, np.zeros(1), meta)


def _gensim_on_prepared_tokens(args, params, timing):  # type: ignore[no-untyped-def]
    """Tokenise with embedlab's preprocessing (time subtracted), then train gensim alone."""
    import time

    from gensim.models import Word2Vec as GensimWord2Vec

    from embedlab.methods.word import Word2Vec
    from embedlab.preprocess.text import TextLines
    from embedlab.words.corpus import prepare_corpus, temporary_folder

    started = time.perf_counter()
    options = Word2Vec().text_options()
    folder = temporary_folder()
    corpus = prepare_corpus(TextLines(args.corpus), options, folder.name)
    timing["untimed"] = time.perf_counter() - started
    model = GensimWord2Vec(corpus_file=str(corpus.path), sg=int(args.sg), hs=0, **params)
    return model, corpus.n_tokens


def main() -> None:
    args = parse_args()
    if args.side:
        run_one(args)
        return
    corpus = args.corpus or build(DEFAULT_CACHE)
    extra = [
        "--corpus",
        str(corpus),
        "--dim",
        str(args.dim),
        "--window",
        str(args.window),
        "--epochs",
        str(args.epochs),
        "--min-count",
        str(args.min_count),
        "--threads",
        str(args.threads),
    ] + (["--sg"] if args.sg else [])
    metas = {}
    with tempfile.TemporaryDirectory() as work:
        for side in SIDES:
            _, metas[side] = run_side(__file__, side, Path(work), extra)
    tokens = metas["embedlab"]["tokens"]
    rows = []
    for side, meta in metas.items():
        s = meta["scores"]
        rows.append(
            [
                side,
                fmt(meta["seconds"], 1),
                f"{tokens / meta['seconds']:,.0f}",
                f"{meta['vocabulary']:,}",
                fmt(meta["peak_rss_mib"], 0),
                fmt(s["analogy"], 3),
                fmt(s["wordsim353"], 3),
                fmt(s["simlex999"], 3),
            ]
        )
    mode = "skip-gram" if args.sg else "CBOW"
    print_table(
        f"Word2Vec {mode} {args.dim}-d, window {args.window}, {args.epochs} epochs, "
        f"{tokens:,} tokens",
        ["side", "wall s", "words/s", "vocab", "peak MiB", "analogy", "WS353", "SimLex"],
        rows,
        caption=machine_summary(args.threads),
    )
    for peer in ("gensim", "gensim-file"):
        ratio = metas[peer]["seconds"] / metas["embedlab"]["seconds"]
        print(f"words/s ratio embedlab / {peer}: {ratio:.2f} (target >= 0.95)")


if __name__ == "__main__":
    main()
