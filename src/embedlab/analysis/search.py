"""Nearest items to a query vector by cosine similarity, through a neighbour index."""

from __future__ import annotations

import numpy as np

from embedlab.analysis.index import ExactIndex, NeighborIndex
from embedlab.errors import InvalidInputError

RERANK_FACTOR = 2  # candidates asked of an approximate index per result


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
    index: NeighborIndex, query: np.ndarray, k: int, exclude: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the index most similar to `query` (any length: it is normalised), best first,
    with their similarities; `exclude` (the query's own row) is left out. An approximate index
    is asked for RERANK_FACTOR times as many candidates, which are scored again exactly
    against the indexed unit rows and the best k kept."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInputError(f"k must be an int >= 1; got {k!r}.")
    norm = float(np.linalg.norm(query))
    unit_query = np.asarray(query / norm if norm > 0 else query, dtype=np.float32)
    n = index.size
    wanted = min(int(k) + (exclude is not None), n)
    exact = isinstance(index, ExactIndex)
    rows, scores = index.query(
        unit_query[None, :], wanted if exact else min(RERANK_FACTOR * wanted, n)
    )
    rows, scores = rows[0], scores[0]
    keep = rows >= 0 if exclude is None else (rows >= 0) & (rows != exclude)
    rows, scores = rows[keep], scores[keep]
    if not exact:
        scores = np.asarray(index.unit[np.sort(rows)] @ unit_query, dtype=np.float32)
        rows = np.sort(rows)
        order = np.argsort(-scores, kind="stable")
        rows, scores = rows[order], scores[order]
    return rows[:k], scores[:k]
