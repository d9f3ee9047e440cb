"""node2vec: embedlab's CLI against pecanpy 2.0.9's CLI, same graph, same settings, one run.

Data (written once under benchmarks/.cache/graph-embed, reused while the parameters match):
- a seeded stochastic block model: `--nodes` nodes in `--communities` equal blocks (a seeded
  shuffle assigns nodes to blocks), `--degree` mean degree (so --nodes 100000 gives about
  500,000 edges), a share `--mixing` of the edges between blocks; for each block pair the edge
  count is drawn Binomial(pairs, p) and that many pairs are sampled uniformly (duplicates and
  self-pairs dropped). The planted block is the node label;
- a real graph bundled with networkx: Zachary's karate club (34 nodes, 78 edges, label = the
  club each member joined; `--real davis` takes the Davis southern-women graph, label = woman
  or event). networkx's other bundled graphs (les_miserables, florentine families) have no
  label to predict, and no larger labelled graph was found in a package that installs offline
  here; the synthetic graph carries the scale.

Each side runs as a whole process under `/usr/bin/time -v` (wall seconds, peak RSS):
- embedlab: `embedlab --workspace W ingest NAME edges.csv --edges source,target --nodes
  nodes.csv --id id --label community` (timed separately), then `embedlab embed NAME --method
  node2vec --param workers=T` (defaults: 10 walks per node, 80 steps, window 10, 128 dimensions,
  5 negative samples, sample 1e-3, alpha 0.025, one epoch, seed 0), then `embedlab export` to
  Parquet (id + vector, untimed); with `--with-gensim`, the same embed again with
  `--param trainer=gensim` (gensim's skip-gram on the same walks, written to a token file);
- pecanpy: `pecanpy --input edges.edg --output emb.npz --mode SparseOTF --p 1 --q 1 ...` with
  the same settings (its gensim Word2Vec keeps gensim's negative 5, sample 1e-3, alpha 0.025),
  in its own venv (benchmarks/.cache/pecanpy-venv: pecanpy pins numpy < 2 through nptyping),
  created here with `python3 -m venv` and `pip install pecanpy==2.0.9` if missing.
Accuracy: the same scikit-learn probe on both vector sets (standardised, logistic regression,
max_iter 1000), on a stratified 80/20 split (seed 0); leave-one-out on graphs under 200 nodes.
Prints wall and CPU (user + system) seconds, peak MiB, accuracy, the time ratio pecanpy /
embedlab (wall; CPU beside it, for a shared machine), the accuracy gap, pecanpy's walk /
training split (its --verbose log), the machine; with `--profile`, embedlab's walk / training
split too, from a separate library run of the same settings (an untimed extra).

    .venv/bin/python benchmarks/graph_embed.py [--nodes 100000] [--threads 2] [--real karate]
        [--profile] [--skip-sbm] [--embedlab PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import fmt, print_table

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "graph-embed"
PECANPY_VENV = HERE / ".cache" / "pecanpy-venv"
PECANPY_VERSION = "2.0.9"
SETTINGS = {  # embedlab's node2vec defaults; pecanpy gets the same
    "dimensions": 128,
    "walk_length": 80,
    "num_walks": 10,
    "window": 10,
    "epochs": 1,
    "p": 1.0,
    "q": 1.0,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000, help="SBM nodes [100000]")
    parser.add_argument("--degree", type=float, default=10.0, help="SBM mean degree [10]")
    parser.add_argument("--communities", type=int, default=10, help="SBM blocks [10]")
    parser.add_argument(
        "--mixing", type=float, default=0.5, help="share of SBM edges between blocks [0.5]"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--real", choices=("karate", "davis", "none"), default="karate")
    parser.add_argument("--skip-sbm", action="store_true", help="only the real graph")
    parser.add_argument(
        "--with-gensim",
        action="store_true",
        help="a third side: embedlab with trainer=gensim (gensim's skip-gram on the same walks)",
    )
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time embedlab's stages (walks, training) in a separate library run",
    )
    parser.add_argument("--profile-side", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--embedlab",
        default=str(Path(sys.executable).parent / "embedlab"),
        help="embedlab executable [the one beside this Python]",
    )
    return parser.parse_args()


# ---------------------------------------------------------------- data


def sbm_edges(
    n: int, degree: float, communities: int, mixing: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(edges (m, 2) int64 with source < target, labels (n,)) of a planted-partition SBM."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % communities)
    members = [np.flatnonzero(labels == c) for c in range(communities)]
    sizes = np.array([len(m) for m in members], dtype=np.float64)
    inside_pairs = float((sizes * (sizes - 1) / 2).sum())
    between_pairs = float((sizes.sum() ** 2 - (sizes**2).sum()) / 2)
    edges_wanted = n * degree / 2
    p_in = edges_wanted * (1 - mixing) / inside_pairs
    p_out = edges_wanted * mixing / between_pairs if between_pairs else 0.0
    parts = []
    for a in range(communities):
        for b in range(a, communities):
            pairs = sizes[a] * (sizes[a] - 1) / 2 if a == b else sizes[a] * sizes[b]
            count = rng.binomial(int(pairs), p_in if a == b else p_out)
            u = members[a][rng.integers(0, len(members[a]), count)]
            v = members[b][rng.integers(0, len(members[b]), count)]
            parts.append(np.stack([u, v], axis=1))
    edges = np.concatenate(parts)
    edges = edges[edges[:, 0] != edges[:, 1]]
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    return edges[rng.permutation(len(edges))], labels


def real_edges(name: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Edges and labels of a graph bundled with networkx (node names made token-safe)."""
    import networkx as nx

    if name == "karate":
        graph = nx.karate_club_graph()
        labels = {v: graph.nodes[v]["club"] for v in graph}
    else:
        graph = nx.davis_southern_women_graph()
        labels = {v: "woman" if graph.nodes[v]["bipartite"] == 0 else "event" for v in graph}
    safe = {v: re.sub(r"\W+", "_", str(v)) for v in graph}
    edges = [(safe[a], safe[b]) for a, b in graph.edges()]
    return edges, {safe[v]: label for v, label in labels.items()}


