"""Bounded memory and search at scale: peak RSS of `ingest` and `embed` as N grows, and search
through the HTTP API under concurrent clients, with recall against exact search.

Every measured step runs in its own process under `/usr/bin/time -v` (its peak RSS is its own):

- data: N synthetic short texts (6 words: 3 from one of 1,000 topics' 20 words, 3 from a
  5,000-word vocabulary, seed 0) written to a CSV with columns id, text, label (the topic);
- ingest: `embedlab.pipeline.ingest.ingest(ws, "texts", CSV)` (streaming, batches of 100k
  rows); at --whole-max N and below also the previous in-memory path in the same run
  (`read_source` + `prepare_items` + `save_result` of the whole table), the peer;
- embed: `embed(ws, "texts", "bench-hashed-words")`, a method registered by this script: each
  word hashed into one of 16,384 seeded random 384-d vectors, a text the sum of its words'
  vectors (cheap, vectorised, real text in and real vectors out through the whole pipeline:
  partial table, committed batches, the streaming rewrite in row order);
- words: `train_words(ws, "texts", "word2vec", epochs=1, vector_size=100)` on the texts
  (read from the table in batches, tokenised once to a file, gensim's corpus_file mode);
- search: the space's index is built (`space_index`: HNSW above 100k items, M=16,
  ef_construction=200, ef tuned to recall@10 >= 0.97 on 300 rows; timed on its own), then the
  API (`create_app` in uvicorn, its own process) answers `GET .../search?by=id&q=ID&k=10` from
  --clients client threads in this process for --seconds; p50/p99 latency, queries/s, and the
  recall@10 of the API's answers for --recall-queries ids against exact search;
- graph: the exact k=15 neighbour graph in one process, then with its row blocks on a local Ray
  of 1 and of 2 workers (`neighbors --engine ray`), each a whole process.

    /usr/bin/time -v python benchmarks/scale.py --n 1000000 --ingest-n 1000000 10000000
    python benchmarks/scale.py --steps ef --n 120000        # recall and cost per query by ef
    python benchmarks/scale.py --steps embed,graph --n 50000   # the graph: local against Ray
    python benchmarks/scale.py --steps index --n 1000000; ... --steps load   # build, then serve
    python benchmarks/scale.py --n 20000 --ingest-n 20000 --seconds 5     # smoke run
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve()
DIMS = 384
SEARCH = "/api/datasets/texts/spaces/bench-hashed-words/search"


# -- the cheap text method ----------------------------------------------------------------------
def register_hashed_words() -> None:
    """Register 'bench-hashed-words' (see the module docstring) in this process."""
    import pandas as pd

    from embedlab.methods.base import Embedder, register

    class HashedWords(Embedder):
        """A text as the sum of its words' seeded random vectors (the hashing trick)."""

        name = "bench-hashed-words"
        modality = "text"
        pretrained = True
        fit_sample = 0

        def __init__(self, *, dims: int = DIMS, buckets: int = 16_384, seed: int = 0) -> None:
            self.dims = dims
            self.buckets = buckets
            self.seed = seed

        def fit(self, X: Any) -> HashedWords:
            rng = np.random.default_rng(self.seed)
            self.table_ = rng.standard_normal((self.buckets, self.dims)).astype(np.float32)
            self.dimension_ = self.dims
            return self

        def transform(self, X: Any) -> np.ndarray:
            self._check_fitted()
            words = [t.split() or [""] for t in X]
            counts = np.fromiter((len(w) for w in words), np.int64, count=len(words))
            flat = np.array([w for ws in words for w in ws], dtype=object)
            buckets = pd.util.hash_array(flat) % np.uint64(self.buckets)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            summed = np.add.reduceat(self.table_[buckets.astype(np.int64)], starts, axis=0)
            return np.ascontiguousarray(summed, dtype=np.float32)

        def get_state(self) -> dict[str, np.ndarray]:
            return {"table": self.table_}

        def set_state(self, state: dict[str, np.ndarray]) -> HashedWords:
            self.table_ = state["table"]
            self.dimension_ = self.table_.shape[1]
            return self

    register(HashedWords)


