"""The whole `embedlab quality` process against Datalab's whole process, at several sizes.

Each case is a workspace, dataset and space (embedded beforehand). Timed, as a user runs them:
`embedlab quality NAME SPACE --export issues.csv` (every check that applies: vector, label,
image or text checks), and a process that reads the same vectors and the dataset's labels and
runs Datalab (5-fold `cross_val_predict` of a standardised logistic regression, then
`find_issues` for label, outlier and near-duplicate issues; `quality.audit_datalab`), each
under `/usr/bin/time -v`. `--before SRC` times a second embedlab source tree (e.g. an export of
an earlier commit) in the same rounds. The rounds interleave the sides; the table gives each
side's median and the ratio of the medians.

Modes: `again` (default) audits with the neighbour graph and image measures that an earlier run
stored, as every `quality` after the first does; `first` deletes them (and earlier quality
results) before each embedlab run, so the graph is built and the images measured in the timed
process. Each embedlab tree runs once untimed first (numba's kernels cached, as after a first
run; Python's bytecode of the trees is compiled beforehand, as an install does). The import
floor is the sum of the top-level imports that `-X importtime` reports for one more run of
each embedlab tree (for Datalab, of a process that imports what its audit imports first).

    PYTHONPATH=src .venv-bench/bin/python benchmarks/quality_whole.py \
        --case planted:W/ws:planted:pixels-pca --case rt:RT:rotten-tomatoes:minilm --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import OFFLINE_ENV, machine_summary, print_table
from quality_planted import timed

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="LABEL:WORKSPACE:DATASET:SPACE")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mode", choices=("again", "first"), default="again")
    parser.add_argument("--before", type=Path, help="an earlier embedlab source tree (its src)")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


#: what Datalab's process imports before it computes (its run imports more as it goes: a floor)
DATALAB_IMPORTS = (
    "import numpy; from cleanlab import Datalab; from sklearn.linear_model import "
    "LogisticRegression; from sklearn.model_selection import cross_val_predict; from "
    "sklearn.pipeline import make_pipeline; from sklearn.preprocessing import StandardScaler"
)


def datalab_child(data: Path) -> None:
    from quality import audit_datalab

    saved = np.load(data)
    flags = audit_datalab(saved["vectors"], saved["labels"])
    print(json.dumps({kind: int(v.sum()) for kind, v in flags.items()}))


def save_inputs(workspace: Path, dataset: str, space: str, out: Path) -> int:
    """The space's vectors and the dataset's labels (as integers, in the space's order)."""
    from embedlab import Workspace

    opened = Workspace(workspace)
    vectors = opened.space(dataset, space)
    data = opened.dataset(dataset)
    given = dict(zip(data.ids(), data.labels(), strict=True))
    _, labels = np.unique([str(given[i]) for i in vectors.ids()], return_inverse=True)
    np.savez(out, vectors=vectors.vectors(), labels=labels)
    return len(labels)


def forget_stored(workspace: Path, dataset: str) -> None:
    """Delete the dataset's neighbour graphs, measures and quality results: the next audit
    builds and measures them again, as the first one after `embed` does."""
    from embedlab import Workspace

    opened = Workspace(workspace)
    for kind in ("neighbors", "measures", "columns"):
        for entry in opened.entries(kind, dataset):
            if kind != "columns" or entry.name.startswith("quality-"):
                opened.delete(kind, dataset, entry.name)


def embedlab_command(src: Path, workspace: Path, dataset: str, space: str, out: Path) -> list:
    """`embedlab quality` of the source tree `src`."""
    return [
        "env",
        f"PYTHONPATH={src}",
        sys.executable,
        "-m",
        "embedlab.cli",
        "--workspace",
        str(workspace),
        "quality",
        dataset,
        space,
        "--export",
        str(out),
    ]


def import_floor(command: list[str], env: dict[str, str]) -> float:
    """Seconds of top-level imports in one run of `command` (python -X importtime)."""
    at = command.index(sys.executable) + 1
    traced = [*command[:at], "-X", "importtime", *command[at:]]
    done = subprocess.run(traced, env=env, capture_output=True, text=True, check=True)
    total = 0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        top_level = len(parts) == 3 and not parts[2].startswith("  ")  # nested: indented
        if line.startswith("import time:") and top_level and parts[1].strip().isdigit():
            total += int(parts[1])
    return total / 1e6


def run_case(args: argparse.Namespace, case: str, env: dict[str, str], tmp: Path) -> list:
    label, workspace, dataset, space = case.split(":")
    data = tmp / f"{label}.npz"
    n = save_inputs(Path(workspace), dataset, space, data)
    trees = {"embedlab": SRC} | ({"embedlab before": args.before} if args.before else {})
    commands = {
        side: embedlab_command(src, Path(workspace), dataset, space, tmp / f"{label}.csv")
        for side, src in trees.items()
    }
    commands["Datalab"] = [sys.executable, __file__, "--side", "datalab", "--data", str(data)]
    runs: dict[str, list[tuple[float, float]]] = {side: [] for side in commands}
    for round_number in range(args.rounds + 1):  # round 0: embedlab untimed, caches warm
        for side, command in commands.items():
            if not round_number and side == "Datalab":
                continue  # its bytecode is cached at install; no kernels to compile
            if args.mode == "first" and side != "Datalab":
                forget_stored(Path(workspace), dataset)
            seconds, peak, _ = timed(command, env)
            if round_number:
                runs[side].append((seconds, peak))
        print(
            f"{label} round {round_number}: "
            + ", ".join(f"{s} {r[-1][0]:.2f} s" for s, r in runs.items() if r),
            flush=True,
        )
    floors = {
        side: import_floor(command, env) for side, command in commands.items() if side != "Datalab"
    }
    floors["Datalab"] = import_floor([sys.executable, "-c", DATALAB_IMPORTS], env)
    rows = []
    ours = statistics.median(s for s, _ in runs["embedlab"])
    for side, timings in runs.items():
        median = statistics.median(s for s, _ in timings)
        rows.append(
            [
                f"{label} ({n:,})",
                side,
                f"{median:.2f}",
                " / ".join(f"{s:.2f}" for s, _ in timings),
                f"{max(p for _, p in timings):,.0f}",
                f"{floors[side]:.2f}",
                "-" if side != "Datalab" else f"{median / ours:.2f}",
            ]
        )
    return rows


def main() -> None:
    args = parse_args()
    if args.side == "datalab":
        datalab_child(args.data)
        return
    if not args.case:
        raise SystemExit("Give at least one --case LABEL:WORKSPACE:DATASET:SPACE.")
    env = {**os.environ, **OFFLINE_ENV}
    for tree in [SRC] + ([args.before] if args.before else []):  # bytecode, as an install has
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree / "embedlab")], check=True
        )
    rows = []
    with tempfile.TemporaryDirectory(prefix="embedlab-quality-whole-") as tmp:
        for case in args.case:
            rows += run_case(args, case, env, Path(tmp))
    print_table(
        f"The whole quality process against Datalab's ({args.mode}; {args.rounds} rounds)",
        ["case", "side", "median s", "rounds s", "peak MiB", "imports s", "Datalab / embedlab"],
        rows,
    )
    print(machine_summary(2))


if __name__ == "__main__":
    main()
