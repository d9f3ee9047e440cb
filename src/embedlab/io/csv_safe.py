"""CSV that a spreadsheet opens as data, never as formulas: every text cell starting with =, +,
-, @, a tab or a carriage return gets a leading single quote (OWASP, "CSV Injection"). Every CSV
embedlab writes (exports, selections, tags, corrections) goes through here; numbers written as
numbers stay as they are."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from embedlab.io.atomic import atomic_file

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
    rows = ([record.get(column) for column in header] for record in records)
    target = Path(path).expanduser()
    with atomic_file(target) as partial, partial.open("w", newline="", encoding="utf-8") as handle:
        write_rows(handle, header, rows)
    return target