# -- data ---------------------------------------------------------------------------------------
def write_texts(path: Path, n: int, chunk: int = 500_000) -> None:
    """N short texts on 1,000 topics as id,text,label (seeded; written in chunks)."""
    rng = np.random.default_rng(0)
    topic_words = np.array([f"t{t}w{j}" for t in range(1000) for j in range(20)]).reshape(1000, 20)
    vocabulary = np.array([f"w{j}" for j in range(5000)])
    with path.open("w", encoding="utf-8") as out:
        out.write("id,text,label\n")
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            topics = rng.integers(0, 1000, m)
            own = topic_words[topics[:, None], rng.integers(0, 20, (m, 3))]
            common = vocabulary[rng.integers(0, 5000, (m, 3))]
            words = np.concatenate([own, common], axis=1)
            lines = [
                f"doc{start + i},{' '.join(w)},topic{t}\n"
                for i, (w, t) in enumerate(zip(words.tolist(), topics.tolist(), strict=True))
            ]
            out.writelines(lines)


# -- children (each in its own process) ---------------------------------------------------------
def child(args: argparse.Namespace) -> None:
    from embedlab.store.workspace import Workspace

    register_hashed_words()
    ws = Workspace(args.workspace)
    started = time.perf_counter()
    extra: dict[str, Any] = {}
    if args.step == "ingest":
        from embedlab.pipeline.ingest import ingest

        extra["n_items"] = ingest(ws, "texts", args.source).n_items
    elif args.step == "ingest-whole":
        from embedlab.io.items import prepare_items
        from embedlab.io.readers import read_source
        from embedlab.store.manifest import RunRecord

        prepared = prepare_items(read_source(args.source), "src")
        run = RunRecord(kind="ingest", dataset="whole", method="ingest", params={})
        ws.save_result("dataset", "whole", "whole", prepared.table, run=run, inputs=[], meta={})
        extra["n_items"] = prepared.table.num_rows
    elif args.step == "embed":
        from embedlab.pipeline.embed import embed

        report = embed(ws, "texts", "bench-hashed-words", batch_rows=8192)
        extra["n_items"] = report.space.meta["n_items"]
    elif args.step == "words":
        from embedlab.pipeline.words import train_words

        report = train_words(ws, "texts", "word2vec", params={"epochs": 1, "vector_size": 100})
        extra["n_words"] = report.n_words
    elif args.step == "index":
        from embedlab.pipeline.index import space_index

        ws.delete("index", "texts", "bench-hashed-words")  # measure a build
        index = space_index(ws, ws.space("texts", "bench-hashed-words"))
        extra["meta"] = index.meta
    elif args.step.startswith("graph-"):
        extra.update(graph_step(ws, args.step.removeprefix("graph-")))
    elif args.step == "serve":
        serve(ws, args.port)
    extra["seconds"] = round(time.perf_counter() - started, 2)
    print("RESULT " + json.dumps(extra, default=str), flush=True)


def graph_step(ws: Any, engine: str) -> dict[str, Any]:
    """The exact k=15 graph of the space: in this process ('local') or on a local Ray of 1 or
    2 workers ('ray1', 'ray2'); the Ray start is part of the measured process."""
    from embedlab.pipeline.graph import neighbors

    space = ws.space("texts", "bench-hashed-words")
    if engine == "local":
        graph = neighbors(ws, "texts", space, k=15, method="exact", force=True)
    else:
        from embedlab.pipeline.ray_engine import RayEngine

        with RayEngine(workers=int(engine.removeprefix("ray"))) as ray_engine:
            graph = neighbors(
                ws, "texts", space, k=15, method="exact", force=True, engine=ray_engine
            )
    return {"indices": graph.indices[:200].tolist()}


def graph_benchmark(workspace: Path) -> dict[str, Any]:
    """Local against Ray (1 and 2 workers): whole-process seconds, peak RSS, same graph."""
    figures = {engine: measured(f"graph-{engine}", workspace) for engine in ENGINES}
    local = np.array(figures["local"].pop("indices"))
    for engine in ENGINES[1:]:
        same = (np.array(figures[engine].pop("indices")) == local).mean()
        figures[engine]["same_neighbours_first_200_rows"] = round(float(same), 4)
    one, two = figures["ray1"]["seconds"], figures["ray2"]["seconds"]
    figures["ray 2 workers / 1 worker speed-up"] = round(one / two, 2)
    return figures


