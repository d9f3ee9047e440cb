"""How well the CNN classifier's own scores tell planted foreign items, per folder: the ranking
(ROC AUC and average precision, on the side where the classifier is unsure) and what the
`cnn_ood` check flags at a few fences (flagged / foreign among them).

Reads a workspace made by `quality_planted.py --workdir W` (it needs the efficientnet-lite0
space of dataset 'planted'):

    PYTHONPATH=src .venv-bench/bin/python benchmarks/cnn_ood_scores.py W1 W2 ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from _common import print_table
from sklearn.metrics import average_precision_score, roc_auc_score

from embedlab import Workspace
from embedlab.analysis.classifier_ood import SCORES, find_classifier_ood, scores_from_features

FENCES = (2.0, 2.5, 3.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdirs", type=Path, nargs="+")
    args = parser.parse_args()
    rows = []
    for work in args.workdirs:
        space = Workspace(work / "ws").space("planted", "efficientnet-lite0")
        truth = json.loads((work / "planted-truth.json").read_text())
        foreign = np.isin(space.ids(), truth["foreign"])
        scores = scores_from_features(space.vectors())
        for score, bad in SCORES.items():
            unsure = scores[score] if bad == "high" else -scores[score]
            flagged = []
            for fence in FENCES:
                flags = find_classifier_ood(scores, score=score, fence=fence).flags
                flagged.append(f"{int(flags.sum())} / {int((flags & foreign).sum())}")
            rows.append(
                [
                    work.name,
                    score,
                    f"{roc_auc_score(foreign, unsure):.3f}",
                    f"{average_precision_score(foreign, unsure):.3f}",
                    *flagged,
                ]
            )
    print_table(
        "The CNN classifier's scores against planted foreign items (flagged / foreign)",
        ["folder", "score", "ROC AUC", "AP", *(f"fence {f}" for f in FENCES)],
        rows,
    )


if __name__ == "__main__":
    main()