def write_graph(folder: Path, edges: list[tuple[str, str]], labels: dict[str, str]) -> None:
    """edges.csv (source,target), nodes.csv (id,community) and edges.edg (tab, for pecanpy)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "edges.csv").open("w") as fh:
        fh.write("source,target\n")
        fh.writelines(f"{a},{b}\n" for a, b in edges)
    with (folder / "edges.edg").open("w") as fh:
        fh.writelines(f"{a}\t{b}\n" for a, b in edges)
    with (folder / "nodes.csv").open("w") as fh:
        fh.write("id,community\n")
        fh.writelines(f"{v},{label}\n" for v, label in labels.items())


def prepare_sbm(args: argparse.Namespace) -> tuple[Path, dict[str, object]]:
    key = f"sbm-n{args.nodes}-d{args.degree:g}-c{args.communities}-m{args.mixing:g}-s{args.seed}"
    folder = args.cache / key
    info_path = folder / "info.json"
    if info_path.exists():
        return folder, json.loads(info_path.read_text())
    started = time.perf_counter()
    edges, labels = sbm_edges(args.nodes, args.degree, args.communities, args.mixing, args.seed)
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(
        folder / "edges.csv", edges, fmt="%d", delimiter=",", header="source,target", comments=""
    )
    np.savetxt(folder / "edges.edg", edges, fmt="%d", delimiter="\t")
    ids = np.arange(args.nodes)
    np.savetxt(
        folder / "nodes.csv",
        np.stack([ids, labels], axis=1),
        fmt="%d",
        delimiter=",",
        header="id,community",
        comments="",
    )
    between = int((labels[edges[:, 0]] != labels[edges[:, 1]]).sum())
    degrees = np.bincount(edges.ravel(), minlength=args.nodes)
    info = {
        "graph": f"SBM {args.nodes:,} nodes, {args.communities} blocks, mixing {args.mixing:g}",
        "nodes": args.nodes,
        "edges": int(len(edges)),
        "between_share": round(between / len(edges), 4),
        "isolated": int((degrees == 0).sum()),
        "seconds": round(time.perf_counter() - started, 1),
    }
    info_path.write_text(json.dumps(info, indent=2))
    return folder, info


def prepare_real(args: argparse.Namespace) -> tuple[Path, dict[str, object]]:
    folder = args.cache / f"real-{args.real}"
    edges, labels = real_edges(args.real)
    write_graph(folder, edges, labels)
    title = {"karate": "karate club (networkx)", "davis": "Davis southern women (networkx)"}
    info = {"graph": title[args.real], "nodes": len(labels), "edges": len(edges)}
    return folder, info


# ---------------------------------------------------------------- running


def timed(command: list[str], log: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run `command` under /usr/bin/time -v; wall seconds and peak RSS (MiB); output to `log`."""
    started = time.perf_counter()
    with log.open("w") as fh:
        result = subprocess.run(
            ["/usr/bin/time", "-v", *command],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
    seconds = time.perf_counter() - started
    text = log.read_text(errors="replace")
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({result.returncode}); see {log}:\n" + text[-3000:]
        )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    return {
        "seconds": seconds,
        "peak_mib": int(peak.group(1)) / 1024 if peak else float("nan"),
        "cpu_seconds": cpu,
    }


