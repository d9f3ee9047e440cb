"""Nearest items to a query vector by cosine similarity, through a neighbour index."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np

from embedlab.analysis.index import ExactIndex, NeighborIndex
from embedlab.errors import InvalidInputError

RERANK_FACTOR = 2  # candidates asked of an approximate index per result


def check_query_vector(vector: object, dim: int, space: str) -> np.ndarray:
    """A finite float32 vector of the space's dimension, or a clear error."""
    if hasattr(vector, "__array__") and not isinstance(vector, np.ndarray):
        vector = np.asarray(vector)  # a tensor, a pandas Series
    if not isinstance(vector, list | tuple | np.ndarray):
        raise InvalidInputError(
            f"The query vector must be a list of {dim} numbers; got {type(vector).__name__}."
        )
    leaves = list(_leaves(vector))
    bad = next(((i, v) for i, v in enumerate(leaves) if not _is_real(v)), None)
    if bad is not None:  # true/false, "1" and complex numbers were cast without a word
        shown = json.dumps(bad[1]) if isinstance(bad[1], str | bool | None) else repr(bad[1])
        raise InvalidInputError(
            f"The query vector must be {dim} real numbers; value {bad[0] + 1} is {shown}."
        )
    try:
        query = np.asarray(vector, dtype=np.float32)
    except ValueError:  # nested lists of different lengths
        query = np.zeros((2, 0), dtype=np.float32)
    if query.ndim > 1 and (query.ndim > 2 or query.shape[0] != 1):  # was flattened
        raise InvalidInputError(
            f"The query vector has shape {query.shape if query.size else '(ragged)'}; expected "
            f"one vector of {dim} numbers (shape ({dim},) or (1, {dim}))."
        )
    query = query.reshape(-1)
    if query.shape[0] != dim:
        raise InvalidInputError(
            f"The query vector has {query.shape[0]} dimensions; space '{space}' has {dim}."
        )
    if not np.isfinite(query).all():
        raise InvalidInputError("The query vector has NaN or infinite values.")
    return query


def _leaves(vector: object) -> Iterator[object]:
    """The values of a (nested) list or array, as Python values."""
    if isinstance(vector, np.ndarray):
        if vector.dtype.kind in "iuf":
            return
        vector = vector.tolist()
    if isinstance(vector, list | tuple):
        for value in vector:
            yield from _leaves(value)
    else:
        yield vector.item() if isinstance(vector, np.generic) else vector


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
