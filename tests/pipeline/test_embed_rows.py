"""The row bookkeeping of `embed`: which rows are left to embed, and where each stored row sits
when the partial table is rewritten in dataset order."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.pipeline.embed import _not_done, _stored_offsets


class _Sized:
    """A stand-in dataset: only its name and length are read."""

    name = "docs"

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def test_rows_not_done_keep_the_processing_order() -> None:
    order = np.array([4, 0, 3, 1, 2])
    assert _not_done(order, np.array([3, 4], dtype=np.int64)).tolist() == [0, 1, 2]
    assert _not_done(order, np.empty(0, dtype=np.int64)).tolist() == [4, 0, 3, 1, 2]
    assert _not_done(order, np.array([9, -1, 0])).tolist() == [4, 3, 1, 2]  # corrupt rows ignored


def test_stored_offsets_invert_the_stored_rows() -> None:
    rows = np.array([2, 0, 3, 1, 5, 4])
    batches = [rows[:4], rows[4:]]  # read back in two batches
    offsets = _stored_offsets(iter(batches), _Sized(6))  # type: ignore[arg-type]
    assert offsets.tolist() == np.argsort(rows).tolist()


def test_a_row_stored_twice_is_read_once() -> None:
    # a batch committed twice must not leave the run unfinishable: each row is read once
    batches = [np.array([0, 1, 2]), np.array([2, 3])]
    assert _stored_offsets(batches, _Sized(4)).tolist() == [0, 1, 3, 4]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rows", "have"),
    [
        ([0, 1, 1, 3], 3),  # row 1 twice, row 2 missing
        ([0, 1, 2], 3),  # row 3 missing
        ([0, 1, 2, 7], 3),  # a row past the dataset
        ([-1, 0, 1, 2], 3),  # a negative row
    ],
)
def test_a_missing_row_is_refused(rows: list[int], have: int) -> None:
    batches = [np.array(rows[:2]), np.array(rows[2:])]
    with pytest.raises(InvalidInputError, match=f"ended with {have} of 4 rows"):
        _stored_offsets(batches, _Sized(4))  # type: ignore[arg-type]
