"""Data and label quality from embeddings: outliers, near-duplicates and label issues.

All three read the space's stored neighbour graph (computed once) and return the one result
shape of `embedlab.analysis.results`. Label issues combine two views of each item's class:
out-of-sample probabilities of a cross-validated linear model on the vectors, and the labels
of its neighbours; cleanlab's confident learning then picks the items whose given label the
combined probabilities contradict.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from embedlab.analysis.blas import one_blas_thread
from embedlab.analysis.duplicates import find_near_duplicates as find_duplicates
from embedlab.analysis.neighbors import NeighborGraph
from embedlab.analysis.outliers import find_outliers
from embedlab.analysis.results import CheckResult
from embedlab.deferred import defer_package_init
from embedlab.errors import InvalidInputError

DEFAULT_FENCE = 3.0

__all__ = [
    "confusion_table",
    "encode_labels",
    "find_label_issues",
    "find_near_duplicates",
    "find_outliers",
]


def find_near_duplicates(
    graph: NeighborGraph, *, threshold: float | None = None, exact: float = 0.999999
) -> tuple[CheckResult, list[list[int]]]:
    """Embedding near-duplicates alone, as (result, groups): kept for callers of the first
    version; `embedlab.analysis.duplicates.find_near_duplicates` adds image and text hashes."""
    result = find_duplicates(graph, threshold=threshold, exact=exact)
    return result, result.groups


def encode_labels(labels: list[Any] | np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(codes, class names, labelled mask); items without a label get code -1."""
    values = [
        None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in labels
    ]
    labelled = np.array([v is not None for v in values])
    classes = sorted({v for v in values if v is not None})
    index = {c: i for i, c in enumerate(classes)}
    codes = np.array([index[v] if v is not None else -1 for v in values], dtype=np.int64)
    return codes, classes, labelled


#: PCA of at most this many values (e.g. 70,000 x 384) runs on one BLAS thread too (with the
#: fits, 0.47 s against 1.74 s for these probabilities of 3,060 x 384 on two shared cores); a
#: larger one keeps every thread.
ONE_THREAD_PCA_MAX = 30_000_000


def out_of_sample_probabilities(
    vectors: np.ndarray,
    codes: np.ndarray,
    n_classes: int,
    *,
    folds: int = 5,
    seed: int = 0,
    max_dim: int = 256,
) -> np.ndarray:
    """Class probabilities of each item from a logistic regression that never saw it (k-fold);
    vectors wider than `max_dim` are reduced by PCA first (fast, and it regularises)."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    data = np.asarray(vectors, dtype=np.float32)
    if data.shape[1] > max_dim:  # fewer items than max_dim cap the components PCA can give
        components = min(max_dim, data.shape[0])
        with one_blas_thread(enabled=data.size <= ONE_THREAD_PCA_MAX):
            data = PCA(n_components=components, random_state=seed).fit_transform(data)
    data = StandardScaler().fit_transform(data)
    probabilities = np.zeros((len(codes), n_classes), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(data, codes):
        # tol 1e-3 stops lbfgs after ~25 iterations instead of ~100 on standardised vectors:
        # 4x faster for 0.35 points of held-out accuracy (Fashion-MNIST, pixels-pca)
        model = LogisticRegression(max_iter=300, tol=1e-3, C=1.0, random_state=seed)
        with warnings.catch_warnings(), one_blas_thread():  # thin products: analysis/blas.py
            warnings.simplefilter("ignore")
            model.fit(data[train], codes[train])
            probabilities[np.ix_(test, model.classes_)] = model.predict_proba(data[test])
    return probabilities


def neighbour_label_probabilities(
    graph: NeighborGraph, codes: np.ndarray, n_classes: int, *, smoothing: float = 0.5
) -> np.ndarray:
    """Share of each item's labelled neighbours in each class (similarity-weighted, smoothed)."""
    neighbours = codes[graph.indices]
    weights = np.clip(graph.similarities, 0.0, None).astype(np.float64) * (neighbours >= 0)
    counts = np.full((len(codes), n_classes), smoothing / n_classes)
    rows = np.repeat(np.arange(len(codes)), graph.k)
    np.add.at(counts, (rows, np.clip(neighbours, 0, None).ravel()), weights.ravel())
    return counts / counts.sum(axis=1, keepdims=True)


