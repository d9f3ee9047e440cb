"""CSV that a spreadsheet opens as data, never as formulas: every text cell starting with =, +,
-, @, a tab or a carriage return gets a leading single quote (OWASP, "CSV Injection"). Every CSV
embedlab writes (exports, selections, tags, corrections) goes through here; numbers written as
numbers stay as they are."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from embedlab.errors import WorkspaceError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value`, with a leading "'" when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(handle: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write `header` and `rows` (sequences of cells) to an open text handle, neutralised."""
    writer = csv.writer(handle)
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV text of `header` and `rows`, neutralised (for a download)."""
    buffer = io.StringIO()
    write_rows(buffer, header, rows)
    return buffer.getvalue()


def write_csv_file(
    path: str | Path, header: Sequence[str], records: Iterable[Mapping[str, Any]]
) -> Path:
    """Write `records` (dicts; keys missing from one are empty cells) as CSV with the columns
    `header`, neutralised; atomically, so a failed write leaves no half file."""
    target = Path(path).expanduser()
    partial = target.with_name(target.name + ".part")
    rows = ([record.get(column) for column in header] for record in records)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", newline="", encoding="utf-8") as handle:
            write_rows(handle, header, rows)
        partial.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):  # e.g. the folder is a file: there is no part file
            partial.unlink(missing_ok=True)
        raise WorkspaceError(f"Cannot write '{target}': {error.strerror or error}.") from None
    return target
