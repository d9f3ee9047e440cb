"""Quality checks on constructed data where the answer is known: planted outliers, planted
duplicates, planted label flips."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.analysis.quality import (
    confusion_table,
    encode_labels,
    find_label_issues,
    find_near_duplicates,
    find_outliers,
)
from embedlab.errors import InvalidInputError


@pytest.fixture(scope="module")
def planted() -> dict:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 32)) * 4
    labels = np.repeat(np.arange(5), 120)
    vectors = centres[labels] + rng.normal(size=(600, 32))
    outliers = np.arange(600, 606)
    vectors = np.vstack([vectors, rng.normal(size=(6, 32)) * 0.1 + rng.normal(size=32) * 12])
    vectors[outliers] = rng.normal(size=(6, 32)) * 10  # far from every cluster and each other
    labels = np.concatenate([labels, rng.integers(0, 5, 6)])
    duplicates = [(10, 11), (250, 251), (400, 401)]
    for a, b in duplicates:
        vectors[b] = vectors[a] + rng.normal(size=32) * 1e-2
    flipped = rng.choice(np.arange(0, 600, 7), size=30, replace=False)
    given = labels.copy()
    given[flipped] = (labels[flipped] + rng.integers(1, 5, 30)) % 5
    vectors = vectors.astype(np.float32)
    return {
        "vectors": vectors,
        "graph": build_neighbor_graph(vectors, k=10),
        "true": labels,
        "given": np.array([f"class-{v}" for v in given], dtype=object),
        "flipped": set(flipped.tolist()),
        "outliers": set(outliers.tolist()),
        "duplicates": duplicates,
    }


def test_planted_outliers_are_found(planted: dict) -> None:
    result = find_outliers(planted["graph"])
    found = set(np.flatnonzero(result.flags).tolist())
    assert planted["outliers"] <= found and len(found - planted["outliers"]) <= 3
    assert result.scores[list(planted["outliers"])].max() < 0.02


def test_planted_near_duplicates_are_grouped(planted: dict) -> None:
    result, groups = find_near_duplicates(planted["graph"])
    assert sorted(sorted(g) for g in groups) == [list(p) for p in planted["duplicates"]]
    assert np.flatnonzero(result.flags).tolist() == [11, 251, 401]
    assert result.summary["exact_pairs"] == 0


def test_identical_vectors_count_as_exact_pairs(planted: dict) -> None:
    vectors = planted["vectors"].copy()
    vectors[20] = vectors[21]
    result, groups = find_near_duplicates(build_neighbor_graph(vectors, k=5))
    assert [20, 21] in [sorted(g) for g in groups] and result.summary["exact_pairs"] == 1


def test_planted_label_flips_are_found_with_the_true_label(planted: dict) -> None:
    result, suggestions, classes = find_label_issues(
        planted["vectors"], planted["given"], planted["graph"]
    )
    found = set(np.flatnonzero(result.flags).tolist())
    truth = planted["flipped"]
    precision = len(found & truth) / max(len(found), 1)
    recall = len(found & truth) / len(truth)
    assert recall >= 0.8 and precision >= 0.9, (precision, recall)
    suggested = [classes[s] for s in suggestions[sorted(truth)]]
    assert (
        np.mean(
            [
                s == f"class-{planted['true'][i]}"
                for s, i in zip(suggested, sorted(truth), strict=True)
            ]
        )
        >= 0.9
    )
    codes, _, _ = encode_labels(planted["given"])
    table = confusion_table(codes, suggestions, result.flags, classes)
    assert sum(sum(row.values()) for row in table.values()) == len(found)


def test_unlabelled_items_are_skipped_and_counted(planted: dict) -> None:
    given = planted["given"].copy()
    given[[1, 2, 3]] = None
    result, _, _ = find_label_issues(planted["vectors"], given, planted["graph"])
    assert result.summary["skipped_unlabelled"] == 3
    assert not result.flags[[1, 2, 3]].any() and (result.scores[[1, 2, 3]] == 1).all()


def test_one_class_or_tiny_classes_are_clear_errors(planted: dict) -> None:
    with pytest.raises(InvalidInputError, match="at least 2 classes"):
        find_label_issues(planted["vectors"], ["a"] * 606, planted["graph"])
    labels = planted["given"].copy()
    labels[0] = "lonely"
    with pytest.raises(InvalidInputError, match="lonely"):
        find_label_issues(planted["vectors"], labels, planted["graph"])


def test_wide_vectors_of_few_items_are_checked() -> None:
    """384-d vectors of 40 items: the probe's PCA cannot keep 256 components; it keeps 40."""
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(4), 10)
    vectors = (rng.normal(size=(4, 384)) * 3)[labels] + rng.normal(size=(40, 384))
    vectors = vectors.astype(np.float32)
    given = labels.copy()
    given[3] = 2
    result, suggested, classes = find_label_issues(
        vectors, given, build_neighbor_graph(vectors, k=5)
    )
    assert result.scores.shape == (40,)
    assert int(classes[suggested[3]]) == 0
