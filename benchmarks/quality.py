"""Data-quality audit: embedlab against cleanlab Datalab on the same vectors and noisy labels.

A share of the labels (default 5%) is flipped at random to another class (fixed seed). Each side
runs the whole audit in its own process (peak memory is its own), probabilities included:
- embedlab: k=15 neighbour graph, outliers, near-duplicates, label issues
  (`embedlab.analysis.quality`);
- Datalab: out-of-sample probabilities by scikit-learn `cross_val_predict` (5-fold logistic
  regression on standardised vectors, the cleanlab tutorials' recipe), then
  `Datalab.find_issues(features=..., pred_probs=...)`.
Prints wall time, peak memory, precision / recall / F1 of the flagged label issues against the
flipped set, and how many outliers and near-duplicates each flags and how far they agree.

    .venv/bin/python benchmarks/quality.py --workspace WS --dataset fashion --space pixels-pca
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _common import fmt, machine_summary, print_table, stopwatch, versions

SIDES = ("embedlab", "datalab")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--space", required=True)
    parser.add_argument("--n", type=int, default=0, help="subsample (0 = all items)")
    parser.add_argument("--flip", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def noisy_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectors, noisy integer labels, and the rows whose label was flipped."""
    from embedlab import Workspace

    workspace = Workspace(args.workspace)
    vectors = workspace.space(args.dataset, args.space).vectors()
    names = np.asarray(workspace.dataset(args.dataset).labels(), dtype=str)
    rng = np.random.default_rng(args.seed)
    if args.n:
        keep = np.sort(rng.choice(len(names), size=args.n, replace=False))
        vectors, names = vectors[keep], names[keep]
    classes, labels = np.unique(names, return_inverse=True)
    flipped = np.sort(rng.choice(len(labels), size=int(args.flip * len(labels)), replace=False))
    shift = rng.integers(1, len(classes), size=len(flipped))
    labels = labels.copy()
    labels[flipped] = (labels[flipped] + shift) % len(classes)
    return vectors, labels, flipped


def audit_embedlab(vectors: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    from embedlab.analysis.neighbors import build_neighbor_graph
    from embedlab.analysis.quality import find_label_issues, find_near_duplicates, find_outliers

    graph = build_neighbor_graph(vectors, k=15)
    outliers = find_outliers(graph).flags
    duplicates, _ = find_near_duplicates(graph)
    issues, _, _ = find_label_issues(vectors, labels, graph)
    return {"label": issues.flags, "outlier": outliers, "near_duplicate": duplicates.flags}


def audit_datalab(vectors: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    from cleanlab import Datalab
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred_probs = cross_val_predict(model, vectors, labels, cv=5, method="predict_proba")
    lab = Datalab(data={"label": labels}, label_name="label", verbosity=0)
    lab.find_issues(
        features=vectors,
        pred_probs=pred_probs,
        issue_types={"label": {}, "outlier": {}, "near_duplicate": {}},
    )
    issues = lab.get_issues()
    return {
        kind: issues[f"is_{kind}_issue"].to_numpy()
        for kind in ("label", "outlier", "near_duplicate")
    }


def run_child(args: argparse.Namespace) -> None:
    data = np.load(args.data)
    audit = audit_embedlab if args.side == "embedlab" else audit_datalab
    with stopwatch() as timing:
        flags = audit(data["vectors"], data["labels"])
    import resource

    np.savez(args.out, **flags)
    meta = {
        "seconds": timing["seconds"],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "versions": versions(["embedlab", "cleanlab", "scikit-learn", "numpy"]),
    }
    Path(str(args.out) + ".json").write_text(json.dumps(meta))


def scores(found: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    hits = int((found & truth).sum())
    precision = hits / max(int(found.sum()), 1)
    recall = hits / max(int(truth.sum()), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def main() -> None:
    args = parse_args()
    if args.side:
        run_child(args)
        return
    vectors, labels, flipped = noisy_data(args)
    truth = np.zeros(len(labels), dtype=bool)
    truth[flipped] = True
    results: dict[str, tuple[dict[str, np.ndarray], dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="embedlab-bench-") as tmp:
        data = Path(tmp) / "data.npz"
        np.savez(data, vectors=vectors, labels=labels)
        for side in SIDES:
            out = Path(tmp) / f"{side}.npz"
            run_side_npz(side, data, out, args.threads)
            flags = dict(np.load(out))
            results[side] = (flags, json.loads(Path(str(out) + ".json").read_text()))
    rows = []
    for side, (flags, meta) in results.items():
        p, r, f1 = scores(flags["label"], truth)
        rows.append(
            [
                side,
                fmt(meta["seconds"], 1),
                fmt(meta["peak_rss_mib"], 0),
                f"{int(flags['label'].sum()):,}",
                fmt(p, 3),
                fmt(r, 3),
                fmt(f1, 3),
                f"{int(flags['outlier'].sum()):,}",
                f"{int(flags['near_duplicate'].sum()):,}",
            ]
        )
    print_table(
        f"Quality audit: {args.dataset}/{args.space}, {len(labels):,} items x "
        f"{vectors.shape[1]}, {len(flipped):,} labels flipped ({args.flip:.0%})",
        [
            "side",
            "seconds",
            "peak MiB",
            "label flags",
            "precision",
            "recall",
            "F1",
            "outliers",
            "near-dups",
        ],
        rows,
    )
    print(machine_summary(args.threads))
    ours, theirs = results["embedlab"][0], results["datalab"][0]
    for kind in ("outlier", "near_duplicate", "label"):
        both = int((ours[kind] & theirs[kind]).sum())
        either = int((ours[kind] | theirs[kind]).sum())
        print(
            f"{kind}: both flag {both:,}, either flags {either:,} "
            f"(Jaccard {both / max(either, 1):.3f})"
        )
    ratio = results["datalab"][1]["seconds"] / results["embedlab"][1]["seconds"]
    f1_ours = scores(ours["label"], truth)[2]
    f1_theirs = scores(theirs["label"], truth)[2]
    print(
        f"speed ratio Datalab / embedlab: {ratio:.2f} (target >= 5), label-issue F1 "
        f"{f1_ours:.3f} vs {f1_theirs:.3f} (target: at least Datalab's)"
    )


def run_side_npz(side: str, data: Path, out: Path, threads: int) -> None:
    """One side in its own process (reuses the shared runner's environment settings)."""
    import os
    import subprocess
    import sys

    from _common import OFFLINE_ENV

    env = {**os.environ, **OFFLINE_ENV, "OMP_NUM_THREADS": str(threads)}
    command = [
        sys.executable,
        __file__,
        "--workspace",
        "-",
        "--dataset",
        "-",
        "--space",
        "-",
        "--side",
        side,
        "--data",
        str(data),
        "--out",
        str(out),
    ]
    if subprocess.run(command, env=env, check=False).returncode != 0:
        raise SystemExit(f"Side '{side}' failed.")


if __name__ == "__main__":
    main()
