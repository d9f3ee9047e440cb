"""one_blas_thread: one cap for blocks that overlap, lifted by the last to leave."""

from __future__ import annotations

import numpy as np  # noqa: F401  (its BLAS loaded before the cap)
from threadpoolctl import threadpool_info

from embedlab.analysis.blas import one_blas_thread


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_overlapping_blocks_restore_the_threads_the_first_one_found() -> None:
    before = blas_threads()
    first, second = one_blas_thread(), one_blas_thread()
    first.__enter__()
    second.__enter__()
    assert set(blas_threads()) == {1}
    first.__exit__(None, None, None)  # the first leaves while the second still runs
    assert set(blas_threads()) == {1}
    second.__exit__(None, None, None)
    assert blas_threads() == before


def test_a_disabled_block_changes_nothing() -> None:
    before = blas_threads()
    with one_blas_thread(enabled=False):
        assert blas_threads() == before
