"""Files written whole or not at all: write to a '.part' beside the target, then rename it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from embedlab.errors import WorkspaceError


@contextlib.contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """Yield the '.part' path to write; it becomes `target` when the block succeeds and is
    removed when it fails. A file-system error becomes a WorkspaceError naming `target`."""
    path = Path(target).expanduser()
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield partial
        partial.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):  # e.g. the folder is a file: there is no part file
            partial.unlink(missing_ok=True)
        raise WorkspaceError(f"Cannot write '{path}': {error.strerror or error}.") from None
