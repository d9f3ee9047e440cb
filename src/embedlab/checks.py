"""Range checks of integer parameters shared by every face (Python, CLI, HTTP), worded like
scikit-learn's: "The 'k' parameter of neighbors must be an int >= 1. Got 0 instead."
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError

MAX_SEED = 2**32 - 1  # numpy and scikit-learn take seeds in [0, 2**32 - 1]


def check_int(value: Any, name: str, owner: str, low: int, high: int | None = None) -> int:
    """`value` as an int in [low, high], or an InvalidInputError naming the parameter."""
    bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        raise InvalidInputError(
            f"The '{name}' parameter of {owner} must be an int {bounds}. Got {value!r} instead."
        )
    return int(value)


def check_seed(value: Any, owner: str) -> int:
    return check_int(value, "seed", owner, 0, MAX_SEED)
