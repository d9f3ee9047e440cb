"""A class too small for the label check's cross-validation (fewer items than folds) does not
stop the audit: its items are skipped by the label check and counted, and the class-imbalance
check still names the class."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from embedlab.analysis.checks import CheckData, run_checks
from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.analysis.quality import drop_rare_classes


def test_items_of_a_tiny_class_are_skipped_and_counted() -> None:
    digits = load_digits()
    vectors = digits.data.astype(np.float32)
    labels = [str(v) for v in digits.target]
    for row in (3, 40, 77):
        labels[row] = "stray"
    data = CheckData(
        ids=[str(i) for i in range(len(labels))],
        vectors=vectors,
        graph=build_neighbor_graph(vectors, k=10),
        labels=labels,
    )
    results = {r.name: r for r in run_checks(data, {}, groups={"label"})}
    issues = results["label_issue"]
    assert issues.summary["skipped_rare_class"] == 3
    assert issues.summary["rare_classes"] == {"stray": 3}
    assert not issues.flags[[3, 40, 77]].any() and "stray" not in issues.suggestions
    assert issues.flags.sum() > 0  # the other classes are still audited
    assert results["class_imbalance"].flags[[3, 40, 77]].all()


def test_drop_rare_classes_leaves_other_labels_alone() -> None:
    labels = ["a"] * 6 + ["b"] * 5 + ["c"] * 2 + [None]
    kept, rare = drop_rare_classes(labels, folds=5)
    assert rare == {"c": 2} and kept == ["a"] * 6 + ["b"] * 5 + [None, None, None]
    assert drop_rare_classes(["a"] * 5, folds=5) == (["a"] * 5, {})
