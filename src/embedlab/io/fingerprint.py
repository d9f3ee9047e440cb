"""What a source holds, as one short string: ingesting a source whose fingerprint (and options)
a dataset already has keeps that dataset and everything computed from it, instead of writing
an identical copy and dropping its spaces."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

READ_BYTES = 1 << 20


def source_fingerprint(source: str) -> str | None:
    """sha256 of a file's bytes, or of a folder's listing (each file's relative path, size and
    modification time: an edited image changes it); None for anything else."""
    path = Path(source).expanduser()
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as handle:
            return "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()
    if path.is_dir():
        for folder, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                stat = (Path(folder) / name).stat()
                where = os.path.relpath(Path(folder) / name, path)
                digest.update(f"{where}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return "listing-sha256:" + digest.hexdigest()
    return None
