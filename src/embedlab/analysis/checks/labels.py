"""Checks that need labels: class imbalance and label issues (with suggested labels)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from embedlab.analysis.checks.base import Check, CheckData, register
from embedlab.analysis.distribution import find_class_imbalance
from embedlab.analysis.quality import (
    confusion_table,
    drop_rare_classes,
    encode_labels,
    find_label_issues,
)
from embedlab.analysis.results import CheckResult

#: cleanlab's `find_label_issues(filter_by=...)` methods
FILTER_BY = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
    "low_normalized_margin",
    "low_self_confidence",
)


@register
class ClassImbalanceCheck(Check):
    """Classes with fewer than `threshold` x the average class size."""

    name = "class_imbalance"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {"threshold": (0, 1)}
    group = "label"
    needs: ClassVar[frozenset[str]] = frozenset({"labels"})

    def run(self, data: CheckData, *, threshold: float = 0.1) -> CheckResult:
        assert data.labels is not None
        return find_class_imbalance(data.labels, threshold=threshold)


@register
class LabelIssueCheck(Check):
    """Cross-validated probe + neighbour labels, confident learning; a suggestion per item
    and the confusion of given against suggested labels in the summary. Items of classes with
    fewer than `folds` items are skipped and counted (`skipped_rare_class`)."""

    name = "label_issue"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {
        "folds": (2, None),
        "neighbour_weight": (0, 1),
    }
    choices: ClassVar[dict[str, tuple[str, ...]]] = {"filter_by": FILTER_BY}
    group = "label"
    needs: ClassVar[frozenset[str]] = frozenset({"labels", "vectors", "graph"})

    def run(
        self,
        data: CheckData,
        *,
        folds: int = 5,
        neighbour_weight: float = 0.5,
        filter_by: str = "prune_by_noise_rate",
    ) -> CheckResult:
        assert data.labels is not None and data.vectors is not None and data.graph is not None
        labels, rare = drop_rare_classes(data.labels, folds=folds)
        result, suggested, classes = find_label_issues(
            data.vectors,
            labels,
            data.graph,
            folds=folds,
            neighbour_weight=neighbour_weight,
            filter_by=filter_by,
            seed=data.seed,
        )
        result.suggestions = [classes[s] for s in np.asarray(suggested)]
        result.summary["skipped_rare_class"] = sum(rare.values())
        # the rare classes' items were taken out as unlabelled ones: count them once, as rare
        result.summary["skipped_unlabelled"] -= sum(rare.values())
        result.summary["rare_classes"] = rare
        codes, _, _ = encode_labels(labels)
        result.summary["confusion"] = confusion_table(codes, suggested, result.flags, classes)
        result.signals = np.where(result.flags, "confident_learning", "").astype(object)
        return result
