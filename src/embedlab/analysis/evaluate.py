"""Downstream-task validation: how well do the vectors predict a label?

Two standard probes on a fixed split: a linear probe (logistic regression on standardised
vectors) and k-nearest-neighbour voting by cosine similarity. The split is the dataset's own
`split` column when it has train and test rows, else a seeded stratified 80/20 split.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from embedlab.analysis.blas import one_blas_thread
from embedlab.errors import InvalidInputError


@dataclass
class ProbeResult:
    """Accuracy of the two probes on one set of vectors."""

    name: str
    dim: int
    n_train: int
    n_test: int
    linear_probe: float
    knn: float
    seconds: float
    embed_seconds: float | None = None
    #: mean squared error of the rebuilt input on the test items, for methods that rebuild it
    reconstruction_mse: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_test_rows(
    labels: np.ndarray, split: list[Any] | None, seed: int = 0, test_size: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the train and test parts (items without a label are left out)."""
    from sklearn.model_selection import train_test_split

    from embedlab.analysis.quality import encode_labels

    labelled = np.flatnonzero(encode_labels(labels)[2])
    if split is not None:
        parts = np.asarray([str(s).lower() if s is not None else "" for s in split])
        train = labelled[parts[labelled] == "train"]
        test = labelled[parts[labelled] == "test"]
        if len(train) and len(test):
            return train, test
    classes, counts = np.unique(labels[labelled].astype(str), return_counts=True)
    if len(classes) < 2:
        raise InvalidInputError(
            f"Evaluation needs at least 2 classes; the label has {len(classes)} among "
            f"{len(labelled)} labelled items."
        )
    if counts.max() < 2:
        raise InvalidInputError(
            f"Evaluation needs classes of at least 2 labelled items; each of the "
            f"{len(labelled)} labelled items has a label of its own (a column of numbers or ids "
            "is no class label). Expected a column of class labels."
        )
    n_test = int(np.ceil(test_size * len(labelled)))
    # stratified only when every class can be in both parts (sklearn refuses otherwise)
    stratified = counts.min() >= 2 and min(n_test, len(labelled) - n_test) >= len(classes)
    stratify = labels[labelled].astype(str) if stratified else None
    train, test = train_test_split(
        labelled, test_size=test_size, random_state=seed, stratify=stratify
    )
    if len(np.unique(labels[train].astype(str))) < 2:
        raise InvalidInputError(
            f"Evaluation needs at least 2 classes among the training items; the split of the "
            f"{len(labelled)} labelled items left {len(train)} with one class. Expected more "
            "labelled items per class."
        )
    return np.sort(train), np.sort(test)


def probe(
    name: str,
    vectors: np.ndarray,
    labels: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    k: int = 10,
    seed: int = 0,
) -> ProbeResult:
    """Linear-probe and kNN accuracy of `vectors` predicting `labels` on the given split."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    started = time.perf_counter()
    data = np.asarray(vectors, dtype=np.float32)
    y = labels.astype(str)
    scaler = StandardScaler().fit(data[train])
    linear = LogisticRegression(max_iter=1000, random_state=seed)
    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore")  # convergence notes on hard, high-dimensional inputs
        linear.fit(scaler.transform(data[train]), y[train])
    linear_accuracy = float(linear.score(scaler.transform(data[test]), y[test]))
    return ProbeResult(
        name,
        int(data.shape[1]),
        len(train),
        len(test),
        round(linear_accuracy, 4),
        round(knn_accuracy(data, labels, train, test, k), 4),
        round(time.perf_counter() - started, 2),
    )


def knn_accuracy(
    vectors: np.ndarray, labels: np.ndarray, train: np.ndarray, test: np.ndarray, k: int = 10
) -> float:
    """Share of test items whose label the vote of their k nearest train items (cosine) gives."""
    from sklearn.neighbors import KNeighborsClassifier

    y = labels.astype(str)
    knn = KNeighborsClassifier(n_neighbors=min(k, len(train)), metric="cosine", algorithm="brute")
    return float(knn.fit(vectors[train], y[train]).score(vectors[test], y[test]))


def label_precision_at_k(
    vectors: np.ndarray, labels: np.ndarray, queries: np.ndarray, base: np.ndarray, k: int = 10
) -> float:
    """Retrieval quality without relevance judgements: the mean share of each query item's k
    nearest `base` items (cosine, itself left out) that carry its label."""
    from embedlab.analysis.exact_search import drop_self, top_k_cosine
    from embedlab.analysis.neighbors import normalize_rows

    unit = normalize_rows(vectors[base], "vectors")
    position = np.full(len(vectors), -1, dtype=np.int64)
    position[base] = np.arange(len(base))
    found, sims = top_k_cosine(
        normalize_rows(vectors[queries], "vectors"), unit, k + 1, description="Retrieval"
    )
    found, _ = drop_self(found, sims, k, self_ids=position[queries])
    y = labels.astype(str)
    return float((y[base][found] == y[queries][:, None]).mean())


def leave_one_out_accuracy(vectors: np.ndarray, labels: np.ndarray, seed: int = 0) -> float:
    """Share of labelled items whose label a linear probe (standardised logistic regression)
    trained on all the others predicts: the karate club's club-split accuracy."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneOut, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from embedlab.analysis.quality import encode_labels

    labelled = np.flatnonzero(encode_labels(labels)[2])
    y = labels[labelled].astype(str)
    if len(np.unique(y)) < 2:
        raise InvalidInputError(
            f"Leave-one-out accuracy needs at least 2 classes; got {len(np.unique(y))}."
        )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore")
        scores = cross_val_score(model, np.asarray(vectors)[labelled], y, cv=LeaveOneOut())
    return round(float(scores.mean()), 4)
