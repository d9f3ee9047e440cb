"""One-hot vs entity embeddings vs numeric PCA: the same downstream models on each encoding of
a table's records, scored on the same held-out rows (`evaluate --target`).

The split is seeded (80/20 of the rows with a target, stratified for a classification when
every class has two rows) or the dataset's own train/test `split` column. Everything is fitted
on the training rows only: the entity tables (with their own validation part carved from the
training rows), the one-hot categories and the numeric standardisation; the test rows are seen
only to be scored. Feature sets:

- one-hot: a column per category seen at least `min_count` times in the training rows, plus one
  shared column for the rest (scikit-learn's infrequent category), then the standardised numeric
  columns;
- entity: the entity vectors (the learned category tables concatenated, then the same
  standardised numeric columns);
- numeric PCA: PCA of the standardised numeric columns alone (what the `pca` method gives a
  table; no categories).

Models: ridge regression (alpha 1) or logistic regression, and a small gradient-boosted tree
model (scikit-learn's HistGradientBoosting, 100 iterations, seeded). Metrics: R^2 and RMSE for a
regression, accuracy and macro-F1 for a classification.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from embedlab.errors import InvalidInputError
from embedlab.methods.entity import EntityEmbedding, TargetValues
from embedlab.methods.records import Records, as_category_text

TEST_SHARE = 0.2
#: fewer test rows than this give a metric that says little
MIN_TEST_ROWS = 5


@dataclass
class EncodingScore:
    """One feature set with one downstream model, scored on the held-out rows."""

    features: str
    dim: int
    model: str
    metrics: dict[str, float]
    seconds: float


@dataclass
class EncodingComparison:
    """Every feature set and model on one split, with what the split held."""

    target: str
    task: str
    n_train: int
    n_test: int
    rows_without_target: int
    categorical_columns: list[str]
    numeric_columns: list[str]
    onehot_dim: int
    entity_dim: int
    scores: list[EncodingScore] = field(default_factory=list)
    entity_report: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_rows(
    target: TargetValues, split: list[Any] | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test rows among the labelled ones: the dataset's split when it has both
    parts, else a seeded 80/20 split."""
    from sklearn.model_selection import train_test_split

    rows = target.rows
    if split is not None:
        parts = np.asarray([str(s).lower() if s is not None else "" for s in split])
        train, test = rows[parts[rows] == "train"], rows[parts[rows] == "test"]
        if len(train) and len(test):
            return train, test
    stratify = None
    if target.task == "classification" and np.bincount(target.y).min() >= 2:
        stratify = target.y
    train, test = train_test_split(rows, test_size=TEST_SHARE, random_state=seed, stratify=stratify)
    if len(test) < MIN_TEST_ROWS:
        raise InvalidInputError(
            f"Only {len(test)} test rows: the comparison needs at least {MIN_TEST_ROWS} "
            f"(about {int(MIN_TEST_ROWS / TEST_SHARE)} rows with a target)."
        )
    return np.sort(train), np.sort(test)


def compare_encodings(
    records: Records,
    target: str,
    *,
    seed: int = 0,
    entity_params: dict[str, Any] | None = None,
    split: list[Any] | None = None,
    threads: int | None = 1,
) -> EncodingComparison:
    """Score one-hot, entity and numeric-PCA features with the same models on one split.

    `threads` caps the OpenMP/BLAS threads of the downstream models (None: the libraries'
    default). One is the default: these models are small, and on a shared 2-core machine two
    OpenMP threads made the gradient-boosted trees 10x slower (72 s against 7 s)."""
    params = {**(entity_params or {}), "target": target, "seed": seed}
    estimator = EntityEmbedding.from_params(params)  # converts KEY=VALUE text from the CLI
    assert isinstance(estimator, EntityEmbedding)
    values = estimator.prepare_target(records)
    train, test = split_rows(values, split, seed)
    estimator.fit(records[train])
    entity = estimator.transform(records)
    numeric = estimator.numeric_matrix(records)
    onehot = _onehot(records, estimator, train, numeric)
    y = _target_array(records, values, target)
    comparison = EncodingComparison(
        target=target,
        task=values.task,
        n_train=len(train),
        n_test=len(test),
        rows_without_target=len(records) - len(values.rows),
        categorical_columns=list(estimator.columns_),
        numeric_columns=list(estimator.numeric_columns_),
        onehot_dim=int(onehot.shape[1]),
        entity_dim=int(entity.shape[1]),
        entity_report=dict(estimator.report_),
    )
    feature_sets: list[tuple[str, Any]] = [("one-hot", onehot), ("entity", entity)]
    if numeric.shape[1]:
        feature_sets.append(("numeric PCA", _numeric_pca(numeric, train, seed)))
    for name, features in feature_sets:
        for model in _models(values.task, seed):
            score = _score(name, features, model, y, (train, test), values.task, threads)
            comparison.scores.append(score)
    return comparison


