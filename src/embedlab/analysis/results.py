"""The one result shape every data check returns (DESIGN.md): per-item score in [0, 1] (lower =
worse), a flag and the signal that raised it, a dataset summary and the parameters used;
checks that group items (near-duplicates) or suggest a fix (label issues) carry those too, in
the same object rather than extra return values. Returned, never printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class CheckResult:
    """One check over a dataset: per-item score and flag, a summary, the parameters used."""

    name: str
    scores: np.ndarray
    flags: np.ndarray
    summary: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    values: np.ndarray | None = None  # the raw statistic the score ranks, for histograms
    #: per item, which signal raised its flag ('' when not flagged); the check's name if unset
    signals: np.ndarray | None = None
    groups: list[list[int]] = field(default_factory=list)  # rows found together, if any
    suggestions: list[str | None] | None = None  # a suggested fix per item, if any

    def __post_init__(self) -> None:
        if self.signals is None:
            self.signals = np.where(self.flags, self.name, "").astype(object)

    def signal(self, row: int) -> str:
        """Which signal flagged `row` ('' when it is not flagged)."""
        assert self.signals is not None
        return str(self.signals[row])

    def flagged(self) -> np.ndarray:
        """Rows flagged, worst first; the rows of one group side by side, in the place of
        its worst member."""
        rows = np.flatnonzero(self.flags)
        order = rows[np.argsort(self.scores[rows], kind="stable")]
        group_of = self.group_numbers()
        if not group_of:
            return order
        first: dict[int, int] = {}
        keys = []
        for position, row in enumerate(order):
            group = group_of.get(int(row))
            key = position if group is None else first.setdefault(group, position)
            keys.append(key)
        return order[np.argsort(np.asarray(keys), kind="stable")]

    def group_numbers(self) -> dict[int, int]:
        """Row -> the number (from 1) of the group it was found in, for rows in a group."""
        return {int(row): number for number, group in enumerate(self.groups, 1) for row in group}


def rank_scores(values: np.ndarray, bad: str) -> np.ndarray:
    """Position of each value among the dataset, 0 for the worst and 1 for the best."""
    order = np.argsort(values if bad == "low" else -values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values))
    return ranks / max(len(values) - 1, 1)


def robust_fence(values: np.ndarray, side: str, fence: float) -> float:
    """median -/+ fence x 1.4826 x MAD: a limit set by the data and robust to its outliers."""
    median = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - median)))
    spread = spread or float(np.std(values)) or 1e-12
    return median - fence * spread if side == "low" else median + fence * spread
