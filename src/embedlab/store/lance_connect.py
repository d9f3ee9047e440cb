"""LanceDB connections that share one session with a bounded metadata cache.

LanceDB caches the manifest of every table version it opens, and each commit of a growing
table makes a new version whose manifest lists every fragment so far: with the default cache
(large), embedding 10M x 384 in 1,220 committed batches grew the process by ~700 MB, and 1,200
commits of a tiny table by 307 MB. Bounded, the same 1,200 commits stay within 44 MB (and run
2x faster); reads keep the current versions' metadata, which is far smaller.
"""

from __future__ import annotations

import threading
from typing import Any

from embedlab.store.lancedb_import import import_lancedb

METADATA_CACHE_BYTES = 64 * 2**20
_SESSION: Any = None
_LOCK = threading.Lock()


def lance_session() -> Any:
    """The process's LanceDB session (created on first use)."""
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            lancedb = import_lancedb()
            _SESSION = lancedb.Session(metadata_cache_size_bytes=METADATA_CACHE_BYTES)
        return _SESSION


def connect(uri: str) -> Any:
    """A LanceDB connection to `uri` through the shared session."""
    return import_lancedb().connect(uri, session=lance_session())
