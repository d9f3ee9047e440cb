"""A check's flagged rows keep the rows of one group side by side, in the place of the group's
worst member, so an export reads group by group."""

from __future__ import annotations

import numpy as np

from embedlab.analysis.results import CheckResult


def test_flagged_rows_of_a_group_stay_together() -> None:
    scores = np.array([0.9, 0.1, 0.5, 0.2, 0.3, 0.8])
    flags = np.array([False, True, True, True, True, True])
    result = CheckResult("near_duplicate", scores, flags, groups=[[0, 2, 5], [3, 1]])
    assert result.flagged().tolist() == [1, 3, 4, 2, 5]  # group 2 (worst 0.1), 4, group 1
    assert result.group_numbers() == {0: 1, 2: 1, 5: 1, 3: 2, 1: 2}


def test_without_groups_the_order_is_worst_first() -> None:
    result = CheckResult("outlier", np.array([0.4, 0.1, 0.3]), np.array([True, True, True]))
    assert result.flagged().tolist() == [1, 2, 0]
    assert result.group_numbers() == {}
