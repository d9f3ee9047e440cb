"""The quality audit on planted problems, embedlab against cleanlab Datalab, whole process each.

The folder comes from `planted_folder.py` (Fashion-MNIST with MNIST digits filed under clothing
labels, edited copies, flipped labels). embedlab ingests and embeds it (not timed), then the
timed run is the CLI a user types: `embedlab quality NAME SPACE --export issues.csv`. Datalab's
timed run is a process that reads the same vectors and labels, computes 5-fold out-of-sample
probabilities (the cleanlab tutorials' recipe) and runs `find_issues` for label, outlier and
near-duplicate issues. Both run under `/usr/bin/time -v` (wall seconds, peak RSS).

Scored against the truth: foreign items (recall and precision of the outlier flags, and of
the outlier and `cnn_ood` flags together: the CNN classifier's energy, when the dataset has an
efficientnet-lite0 space), edited
copies (a pair counts for embedlab when the export names one as the other's copy or puts both
in one group; for Datalab, leniently, when either member is flagged), and the flipped labels.

    .venv-bench/bin/python benchmarks/quality_planted.py --n 3000 --space efficientnet-lite0
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from _common import OFFLINE_ENV, machine_summary, print_scored_runs

HERE = Path(__file__).resolve().parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="Fashion-MNIST originals")
    parser.add_argument("--space", default="efficientnet-lite0", help="embedding method")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--foreign-source", choices=("mnist", "photo-crops"), default="mnist")
    parser.add_argument("--edits", choices=("standard", "wide"), default="standard")
    parser.add_argument("--workdir", type=Path, help="keep the folder and workspace here")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `command` under /usr/bin/time -v: (wall seconds, peak RSS MiB, stdout)."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *command], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    assert wall is not None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in wall.groups())
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    assert peak is not None
    return hours * 3600 + minutes * 60 + seconds, int(peak.group(1)) / 1024, result.stdout


def datalab_child(data: Path) -> None:
    """Datalab's whole audit on the saved vectors; prints its flags as JSON."""
    sys.path.insert(0, str(HERE))
    from quality import audit_datalab

    saved = np.load(data)
    flags = audit_datalab(saved["vectors"], saved["labels"])
    print(json.dumps({kind: np.flatnonzero(v).tolist() for kind, v in flags.items()}))


def score_embedlab(export: Path, truth: dict) -> dict[str, float]:
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    flagged: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        flagged[row["issue"]].add(row["id"])
    copy_of = {
        r["id"]: (r["suggestion"] or "").removeprefix("remove: a copy of ")
        for r in rows
        if r["issue"] == "near_duplicate"
    }
    group = {r["id"]: r["group"] for r in rows if r["issue"] == "near_duplicate"}
    found_pairs = [
        copy_of.get(a) == b or copy_of.get(b) == a or (a in group and group.get(b) == group[a])
        for a, b, _ in truth["copies"]
    ]
    result = scores(
        flagged["outlier"], flagged["label_issue"], flagged["near_duplicate"], found_pairs, truth
    )
    either = flagged["outlier"] | flagged["cnn_ood"]
    hits = len(either & set(truth["foreign"]))
    result["cnn_ood flags"] = len(flagged["cnn_ood"])
    result["foreign recall +cnn"] = hits / len(truth["foreign"])
    result["foreign precision +cnn"] = hits / max(len(either), 1)
    return result


def scores(outliers: set, labels: set, duplicates: set, pairs: list[bool], truth: dict) -> dict:
    foreign, flipped = set(truth["foreign"]), set(truth["flipped"])
    hits, label_hits = len(outliers & foreign), len(labels & flipped)
    precision = label_hits / max(len(labels), 1)
    recall = label_hits / max(len(flipped), 1)
    in_pairs = {x for a, b, _ in truth["copies"] for x in (a, b)}
    return {
        "outliers": len(outliers),
        "foreign recall": hits / len(foreign),
        "foreign precision": hits / max(len(outliers), 1),
        "dup flags": len(duplicates),
        "pair recall": sum(pairs) / len(pairs),
        "dup precision": len(duplicates & in_pairs) / max(len(duplicates), 1),
        "label F1": 2 * precision * recall / max(precision + recall, 1e-12),
    }


def main() -> None:
    args = parse_args()
    if args.side == "datalab":
        datalab_child(args.data)
        return
    sys.path.insert(0, str(HERE))
    from planted_folder import build

    work = args.workdir or Path(tempfile.mkdtemp(prefix="embedlab-planted-"))
    folder, workspace = work / "planted", work / "ws"
    truth_path = work / "planted-truth.json"
    if not truth_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        planted = build(folder, args.n, 40, 60, 0.05, args.seed, args.foreign_source, args.edits)
        truth_path.write_text(json.dumps(planted))
    truth = json.loads(truth_path.read_text())
    env = {**os.environ, **OFFLINE_ENV}
    cli = [sys.executable, "-m", "embedlab.cli", "--workspace", str(workspace)]
    if not (workspace / "catalog").exists() and not workspace.exists():
        subprocess.run([*cli, "ingest", "planted", str(folder)], env=env, check=True)
    subprocess.run([*cli, "embed", "planted", "--method", args.space], env=env, check=True)
    export = work / f"issues-{args.space}.csv"
    ours = timed([*cli, "quality", "planted", args.space, "--export", str(export)], env)
    results = {"embedlab": (ours, score_embedlab(export, truth))}

    from embedlab import Workspace

    space = Workspace(workspace).space("planted", args.space)
    ids = list(space.ids())
    dataset = Workspace(workspace).dataset("planted")
    given = dict(zip(dataset.ids(), dataset.labels(), strict=True))
    _, labels = np.unique([given[i] for i in ids], return_inverse=True)
    data = work / f"vectors-{args.space}.npz"
    np.savez(data, vectors=space.vectors(), labels=labels)
    theirs = timed([sys.executable, __file__, "--side", "datalab", "--data", str(data)], env)
    flags = {kind: {ids[r] for r in rows} for kind, rows in json.loads(theirs[2]).items()}
    pairs = [
        a in flags["near_duplicate"] or b in flags["near_duplicate"] for a, b, _ in truth["copies"]
    ]
    results["datalab"] = (
        theirs,
        scores(flags["outlier"], flags["label"], flags["near_duplicate"], pairs, truth),
    )
    print_scored_runs(
        f"Planted problems: {truth['n_items']:,} images ({len(truth['foreign'])} foreign, "
        f"{len(truth['copies'])} edited copies, {len(truth['flipped'])} flipped), {args.space}",
        results,
    )
    print(machine_summary(2))
    print(f"speed ratio Datalab / embedlab: {theirs[0] / ours[0]:.2f} (target >= 5)")


if __name__ == "__main__":
    main()
