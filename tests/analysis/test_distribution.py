"""Class imbalance and non-IID order on constructed data where the answer is known."""

from __future__ import annotations

import numpy as np

from embedlab.analysis.distribution import find_class_imbalance, find_non_iid
from embedlab.analysis.neighbors import build_neighbor_graph


def test_the_rare_class_is_flagged() -> None:
    labels = ["a"] * 500 + ["b"] * 480 + ["c"] * 10 + [None] * 5
    result = find_class_imbalance(labels)
    assert result.summary["rare_classes"] == ["c"]  # 10 < 0.1 x 990 / 3
    assert result.flags.sum() == 10 and result.flags[980:990].all()
    assert result.scores[0] == 1.0 and result.scores[985] == 10 / 500
    assert not result.flags[-5:].any()  # unlabelled: skipped
    assert result.summary["largest_to_smallest"] == 50.0


def test_balanced_classes_flag_nothing() -> None:
    assert find_class_imbalance(["x", "y"] * 100).summary["flagged"] == 0


def clusters(order: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(20), 50)  # sorted: items of a cluster sit together
    if order == "shuffled":
        labels = rng.permutation(labels)
    centres = rng.normal(size=(20, 16)) * 5
    return (centres[labels] + rng.normal(size=(1000, 16))).astype(np.float32)


def test_data_sorted_by_cluster_is_not_iid() -> None:
    result = find_non_iid(build_neighbor_graph(clusters("sorted"), k=10))
    assert result.summary["non_iid"] and result.summary["p_value"] < 0.05
    assert result.summary["mean_log_order_distance"] < result.summary["random_order_mean"]


def test_shuffled_data_is_iid_and_nothing_is_flagged() -> None:
    result = find_non_iid(build_neighbor_graph(clusters("shuffled"), k=10))
    assert not result.summary["non_iid"] and result.summary["p_value"] > 0.05
    assert result.flags.sum() == 0
