"""Nearest items to a query vector by cosine similarity."""

from __future__ import annotations

import numpy as np

from embedlab.errors import InvalidInputError


def check_query_vector(vector: object, dim: int, space: str) -> np.ndarray:
    """A finite float32 vector of the space's dimension, or a clear error."""
    try:
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"The query vector must be a list of {dim} numbers; got {type(vector).__name__}."
        ) from None
    if query.shape[0] != dim:
        raise InvalidInputError(
            f"The query vector has {query.shape[0]} dimensions; space '{space}' has {dim}."
        )
    if not np.isfinite(query).all():
        raise InvalidInputError("The query vector has NaN or infinite values.")
    return query


def nearest(
    unit: np.ndarray, query: np.ndarray, k: int, exclude: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of unit-norm `unit` most similar to `query`, best first, with their similarities."""
    if k < 1:
        raise InvalidInputError(f"k must be an int >= 1; got {k}.")
    norm = float(np.linalg.norm(query))
    scores = unit @ (query / norm if norm > 0 else query)
    if exclude is not None:
        scores[exclude] = -np.inf
    k = min(k, unit.shape[0] - (exclude is not None))
    top = np.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else np.arange(scores.shape[0])
    top = top[np.argsort(-scores[top], kind="stable")]
    return top, scores[top]