def ensure_pecanpy() -> Path:
    """pecanpy's own venv (numpy < 2), created on first use."""
    exe = PECANPY_VENV / "bin" / "pecanpy"
    if not exe.exists():
        print(f"creating {PECANPY_VENV} (pip install pecanpy=={PECANPY_VERSION})", flush=True)
        subprocess.run(["python3", "-m", "venv", str(PECANPY_VENV)], check=True)
        subprocess.run(
            [str(PECANPY_VENV / "bin" / "pip"), "install", "-q", f"pecanpy=={PECANPY_VERSION}"],
            check=True,
        )
    return exe


def run_embedlab(
    args: argparse.Namespace, folder: Path, work: Path, trainer: str = "embedlab"
) -> dict[str, object]:
    """ingest (timed apart), embed (timed: the figure), export (untimed)."""
    workspace = work / f"embedlab-ws-{trainer}"
    shutil.rmtree(workspace, ignore_errors=True)
    base = [args.embedlab, "--workspace", str(workspace)]
    ingest = timed(
        [
            *base,
            "ingest",
            "g",
            str(folder / "edges.csv"),
            "--edges",
            "source,target",
            "--nodes",
            str(folder / "nodes.csv"),
            "--id",
            "id",
            "--label",
            "community",
        ],
        work / "embedlab-ingest.log",
    )
    embed = timed(
        [
            *base,
            "embed",
            "g",
            "--method",
            "node2vec",
            "--param",
            f"workers={args.threads}",
            *(["--param", f"trainer={trainer}"] if trainer != "embedlab" else []),
        ],
        work / f"embedlab-embed-{trainer}.log",
    )
    out = work / f"embedlab-{trainer}.parquet"
    subprocess.run(
        [*base, "export", "g", "node2vec", str(out)], check=True, stdout=subprocess.DEVNULL
    )
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    ids = [str(v) for v in table.column("id").to_pylist()]
    vectors = np.asarray(table.column("vector").to_pylist(), dtype=np.float32)
    return {
        **embed,
        "ingest_seconds": ingest["seconds"],
        "ingest_peak_mib": ingest["peak_mib"],
        "ids": ids,
        "vectors": vectors,
        "log": work / f"embedlab-embed-{trainer}.log",
    }


