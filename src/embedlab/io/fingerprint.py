"""What a source holds, as one short string: ingesting a source whose fingerprint (and options)
a dataset already has keeps that dataset and everything computed from it, instead of writing
an identical copy and dropping its spaces."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from embedlab import __version__

#: bumped when a reader starts to read the same bytes into other rows: a dataset read by the
#: older reader is then read again, not kept
READER_FORMAT = 1


def source_fingerprint(source: str) -> str | None:
    """sha256 of a file's bytes, or of a folder's listing (each file's relative path, size,
    modification and inode-change times and inode: an edited image changes it, even one whose
    mtime a copy kept), with the reader format and embedlab's version; None for anything
    else. A file that cannot be read (a broken link, one deleted meanwhile) is listed as
    such: the image reader skips it."""
    digest = _digest(source)
    return None if digest is None else _versioned(digest)


def sandbox_fingerprint(source: str) -> str:
    """A sandbox dataset is fixed for a version of embedlab: its name and that version."""
    return _versioned(source)


def _versioned(digest: str) -> str:
    return f"{digest}|reader{READER_FORMAT}|embedlab{__version__}"


def _digest(source: str) -> str | None:
    path = Path(source).expanduser()
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as handle:
            return "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()
    if path.is_dir():
        for folder, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                where = os.path.relpath(Path(folder) / name, path)
                try:
                    stat = (Path(folder) / name).stat()
                    seen = f"{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\0{stat.st_ino}"
                except OSError:
                    seen = "unreadable"
                digest.update(f"{where}\0{seen}\n".encode())
        return "listing-sha256:" + digest.hexdigest()
    return None
