"""One BLAS thread for the small, skinny products of a logistic regression's fit.

Its gradient is an (n x d) by (d x classes) product: too thin for two BLAS threads to gain
anything, and when other processes keep the cores busy, OpenBLAS's threads wait on each
other. Measured here (3,060 and 13,891 MiniLM texts, 5-fold probabilities, load average ~4):
4.95-8.36 s with OpenBLAS's 2 threads against 0.50 s with one; 2.48-6.10 s against 0.75-0.83 s.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_LOCK = threading.Lock()
_HOLDERS = 0
_LIMITER: Any = None


@contextlib.contextmanager
def one_blas_thread(enabled: bool = True) -> Iterator[None]:
    """Within the block, BLAS libraries loaded so far run on one thread (threadpoolctl caps
    only the pools already loaded: enter it after importing scikit-learn's models). The cap
    is process-wide: blocks that overlap (two requests of a server) share one cap, set by the
    first to enter and lifted by the last to leave."""
    if not enabled:
        yield
        return
    from threadpoolctl import threadpool_limits

    global _HOLDERS, _LIMITER
    with _LOCK:
        if _HOLDERS == 0:
            _LIMITER = threadpool_limits(limits=1, user_api="blas")
        _HOLDERS += 1
    try:
        yield
    finally:
        with _LOCK:
            _HOLDERS -= 1
            if _HOLDERS == 0:
                _LIMITER.restore_original_limits()
                _LIMITER = None
