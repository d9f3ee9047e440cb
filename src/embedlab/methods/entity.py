"""Entity embeddings (Guo & Berkhahn, 2016; the idea behind AWS Object2Vec): one learned
embedding table per categorical column, trained to predict a target column.

Dimension rule: a column with `cardinality` table rows (its kept categories plus the shared
'<other>' row) gets min(max_dim, (cardinality + 1) // 2) dimensions (max_dim = 50 by default).
Categories seen fewer than `min_count` times in the training rows, and values never seen, share
the '<other>' row. The task follows the target's type when task='auto': a column of numbers
(ints or floats) is a regression (mean squared error on the standardised target), anything else
(text, booleans) a classification (cross-entropy). Rows without a target are left out of the
training but still embedded. An item's vector is the concatenation of its category vectors
followed by its numeric columns, standardised with the training rows' mean and deviation
(a missing number becomes the mean, 0). Training: AdamW (weight_decay 0 by default) on a
one-hidden-layer network, early stopping on a seeded validation split, the best epoch's tables
kept. Same seed, same vectors.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.methods.base import Embedder, register
from embedlab.methods.records import (
    OTHER,
    Records,
    Vocabulary,
    as_category_text,
    check_not_constant,
    embedding_dimension,
    is_missing,
    split_columns,
)

TASKS = ("auto", "regression", "classification")
#: fewer labelled rows than this cannot give both a training and a validation part
MIN_ROWS = 20
MAX_CLASSES = 1000


@dataclass
class TargetValues:
    """The training target: values for the labelled rows, and how to read them."""

    task: str
    rows: np.ndarray  # the labelled rows
    y: np.ndarray  # float32 standardised (regression) or int64 class codes
    classes: np.ndarray  # class names (classification), empty otherwise
    mean: float = 0.0
    std: float = 1.0


@register
class EntityEmbedding(Embedder):
    """Learned embedding tables for categorical columns, trained on a target column (torch)."""

    name = "entity"
    modality = "records"
    summary = "entity embeddings: a learned table per categorical column, trained on a target"
    counted_keys: ClassVar[tuple[str, ...]] = ("other_values",)

    def __init__(
        self,
        *,
        target: str | None = None,
        task: str = "auto",
        min_count: int = 5,
        max_dim: int = 50,
        categorical: str | None = None,
        hidden: int = 64,
        epochs: int = 100,
        patience: int = 5,
        batch_size: int = 256,
        learning_rate: float = 0.003,
        weight_decay: float = 0.0,
        validation: float = 0.2,
        seed: int = 0,
    ) -> None:
        self.target = target
        self.task = task
        self.min_count = min_count
        self.max_dim = max_dim
        self.categorical = categorical
        self.hidden = hidden
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.validation = validation
        self.seed = seed

    def _validate_params(self) -> None:
        for name in ("min_count", "max_dim", "hidden", "epochs", "patience", "batch_size"):
            value = getattr(self, name)
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            self._check_param(name, ok, "an int >= 1")
        self._check_param(
            "target",
            isinstance(self.target, str) and bool(self.target),
            "the name of the column to predict (--param target=COLUMN)",
        )
        self._check_param("task", self.task in TASKS, f"one of {list(TASKS)}")
        rate = self.learning_rate
        self._check_param(
            "learning_rate", isinstance(rate, float | int) and rate > 0, "a float > 0"
        )
        decay = self.weight_decay
        self._check_param(
            "weight_decay", isinstance(decay, float | int) and decay >= 0, "a float >= 0"
        )
        share = self.validation
        self._check_param(
            "validation", isinstance(share, float) and 0 < share < 1, "a float in (0, 1)"
        )
        self._check_param("seed", isinstance(self.seed, int) and self.seed >= 0, "an int >= 0")

    def forced_categorical(self) -> list[str]:
        return [c.strip() for c in (self.categorical or "").split(",") if c.strip()]

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, X: Any) -> EntityEmbedding:
        self._validate_params()
        records = Records.coerce(X)
        target = self.prepare_target(records)
        features = [n for n in records.names if n != self.target]
        unknown = [c for c in self.forced_categorical() if c not in features]
        if unknown:  # a typo here left the column numeric without a word
            raise InvalidInputError(
                f"--param categorical names {', '.join(map(repr, unknown))}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not among the input columns {features}."
            )
        cats, nums = split_columns(records, features, self.forced_categorical())
        if not cats:
            raise InvalidInputError(
                f"Entity embeddings need at least one categorical (text or boolean) column; "
                f"the inputs {features} are all numeric. Name columns to treat as categories "
                "with --param categorical=a,b."
            )
        train, valid = self._split(target.rows)
        self.columns_ = cats
        self.numeric_columns_ = nums
        texts = {c: as_category_text(records.column(c)) for c in cats}
        for column in cats:
            check_not_constant(column, texts[column])
        self.vocabularies_ = [Vocabulary.fit(c, texts[c][train], self.min_count) for c in cats]
        self._fit_numeric(records, train)
        codes = np.stack(
            [v.codes(texts[c]) for c, v in zip(cats, self.vocabularies_, strict=True)], axis=1
        )
        numeric = self.numeric_matrix(records)
        started = time.perf_counter()
        outcome = self._train(codes, numeric, target, train, valid)
        self._fill_untrained_other_rows(codes[train])
        self.dimension_ = sum(e.shape[1] for e in self.embeddings_) + len(nums)
        self.report_ = self._fit_report(records, target, train, valid, outcome, texts)
        self.report_["train_seconds"] = round(time.perf_counter() - started, 2)
        return self

    def prepare_target(self, records: Records) -> TargetValues:
        """The labelled rows and their target values (standardised numbers or class codes),
        the task chosen by the stated rule; bad targets are refused here."""
        self._validate_params()
        assert self.target is not None
        if self.target not in records.columns:
            raise InvalidInputError(
                f"The target column '{self.target}' is not among the input columns "
                f"{records.names}. Name an existing column with --param target=COLUMN."
            )
        values = records.column(self.target)
        labelled = np.flatnonzero(~is_missing(values))
        if len(labelled) < MIN_ROWS:
            raise InvalidInputError(
                f"Entity embeddings need at least {MIN_ROWS} rows with a target; column "
                f"'{self.target}' has {len(labelled)} of {len(values)}."
            )
        task = self.task
        if task == "auto":
            task = "regression" if records.is_numeric(self.target) else "classification"
        if task == "regression":
            return self._regression_target(values, labelled)
        classes, codes = np.unique(as_category_text(values[labelled]), return_inverse=True)
        if len(classes) < 2:
            raise InvalidInputError(
                f"The target column '{self.target}' is constant ({str(classes[0])!r} in all "
                f"{len(labelled)} labelled rows): there is nothing to learn."
            )
        if len(classes) == len(labelled):  # ids or free text: nothing generalises
            raise InvalidInputError(
                f"Each of the {len(labelled):,} labelled rows has a class of its own in target "
                f"column '{self.target}' (a column of ids or free text is no class target); "
                "expected classes shared by several rows. If it holds numbers, use --param "
                "task=regression."
            )
        if len(classes) > MAX_CLASSES:
            raise InvalidInputError(
                f"The target column '{self.target}' has {len(classes):,} classes (over "
                f"{MAX_CLASSES:,}); if it holds numbers, use --param task=regression."
            )
        return TargetValues("classification", labelled, codes.astype(np.int64), classes.astype(str))

    def _regression_target(self, values: np.ndarray, labelled: np.ndarray) -> TargetValues:
        if values.dtype.kind != "f":
            for row in labelled:
                try:
                    float(values[row])
                except (TypeError, ValueError):
                    raise InvalidInputError(
                        f"task=regression needs a numeric target, but column '{self.target}' "
                        f"holds {values[row]!r} at row {int(row)}. Use task=classification "
                        "(or task=auto) for a column of categories."
                    ) from None
        y = np.asarray(values[labelled], dtype=np.float64)
        if not np.isfinite(y).all():
            row = int(labelled[np.flatnonzero(~np.isfinite(y))[0]])
            raise InvalidInputError(
                f"The target column '{self.target}' is infinite at row {row}; expected numbers."
            )
        std = float(y.std())
        if std == 0.0:
            raise InvalidInputError(
                f"The target column '{self.target}' is constant ({y[0]:g} in all {len(y)} "
                "labelled rows): there is nothing to learn."
            )
        mean = float(y.mean())
        standard = ((y - mean) / std).astype(np.float32)
        return TargetValues("regression", labelled, standard, np.empty(0, dtype=str), mean, std)

    def _split(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seeded training and validation parts of the labelled rows (indexes into `rows`'s
        positions are not used: both parts are row numbers)."""
        order = np.random.default_rng(self.seed).permutation(len(rows))
        n_valid = max(1, int(round(self.validation * len(rows))))
        return np.sort(rows[order[n_valid:]]), np.sort(rows[order[:n_valid]])

    def _fit_numeric(self, records: Records, train: np.ndarray) -> None:
        means, stds = [], []
        for column in self.numeric_columns_:
            values = records.column(column)[train]
            finite = values[np.isfinite(values)]
            mean = float(finite.mean()) if len(finite) else 0.0
            std = float(finite.std()) if len(finite) else 1.0
            means.append(mean)
            stds.append(std if std > 0 else 1.0)
        self.numeric_mean_ = np.asarray(means, dtype=np.float64)
        self.numeric_std_ = np.asarray(stds, dtype=np.float64)

    def numeric_matrix(self, records: Records) -> np.ndarray:
        """Standardised numeric columns (n, m); missing and infinite values become 0."""
        if not self.numeric_columns_:
            return np.zeros((len(records), 0), dtype=np.float32)
        raw = np.stack([records.column(c) for c in self.numeric_columns_], axis=1)
        standard = (raw - self.numeric_mean_) / self.numeric_std_
        return np.where(np.isfinite(standard), standard, 0.0).astype(np.float32)

    def _train(
        self,
        codes: np.ndarray,
        numeric: np.ndarray,
        target: TargetValues,
        train: np.ndarray,
        valid: np.ndarray,
    ) -> dict[str, Any]:
        try:
            import torch
        except ImportError:
            raise MissingDependencyError(
                "Entity embeddings are trained with PyTorch: pip install torch==2.13.0 "
                "(the CPU wheel), or pip install 'embedlab[torch]'."
            ) from None
        from embedlab.methods.entity_net import TrainSettings, train_entity_net

        settings = TrainSettings(
            str(self.target),
            self.max_dim,
            self.hidden,
            self.epochs,
            self.patience,
            self.batch_size,
            float(self.learning_rate),
            float(self.weight_decay),
            self.seed,
        )

        y = np.zeros(len(codes), dtype=target.y.dtype)
        y[target.rows] = target.y
        threads = torch.get_num_threads()
        # one thread: the network is small, and more threads only wait on each other (6x
        # slower seen with 2 threads on a loaded 2-core machine)
        torch.set_num_threads(1)
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                outcome = train_entity_net(
                    settings,
                    [len(v) for v in self.vocabularies_],
                    codes,
                    numeric,
                    y,
                    train,
                    valid,
                    n_out=len(target.classes) if target.task == "classification" else 1,
                )
        finally:
            torch.set_num_threads(threads)
        self.embeddings_ = outcome.pop("embeddings")
        return outcome

    def _fill_untrained_other_rows(self, train_codes: np.ndarray) -> None:
        """An '<other>' row no training value fell into never learned anything; it becomes the
        frequency-weighted mean of the column's vectors, the best guess for an unseen value."""
        for j, table in enumerate(self.embeddings_):
            counts = np.bincount(train_codes[:, j], minlength=len(table)).astype(np.float64)
            if counts[0] == 0:
                table[0] = (counts[1:, None] * table[1:]).sum(axis=0) / counts[1:].sum()

    def _fit_report(
        self,
        records: Records,
        target: TargetValues,
        train: np.ndarray,
        valid: np.ndarray,
        outcome: dict[str, Any],
        texts: dict[str, np.ndarray],
    ) -> dict[str, Any]:
        tables = {
            column: {
                "categories": len(vocabulary) - 1,
                "distinct_values": int(len(np.unique(texts[column]))),
                "dimension": int(table.shape[1]),
            }
            for column, vocabulary, table in zip(
                self.columns_, self.vocabularies_, self.embeddings_, strict=True
            )
        }
        return {
            "task": target.task,
            "target": self.target,
            "tables": tables,
            "numeric_columns": list(self.numeric_columns_),
            "dimension": int(self.dimension_),
            "onehot_dimension": int(sum(t["distinct_values"] for t in tables.values())),
            "rows_trained": len(train),
            "rows_validation": len(valid),
            "rows_without_target": len(records) - len(target.rows),
            **outcome,
            "other_values": 0,
        }

    # -- transform -----------------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        self._check_fitted()
        records = Records.coerce(X)
        missing = [c for c in [*self.columns_, *self.numeric_columns_] if c not in records.columns]
        if missing:
            raise InvalidInputError(
                f"EntityEmbedding was fitted on columns {self.columns_ + self.numeric_columns_}; "
                f"the input lacks {missing}."
            )
        parts = []
        other = 0
        for column, vocabulary, table in zip(
            self.columns_, self.vocabularies_, self.embeddings_, strict=True
        ):
            codes = vocabulary.codes(as_category_text(records.column(column)))
            other += int((codes == 0).sum())
            parts.append(table[codes])
        parts.append(self.numeric_matrix(records))
        self.report_["other_values"] = other
        return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.float32)

    def category_vectors(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(values, vectors) of one column's table; values[0] is '<other>'."""
        self._check_fitted()
        if column not in self.columns_:
            from embedlab.errors import did_you_mean

            raise InvalidInputError(
                f"Column '{column}' has no embedding table. " + did_you_mean(column, self.columns_)
            )
        j = self.columns_.index(column)
        return self.vocabularies_[j].values, self.embeddings_[j]

    # -- state ---------------------------------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        state = {
            "columns": np.asarray(self.columns_, dtype=str),
            "numeric_columns": np.asarray(self.numeric_columns_, dtype=str),
            "numeric_mean": self.numeric_mean_,
            "numeric_std": self.numeric_std_,
        }
        for j, (vocabulary, table) in enumerate(
            zip(self.vocabularies_, self.embeddings_, strict=True)
        ):
            state[f"vocabulary_{j}"] = vocabulary.values.astype(str)
            state[f"embedding_{j}"] = table
        return state

    def set_state(self, state: dict[str, np.ndarray]) -> EntityEmbedding:
        self.columns_ = [str(c) for c in state["columns"]]
        self.numeric_columns_ = [str(c) for c in state["numeric_columns"]]
        self.numeric_mean_ = np.asarray(state["numeric_mean"], dtype=np.float64)
        self.numeric_std_ = np.asarray(state["numeric_std"], dtype=np.float64)
        count = len(self.columns_)
        self.vocabularies_ = [
            Vocabulary(np.asarray(state[f"vocabulary_{j}"]).astype(str)) for j in range(count)
        ]
        self.embeddings_ = [
            np.ascontiguousarray(state[f"embedding_{j}"], dtype=np.float32) for j in range(count)
        ]
        assert all(v.values[0] == OTHER for v in self.vocabularies_)
        self.dimension_ = sum(e.shape[1] for e in self.embeddings_) + len(self.numeric_columns_)
        self.report_ = {"other_values": 0}
        return self

    def table_dimensions(self) -> list[int]:
        """The dimension of each column's table, by the stated rule."""
        return [embedding_dimension(len(v), self.max_dim) for v in self.vocabularies_]