ENGINES = ("local", "ray1", "ray2")


def serve(ws: Any, port: int) -> None:
    import uvicorn

    from embedlab.api import create_app

    config = uvicorn.Config(create_app(ws), host="127.0.0.1", port=port, log_level="error")
    uvicorn.Server(config).run()


def measured(step: str, workspace: Path, source: Path | None = None) -> dict[str, Any]:
    """Run one child step under /usr/bin/time -v; its result, wall time and peak RSS."""
    command = ["/usr/bin/time", "-v", sys.executable, str(HERE), "--child", step]
    command += ["--workspace", str(workspace)] + (["--source", str(source)] if source else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.split("RESULT ", 1)[1].splitlines()[0])
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    result["peak_rss_mib"] = round(int(rss.group(1)) / 1024) if rss else None
    return result


# -- search under load --------------------------------------------------------------------------
def _get(conn: http.client.HTTPConnection, path: str) -> dict[str, Any]:
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
    return json.loads(body)


def load_test(port: int, n: int, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` threads, each on its own keep-alive connection, asking for random ids."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    stop = time.perf_counter() + seconds

    def client(number: int) -> None:
        rng = np.random.default_rng(100 + number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            item = f"doc{int(rng.integers(n))}"
            begun = time.perf_counter()
            _get(conn, f"{SEARCH}?by=id&q={item}&k=10")
            latencies[number].append(time.perf_counter() - begun)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = np.array([t for per in latencies for t in per]) * 1000
    return {
        "queries": int(every.size),
        "qps": round(every.size / seconds, 1),
        "p50_ms": round(float(np.percentile(every, 50)), 1),
        "p99_ms": round(float(np.percentile(every, 99)), 1),
    }


def api_recall(port: int, workspace: Path, n: int, queries: int) -> dict[str, float]:
    """Recall@10 of the API's id searches against exact search over the unit vectors: the
    share of the true 10 found, and the share of answers as similar as the true 10th (ties)."""
    from embedlab.analysis.index import ExactIndex
    from embedlab.store.workspace import Workspace

    ws = Workspace(workspace)
    entry = ws.result("index", "texts", "bench-hashed-words")
    unit = np.load(ws.index_folder(entry.table) / "unit.npy", mmap_mode="r")
    rows = np.random.default_rng(7).choice(n, size=queries, replace=False)
    truth, truth_sims = ExactIndex().build(unit).query(np.asarray(unit[rows]), 11)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    found = tied = 0
    for row, exact, sims in zip(rows, truth, truth_sims, strict=True):
        answer = _get(conn, f"{SEARCH}?by=id&q=doc{row}&k=10")
        got = {int(h["id"][3:]) for h in answer["hits"]}
        found += len(got & {int(r) for r in exact[exact != row][:10]})
        tenth = sims[exact != row][:10][-1]
        tied += sum(h["score"] >= tenth - 1e-5 for h in answer["hits"])
    return {
        "recall_at_10": round(found / (queries * 10), 4),
        "tie_aware": round(tied / (queries * 10), 4),
    }


def ef_tradeoff(workspace: Path, rows_asked: int = 300) -> dict[str, Any]:
    """Recall@10 and single-thread time per query of the stored HNSW index at each ef."""
    from embedlab.analysis.exact_search import drop_self
    from embedlab.analysis.index import ExactIndex, HnswIndex
    from embedlab.store.workspace import Workspace

    ws = Workspace(workspace)
    folder = ws.index_folder(ws.result("index", "texts", "bench-hashed-words").table)
    unit = np.load(folder / "unit.npy", mmap_mode="r")
    index = HnswIndex.load(folder / "hnsw.bin", unit)
    rows = np.random.default_rng(5).choice(unit.shape[0], rows_asked, replace=False)
    queries = np.asarray(unit[rows])
    truth, _ = drop_self(*ExactIndex().build(unit).query(queries, 11), 10, self_ids=rows)
    figures = {}
    for ef in (64, 128, 256, 512, 1024):
        index.set_ef(ef)
        begun = time.perf_counter()
        for query in queries:
            index.query(query, 11)
        per_query = (time.perf_counter() - begun) / len(rows) * 1000
        found, _ = drop_self(*index.query(queries, 11), 10, self_ids=rows)
        hits = sum(len(set(a) & set(b)) for a, b in zip(truth, found, strict=True))
        figures[f"ef {ef}"] = {
            "recall_at_10": round(hits / (10 * len(rows)), 4),
            "ms_per_query": round(per_query, 2),
        }
    return figures


def search_benchmark(workspace: Path, n: int, args: argparse.Namespace) -> dict[str, Any]:
    port = 8765
    command = [sys.executable, str(HERE), "--child", "serve", "--workspace", str(workspace)]
    server = subprocess.Popen([*command, "--port", str(port)])
    try:
        conn = None
        for _ in range(600):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                _get(conn, f"{SEARCH}?by=id&q=doc0&k=10")
                break
            except (ConnectionRefusedError, OSError):
                time.sleep(0.5)
        warm = load_test(port, n, args.clients, 3)  # warm-up, not reported
        result = load_test(port, n, args.clients, args.seconds)
        result["warm_up"] = warm
        result.update(api_recall(port, workspace, n, args.recall_queries))
        return result
    finally:
        server.terminate()
        server.wait()


# -- the run ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="items embedded and searched")
    parser.add_argument("--search-n", type=int, default=None, help="items searched (default: n)")
    parser.add_argument("--ingest-n", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--whole-max", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=HERE.parent / ".cache" / "scale")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--recall-queries", type=int, default=200)
    parser.add_argument("--steps", default="ingest,embed,search")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=8765, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.step = args.child
        child(args)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    figures: dict[str, Any] = {}
    for n in args.ingest_n if "ingest" in steps else []:
        source = args.cache / f"texts-{n}.csv"
        if not source.exists():
            write_texts(source, n)
        workspace = args.cache / f"ws-ingest-{n}"
        figures[f"ingest {n:,}"] = measured("ingest", workspace, source)
        if n <= args.whole_max:
            figures[f"ingest-whole {n:,}"] = measured("ingest-whole", workspace, source)
        print(json.dumps(figures, indent=1), flush=True)
    workspace = args.cache / f"ws-{args.n}"
    if "embed" in steps:
        source = args.cache / f"texts-{args.n}.csv"
        if not source.exists():
            write_texts(source, args.n)
        figures[f"ingest {args.n:,} (for embed)"] = measured("ingest", workspace, source)
        figures[f"embed {args.n:,} x {DIMS}"] = measured("embed", workspace)
        print(json.dumps(figures, indent=1), flush=True)
    if "words" in steps:
        figures[f"words word2vec on {args.n:,} texts"] = measured("words", workspace)
        print(json.dumps(figures, indent=1), flush=True)
    if "search" in steps:  # the index built anew, then the load test
        steps += ["index", "load"]
    if "index" in steps or "load" in steps:
        n = args.search_n or args.n
        workspace = args.cache / f"ws-{n}"
        if not (workspace / "lance").is_dir():
            source = args.cache / f"texts-{n}.csv"
            write_texts(source, n)
            measured("ingest", workspace, source)
            measured("embed", workspace)
    if "index" in steps:
        figures[f"index {n:,} x {DIMS}"] = measured("index", workspace)
        print(json.dumps(figures, indent=1), flush=True)
    if "load" in steps:  # the stored index (`--steps load` alone: built by an earlier run)
        figures[f"search {n:,} x {DIMS}"] = search_benchmark(workspace, n, args)
    if "graph" in steps:
        figures[f"exact graph k=15 {args.n:,} x {DIMS}"] = graph_benchmark(workspace)
    if "ef" in steps:
        n = args.search_n or args.n
        figures[f"ef trade-off {n:,}"] = ef_tradeoff(args.cache / f"ws-{n}")
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