def drop_rare_classes(
    labels: list[Any] | np.ndarray, *, folds: int = 5
) -> tuple[list[Any], dict[str, int]]:
    """The labels with those of classes too small for `folds`-fold cross-validation (fewer
    than `folds` items) taken out, so their items are skipped like unlabelled ones; and those
    classes with their counts. (Two genres of one film each should not stop the audit.)"""
    codes, classes, labelled = encode_labels(labels)
    counts = np.bincount(codes[labelled], minlength=len(classes))
    rare = {classes[i]: int(c) for i, c in enumerate(counts) if c < folds}
    if not rare:
        return list(labels), {}
    kept = [None if (v is not None and str(v) in rare) else v for v in labels]
    return kept, rare


def check_labels_usable(labels: list[Any] | np.ndarray, *, folds: int = 5) -> np.ndarray:
    """Refuse labels the label check cannot use (before anything is computed or stored);
    returns the count of labelled items per class."""
    codes, classes, labelled = encode_labels(labels)
    counts = np.bincount(codes[labelled], minlength=len(classes))
    if len(classes) < 2:
        raise InvalidInputError(
            f"Label issues need at least 2 classes; the {int(labelled.sum())} labelled items "
            f"have {len(classes)}."
        )
    tiny = [classes[i] for i in np.flatnonzero(counts < folds)]
    if tiny:
        raise InvalidInputError(
            f"Every class needs at least {folds} labelled items for {folds}-fold "
            f"cross-validation; these have fewer: {', '.join(tiny[:10])} "
            f"(counts {[int(counts[classes.index(c)]) for c in tiny[:10]]})."
        )
    return counts


def find_label_issues(
    vectors: np.ndarray,
    labels: list[Any] | np.ndarray,
    graph: NeighborGraph,
    *,
    folds: int = 5,
    neighbour_weight: float = 0.5,
    filter_by: str = "prune_by_noise_rate",
    seed: int = 0,
) -> tuple[CheckResult, np.ndarray, list[str]]:
    """Label quality per item (the combined probability of its given label), a flag from
    cleanlab's confident learning, and a suggested label. Items without a label are skipped:
    score 1, never flagged, suggestion still given. Returns (result, suggestions, classes)."""
    confident_learning = _confident_learning()

    codes, classes, labelled = encode_labels(labels)
    counts = check_labels_usable(labels, folds=folds)
    rows = np.flatnonzero(labelled)
    model = out_of_sample_probabilities(
        vectors[rows], codes[rows], len(classes), folds=folds, seed=seed
    )
    combined = neighbour_label_probabilities(graph, codes, len(classes))
    combined[rows] = (1 - neighbour_weight) * model + neighbour_weight * combined[rows]
    quality = np.ones(len(codes))
    quality[rows] = combined[rows, codes[rows]]
    flags = np.zeros(len(codes), dtype=bool)
    # n_jobs=1: cleanlab's pool forks the process (lancedb warns about forking its runtime)
    # for a step that takes well under a second
    flags[rows] = confident_learning(codes[rows], combined[rows], filter_by=filter_by, n_jobs=1)
    suggestions = combined.argmax(axis=1)
    per_class = {
        classes[c]: round(float(flags[rows][codes[rows] == c].mean()), 4)
        for c in range(len(classes))
    }
    return (
        CheckResult(
            name="label_issue",
            scores=quality,
            flags=flags,
            summary={
                "flagged": int(flags.sum()),
                "skipped_unlabelled": int((~labelled).sum()),
                "issue_rate_per_class": per_class,
                "class_counts": {classes[i]: int(c) for i, c in enumerate(counts)},
            },
            params={
                "folds": folds,
                "neighbour_weight": neighbour_weight,
                "k": graph.k,
                "seed": seed,
            },
        ),
        suggestions,
        classes,
    )


def _confident_learning() -> Any:
    """cleanlab's `filter.find_label_issues`, imported without cleanlab's `__init__` (which
    imports Datalab and Hugging Face `datasets`: embedlab.deferred)."""
    defer_package_init("cleanlab")
    from cleanlab.filter import find_label_issues

    return find_label_issues


def confusion_table(
    codes: np.ndarray, suggestions: np.ndarray, flags: np.ndarray, classes: list[str]
) -> dict[str, dict[str, int]]:
    """Given label -> suggested label -> count, over the flagged items."""
    table: dict[str, dict[str, int]] = {}
    for given, suggested in zip(codes[flags], suggestions[flags], strict=True):
        row = table.setdefault(classes[given], {})
        row[classes[suggested]] = row.get(classes[suggested], 0) + 1
    return table
