"""One BLAS thread for the small, skinny products of a logistic regression's fit.

Its gradient is an (n x d) by (d x classes) product: too thin for two BLAS threads to gain
anything, and when other processes keep the cores busy, OpenBLAS's threads wait on each
other. Measured here (3,060 and 13,891 MiniLM texts, 5-fold probabilities, load average ~4):
4.95-8.36 s with OpenBLAS's 2 threads against 0.50 s with one; 2.48-6.10 s against 0.75-0.83 s.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Within the block, BLAS libraries loaded so far run on one thread (threadpoolctl caps
    only the pools already loaded: enter it after importing scikit-learn's models)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