def run_pecanpy(args: argparse.Namespace, folder: Path, work: Path) -> dict[str, object]:
    exe = ensure_pecanpy()
    out = work / "pecanpy.npz"
    s = SETTINGS
    command = [
        str(exe),
        "--input",
        str(folder / "edges.edg"),
        "--output",
        str(out),
        "--mode",
        "SparseOTF",
        "--p",
        str(s["p"]),
        "--q",
        str(s["q"]),
        "--dimensions",
        str(s["dimensions"]),
        "--num-walks",
        str(s["num_walks"]),
        "--walk-length",
        str(s["walk_length"]),
        "--window-size",
        str(s["window"]),
        "--epochs",
        str(s["epochs"]),
        "--workers",
        str(args.threads),
        "--random_state",
        str(args.seed),
        "--verbose",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    figures = timed(command, work / "pecanpy.log", env=env)
    with np.load(out, allow_pickle=False) as data:
        ids = [str(v) for v in data["IDs"]]
        vectors = np.asarray(data["data"], dtype=np.float32)
    return {**figures, "ids": ids, "vectors": vectors, "log": work / "pecanpy.log"}


# ---------------------------------------------------------------- scoring and profile


def probe_accuracy(ids: list[str], vectors: np.ndarray, labels: dict[str, str], seed: int) -> float:
    """Linear-probe accuracy: stratified 80/20 split, or leave-one-out under 200 nodes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneOut, cross_val_score, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.array([labels[i] for i in ids])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    if len(ids) < 200:
        return float(cross_val_score(model, vectors, y, cv=LeaveOneOut()).mean())
    train, test = train_test_split(
        np.arange(len(ids)), test_size=0.2, random_state=seed, stratify=y
    )
    return float(model.fit(vectors[train], y[train]).score(vectors[test], y[test]))


def read_labels(folder: Path) -> dict[str, str]:
    lines = (folder / "nodes.csv").read_text().splitlines()[1:]
    return dict(line.split(",", 1) for line in lines)


def pecanpy_stages(log: Path) -> dict[str, float]:
    """pecanpy --verbose prints 'Took HH:MM:SS.ss to <stage>'."""
    stages = {}
    for h, m, s, stage in re.findall(r"Took (\d+):(\d+):([\d.]+) to ([^\n]+)", log.read_text()):
        stages[stage.strip()] = int(h) * 3600 + int(m) * 60 + float(s)
    return stages


def profile_side(folder: Path, threads: int) -> None:
    """In-process stage times of embedlab's node2vec on the edge CSV (printed as JSON)."""
    from functools import partial

    import numba

    stages: dict[str, float] = {}
    started = time.perf_counter()
    from embedlab.methods.graph import GraphInput, Node2Vec
    from embedlab.methods.graph.walks import count_tokens, walk_chunks

    stages["import"] = time.perf_counter() - started
    started = time.perf_counter()
    edges = np.loadtxt(folder / "edges.edg", dtype=np.int64, ndmin=2)
    graph = GraphInput.from_edges(edges[:, 0], edges[:, 1], n_nodes=int(edges.max()) + 1)
    stages["read edges (numpy, not embedlab's ingest)"] = time.perf_counter() - started
    model = Node2Vec(workers=threads)
    numba.set_num_threads(threads)
    chunks = partial(
        walk_chunks,
        graph.indptr,
        graph.indices,
        graph.weights,
        weighted=False,
        num_walks=model.num_walks,
        walk_length=model.walk_length,
        p=model.p,
        q=model.q,
        seed=model.seed,
    )
    started = time.perf_counter()
    counts = count_tokens(chunks(), graph.n_nodes)
    stages["walks, counted (numba, incl. compile or cache load)"] = time.perf_counter() - started
    started = time.perf_counter()
    model._train_own(chunks, counts, threads)
    stages["walks again + skip-gram (embedlab's kernel)"] = time.perf_counter() - started
    stages["walk tokens"] = int(counts.sum())
    print(json.dumps(stages))


def run_profile(args: argparse.Namespace, folder: Path) -> None:
    command = [
        sys.executable,
        __file__,
        "--profile-side",
        str(folder),
        "--threads",
        str(args.threads),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    stages = json.loads(result.stdout.strip().splitlines()[-1])
    print("embedlab stages (library run, same settings):")
    for stage, value in stages.items():
        print(f"  {stage}: {value:,.1f}" if "tokens" not in stage else f"  {stage}: {value:,}")


def machine_line(threads: int) -> str:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"machine: nproc {os.cpu_count()}, CPU {model}, {threads} threads per side"


def compare(args: argparse.Namespace, folder: Path, info: dict[str, object]) -> None:
    work = folder / "run"
    work.mkdir(exist_ok=True)
    labels = read_labels(folder)
    print(
        f"\n== {info['graph']}: {info['nodes']:,} nodes, {info['edges']:,} edges ({folder})",
        flush=True,
    )
    sides = {"embedlab": run_embedlab(args, folder, work)}
    print(f"embedlab: {sides['embedlab']['seconds']:.1f} s", flush=True)
    if args.with_gensim:
        sides["gensim"] = run_embedlab(args, folder, work, trainer="gensim")
        print(f"embedlab, trainer=gensim: {sides['gensim']['seconds']:.1f} s", flush=True)
    sides["pecanpy"] = run_pecanpy(args, folder, work)
    print(f"pecanpy: {sides['pecanpy']['seconds']:.1f} s", flush=True)
    common = sorted(set.intersection(*(set(side["ids"]) for side in sides.values()), set(labels)))
    for side in sides.values():
        row = {v: i for i, v in enumerate(side["ids"])}
        side["accuracy"] = probe_accuracy(
            common, side["vectors"][[row[v] for v in common]], labels, args.seed
        )
    e, p = sides["embedlab"], sides["pecanpy"]
    names = {
        "embedlab": "embedlab `embed --method node2vec`",
        "gensim": "embedlab `embed ... --param trainer=gensim`",
        "pecanpy": f"pecanpy {PECANPY_VERSION} SparseOTF",
    }
    rows = [
        [
            names[key],
            fmt(side["seconds"], 1),
            fmt(side["cpu_seconds"], 1),
            fmt(side["peak_mib"], 0),
            fmt(side["accuracy"], 4),
        ]
        for key, side in sides.items()
    ]
    print_table(
        f"node2vec on {info['graph']} ({info['nodes']:,} nodes, {info['edges']:,} edges)",
        ["side", "wall s", "CPU s", "peak MiB", "probe accuracy"],
        rows,
        caption=machine_line(args.threads),
    )
    print(
        f"embedlab ingest (not in the ratio): {e['ingest_seconds']:.1f} s, "
        f"peak {e['ingest_peak_mib']:,.0f} MiB"
    )
    print(f"nodes scored: {len(common):,} (in every output)")
    if args.profile and info["nodes"] > 1000:
        run_profile(args, folder)
    print(f"pecanpy stages: {pecanpy_stages(p['log'])}")
    ratio = p["seconds"] / e["seconds"]
    gap = e["accuracy"] - p["accuracy"]
    cpu_ratio = p["cpu_seconds"] / e["cpu_seconds"]
    print(
        f"time ratio pecanpy / embedlab: {ratio:.2f} (target >= 2.0), "
        f"accuracy gap embedlab - pecanpy: {gap:+.4f} (target within 0.01)"
    )
    print(f"CPU-time ratio pecanpy / embedlab (user + system): {cpu_ratio:.2f}")
    if "gensim" in sides:
        g = sides["gensim"]
        print(
            f"time ratio trainer=gensim / embedlab: {g['seconds'] / e['seconds']:.2f}, "
            f"accuracy gap embedlab - trainer=gensim: {e['accuracy'] - g['accuracy']:+.4f}"
        )


def main() -> None:
    args = parse_args()
    if args.profile_side:
        profile_side(args.profile_side, args.threads)
        return
    print(machine_line(args.threads))
    print(f"settings: {SETTINGS}, workers {args.threads}, seed {args.seed}")
    if not args.skip_sbm:
        folder, info = prepare_sbm(args)
        compare(args, folder, info)
    if args.real != "none":
        folder, info = prepare_real(args)
        compare(args, folder, info)


if __name__ == "__main__":
    main()