def _target_array(records: Records, values: TargetValues, target: str) -> np.ndarray:
    """The target of every row in its own units (NaN / '' where missing)."""
    if values.task == "regression":
        import pandas as pd

        return pd.to_numeric(pd.Series(records.column(target)), errors="coerce").to_numpy(
            dtype=np.float64
        )
    return as_category_text(records.column(target)).astype(str)


def _onehot(
    records: Records, estimator: EntityEmbedding, train: np.ndarray, numeric: np.ndarray
) -> sparse.csr_matrix:
    from sklearn.preprocessing import OneHotEncoder

    categories = np.stack(
        [as_category_text(records.column(c)).astype(str) for c in estimator.columns_], axis=1
    )
    encoder = OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        min_frequency=estimator.min_count,
        sparse_output=True,
        dtype=np.float32,
    )
    encoder.fit(categories[train])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "unknown categories ... encoded as all zeros"
        encoded = encoder.transform(categories)
    return sparse.hstack([encoded, sparse.csr_matrix(numeric)], format="csr")


def _numeric_pca(numeric: np.ndarray, train: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    pca = PCA(n_components=numeric.shape[1], random_state=seed).fit(numeric[train])
    return pca.transform(numeric).astype(np.float32)


def _models(task: str, seed: int) -> list[tuple[str, Any]]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "regression":
        return [
            ("ridge", Ridge(alpha=1.0)),
            ("gbm", HistGradientBoostingRegressor(max_iter=100, random_state=seed)),
        ]
    return [
        ("logistic", LogisticRegression(max_iter=1000, random_state=seed)),
        ("gbm", HistGradientBoostingClassifier(max_iter=100, random_state=seed)),
    ]


def _score(
    name: str,
    features: Any,
    model: tuple[str, Any],
    y: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
    task: str,
    threads: int | None,
) -> EncodingScore:
    from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score
    from threadpoolctl import threadpool_limits

    label, estimator = model
    train, test = rows
    started = time.perf_counter()
    data = features
    if label == "gbm" and sparse.issparse(features):
        data = features.toarray()  # the tree model takes dense input
    elif label != "gbm" and not sparse.issparse(features):
        from sklearn.preprocessing import StandardScaler  # dense vectors: one scale for ridge

        data = StandardScaler().fit(features[train]).transform(features)
    # the limit is set here, once the model's libraries are loaded: threadpoolctl caps only
    # the thread pools loaded when it is entered
    with warnings.catch_warnings(), threadpool_limits(limits=threads):
        warnings.simplefilter("ignore")  # convergence notes
        estimator.fit(data[train], y[train])
        predicted = estimator.predict(data[test])
    if task == "regression":
        metrics = {
            "r2": round(float(r2_score(y[test], predicted)), 4),
            "rmse": round(float(np.sqrt(mean_squared_error(y[test], predicted))), 4),
        }
    else:
        metrics = {
            "accuracy": round(float(accuracy_score(y[test], predicted)), 4),
            "macro_f1": round(float(f1_score(y[test], predicted, average="macro")), 4),
        }
    seconds = round(time.perf_counter() - started, 2)
    return EncodingScore(name, int(features.shape[1]), label, metrics, seconds)
