"""One-hot encoding of categorical columns: the sparse, similarity-free baseline.

Every category gets its own axis, so any two different items are equally far apart and the
dimension grows with the number of categories. `report_` says how large and how sparse that is,
the contrast that motivates dense learned embeddings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, register

MISSING = "<missing>"


def _as_category_matrix(X: Any) -> np.ndarray:
    """(n, c) array of category strings; None and NaN become '<missing>'."""
    if hasattr(X, "to_numpy"):
        X = X.to_numpy(dtype=object)
    array = np.asarray(X, dtype=object)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise InvalidInputError(
            "One-hot input must be a non-empty 2-D table (items x columns); "
            f"got shape {array.shape}."
        )
    out = np.empty(array.shape, dtype=object)
    for j in range(array.shape[1]):
        column = array[:, j]
        missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in column])
        out[:, j] = np.where(missing, MISSING, column.astype(str))
    return out


@register
class OneHot(Embedder):
    """One axis per (column, category); categories unseen at fit time encode as all zeros."""

    name = "onehot"
    modality = "categorical"
    summary = "one-hot encoding of categorical columns (sparse baseline)"
    counted_keys = ("unknown_categories",)

    def __init__(self, *, max_dimension: int = 100_000) -> None:
        self.max_dimension = max_dimension

    def _validate_params(self) -> None:
        self._check_param(
            "max_dimension",
            isinstance(self.max_dimension, int) and self.max_dimension >= 1,
            "an int >= 1",
        )

    def fit(self, X: Any) -> OneHot:
        self._validate_params()
        data = _as_category_matrix(X)
        self.categories_ = [np.unique(data[:, j]).astype(str) for j in range(data.shape[1])]
        dimension = sum(len(c) for c in self.categories_)
        if dimension > self.max_dimension:
            raise InvalidInputError(
                f"One-hot encoding would have {dimension:,} dimensions (categories per column: "
                f"{[len(c) for c in self.categories_]}), "
                f"over max_dimension={self.max_dimension:,}. "
                "Drop high-cardinality columns or raise max_dimension."
            )
        self.dimension_ = dimension
        n_items, n_columns = data.shape
        self.report_ = {
            "dimension": dimension,
            "columns": n_columns,
            # every fitted item has exactly one 1 per column
            "sparsity": round(1.0 - n_columns / dimension, 6),
            "dense_bytes": n_items * dimension * 4,
            "sparse_bytes": n_items * n_columns * (4 + 4) + (n_items + 1) * 4,  # CSR
        }
        return self

    def transform(self, X: Any) -> np.ndarray:
        self._check_fitted()
        data = _as_category_matrix(X)
        if data.shape[1] != len(self.categories_):
            raise InvalidInputError(
                f"One-hot was fitted on {len(self.categories_)} columns; got {data.shape[1]}."
            )
        out = np.zeros((data.shape[0], self.dimension_), dtype=np.float32)
        offset = 0
        unknown = 0
        rows = np.arange(data.shape[0])
        for j, categories in enumerate(self.categories_):
            position = np.searchsorted(categories, data[:, j].astype(str))
            position = np.clip(position, 0, len(categories) - 1)
            known = categories[position] == data[:, j].astype(str)
            unknown += int((~known).sum())
            out[rows[known], offset + position[known]] = 1.0
            offset += len(categories)
        self.report_["unknown_categories"] = unknown
        return out

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {f"categories_{j}": c for j, c in enumerate(self.categories_)}

    def set_state(self, state: dict[str, np.ndarray]) -> OneHot:
        count = len(state)
        self.categories_ = [np.asarray(state[f"categories_{j}"]).astype(str) for j in range(count)]
        self.dimension_ = sum(len(c) for c in self.categories_)
        self.report_ = {}
        return self
