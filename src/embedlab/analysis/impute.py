"""Missing values estimated from neighbours: a similarity-weighted mean for numbers, a weighted
vote for categories; and an honest check of it by hiding values that are known."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.analysis.neighbors import NeighborGraph
from embedlab.errors import InvalidInputError


@dataclass
class Estimates:
    """Per item: the estimate (None where no neighbour knows the value) and its support."""

    values: list[Any]
    support: np.ndarray  # weighted share of agreeing neighbours (categories) or of known ones
    numeric: bool


def missing_mask(values: list[Any]) -> np.ndarray:
    """True where a value is absent: None, NaN or an empty string."""
    return np.array(
        [v is None or (isinstance(v, float) and np.isnan(v)) or v == "" for v in values]
    )


def _is_numeric(values: list[Any], missing: np.ndarray) -> bool:
    known = [v for v, m in zip(values, missing, strict=True) if not m]
    return bool(known) and all(
        isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in known
    )


def estimate_missing(
    graph: NeighborGraph, values: list[Any], rows: np.ndarray | None = None
) -> Estimates:
    """Estimates for `rows` (default: the rows whose value is missing) from their neighbours
    whose value is known."""
    missing = missing_mask(values)
    if missing.all():
        raise InvalidInputError("Every value of the column is missing: nothing to learn from.")
    targets = np.flatnonzero(missing) if rows is None else np.asarray(rows)
    numeric = _is_numeric(values, missing)
    neighbours = graph.indices[targets]
    weights = np.clip(graph.similarities[targets], 1e-6, None).astype(np.float64)
    weights = weights * ~missing[neighbours]
    estimates: list[Any] = [None] * len(values)
    support = np.zeros(len(values))
    if numeric:
        known = np.array([0.0 if m else float(v) for v, m in zip(values, missing, strict=True)])
        totals = weights.sum(axis=1)
        means = (weights * known[neighbours]).sum(axis=1) / np.where(totals > 0, totals, 1)
        for row, mean, total in zip(targets, means, totals, strict=True):
            estimates[row] = float(mean) if total > 0 else None
        support[targets] = (weights > 0).mean(axis=1)
    else:
        for position, row in enumerate(targets):
            votes: dict[Any, float] = {}
            for neighbour, weight in zip(neighbours[position], weights[position], strict=True):
                if weight > 0:
                    votes[values[neighbour]] = votes.get(values[neighbour], 0.0) + weight
            if votes:
                best = max(votes, key=votes.__getitem__)
                estimates[row] = best
                support[row] = votes[best] / sum(votes.values())
    return Estimates(estimates, support, numeric)


def evaluate_estimates(
    graph: NeighborGraph, values: list[Any], *, hide: float = 0.1, seed: int = 0
) -> dict[str, Any]:
    """Hide a share of the known values, estimate them, and compare with the truth and with the
    naive guess (the column's mean or most common value)."""
    missing = missing_mask(values)
    known_rows = np.flatnonzero(~missing)
    rng = np.random.default_rng(seed)
    hidden = rng.choice(known_rows, size=max(1, int(hide * len(known_rows))), replace=False)
    masked = list(values)
    for row in hidden:
        masked[row] = None
    estimates = estimate_missing(graph, masked, rows=hidden)
    truth = [values[r] for r in hidden]
    guessed = [estimates.values[r] for r in hidden]
    answered = [i for i, g in enumerate(guessed) if g is not None]
    rest = [masked[r] for r in np.flatnonzero(~missing_mask(masked))]
    if estimates.numeric:
        errors = np.abs(np.array([guessed[i] - float(truth[i]) for i in answered]))
        naive = float(np.mean(rest))
        baseline = np.abs(np.array([float(t) for t in truth]) - naive)
        return {
            "kind": "numeric",
            "hidden": len(hidden),
            "answered": len(answered),
            "mae": round(float(errors.mean()), 6),
            "baseline_mae": round(float(baseline.mean()), 6),
        }
    values_rest, counts = np.unique(np.asarray(rest, dtype=object).astype(str), return_counts=True)
    majority = values_rest[counts.argmax()]
    accuracy = np.mean([str(guessed[i]) == str(truth[i]) for i in answered])
    return {
        "kind": "categorical",
        "hidden": len(hidden),
        "answered": len(answered),
        "accuracy": round(float(accuracy), 4),
        "baseline_accuracy": round(float(np.mean([str(t) == majority for t in truth])), 4),
    }
