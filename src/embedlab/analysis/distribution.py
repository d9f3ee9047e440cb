"""Dataset-level checks in the one result shape: class imbalance (items of classes far rarer
than the rest) and non-IID order (items whose neighbours sit next to them in the file, as when
data were collected in batches or sorted, so a split by position would leak)."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab.analysis.neighbors import NeighborGraph
from embedlab.analysis.quality import encode_labels
from embedlab.analysis.results import CheckResult, rank_scores, robust_fence


def find_class_imbalance(labels: list[Any] | np.ndarray, *, threshold: float = 0.1) -> CheckResult:
    """Items of a class with fewer than `threshold` x (items / classes) members are flagged
    (Datalab's rule); an item's score is its class's size relative to the largest class."""
    codes, classes, labelled = encode_labels(labels)
    counts = np.bincount(codes[labelled], minlength=len(classes))
    expected = labelled.sum() / max(len(classes), 1)
    rare = counts < threshold * expected
    scores = np.ones(len(codes))
    scores[labelled] = counts[codes[labelled]] / max(int(counts.max(initial=0)), 1)
    flags = np.zeros(len(codes), dtype=bool)
    flags[labelled] = rare[codes[labelled]]
    nonzero = counts[counts > 0]
    return CheckResult(
        name="class_imbalance",
        scores=scores,
        flags=flags,
        summary={
            "flagged": int(flags.sum()),
            "rare_classes": [classes[i] for i in np.flatnonzero(rare)],
            "largest_to_smallest": round(float(nonzero.max() / nonzero.min()), 3)
            if len(nonzero)
            else None,
            "class_counts": {classes[i]: int(c) for i, c in enumerate(counts)},
        },
        params={"threshold": threshold},
    )


def _order_statistic(indices: np.ndarray, position: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean log distance in order between items and their neighbours: overall and per item."""
    offsets = np.abs(position[indices] - position[:, None]).astype(np.float64)
    per_item = np.log1p(offsets).mean(axis=1)
    return float(per_item.mean()), per_item


def find_non_iid(
    graph: NeighborGraph, *, permutations: int = 25, alpha: float = 0.05, seed: int = 0
) -> CheckResult:
    """Are neighbours in the space closer in dataset order than chance? The mean log order
    distance to the k neighbours is compared with the same statistic under random orders
    (a permutation test). Only when the order is not random (p < alpha) are items flagged:
    those whose neighbours are unusually close in order (beyond a robust fence)."""
    n = graph.indices.shape[0]
    rng = np.random.default_rng(seed)
    observed, per_item = _order_statistic(graph.indices, np.arange(n))
    null = np.array(
        [_order_statistic(graph.indices, rng.permutation(n))[0] for _ in range(permutations)]
    )
    p_value = float((1 + np.sum(null <= observed)) / (permutations + 1))
    non_iid = p_value < alpha and observed < null.mean()
    flags = per_item < robust_fence(per_item, "low", 3.0) if non_iid else np.zeros(n, dtype=bool)
    return CheckResult(
        name="non_iid",
        scores=rank_scores(per_item, "low"),
        flags=flags,
        summary={
            "flagged": int(flags.sum()),
            "p_value": round(p_value, 6),
            "non_iid": bool(non_iid),
            "mean_log_order_distance": round(observed, 6),
            "random_order_mean": round(float(null.mean()), 6),
        },
        params={"permutations": permutations, "alpha": alpha, "seed": seed, "k": graph.k},
        values=per_item,
    )
