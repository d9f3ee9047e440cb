"""The 64-bit hashes of a file's ids, kept for the uniqueness check of a streaming ingest.

Up to `SPILL_ROWS` hashes stay in memory; beyond, they go to bucket files by their top bits, so
that finding the repeated ones sorts one bucket (1/64 of the hashes) at a time: memory stays
flat as the file grows (held whole, 10M ids cost 80 MB and 240 MB while sorted).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np

SPILL_ROWS = 1 << 20
BUCKET_BITS = 6


class IdHashes:
    """Collects hashes batch by batch; `repeated()` returns the hashes seen more than once."""

    def __init__(self, spill_rows: int | None = None) -> None:
        self.spill_rows = SPILL_ROWS if spill_rows is None else spill_rows
        self._held: list[np.ndarray] = []
        self._n_held = 0
        self._folder: Path | None = None

    def add(self, hashes: np.ndarray) -> None:
        self._held.append(np.asarray(hashes, dtype=np.uint64))
        self._n_held += len(hashes)
        if self._n_held > self.spill_rows:
            self._spill()

    def repeated(self) -> np.ndarray:
        """The sorted distinct hashes that occur more than once; spilled files are removed."""
        if self._folder is None:
            return _repeats(np.concatenate(self._held) if self._held else np.empty(0, np.uint64))
        self._spill()
        try:
            found = [
                _repeats(np.fromfile(path, dtype=np.uint64))
                for path in sorted(self._folder.iterdir())
            ]
        finally:
            self.close()
        return np.sort(np.concatenate(found)) if found else np.empty(0, np.uint64)

    def close(self) -> None:
        """Remove the spilled files (also done when the object is collected)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _spill(self) -> None:
        if not self._held:
            return
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="embedlab-ids-"))
            weakref.finalize(self, shutil.rmtree, self._folder, True)
        hashes = np.concatenate(self._held)
        self._held, self._n_held = [], 0
        buckets = (hashes >> np.uint64(64 - BUCKET_BITS)).astype(np.intp)
        order = np.argsort(buckets, kind="stable")
        bounds = np.searchsorted(buckets[order], np.arange((1 << BUCKET_BITS) + 1))
        for bucket in range(1 << BUCKET_BITS):
            part = hashes[order[bounds[bucket] : bounds[bucket + 1]]]
            if part.size:
                with (self._folder / f"{bucket:02d}.u64").open("ab") as out:
                    out.write(part.tobytes())


def _repeats(hashes: np.ndarray) -> np.ndarray:
    hashes = np.sort(hashes)
    return np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
