"""Read a CSV, TSV, JSON Lines, plain text or Parquet file in frames of at most `batch_rows`
rows, so that a file larger than memory can be ingested.

Each frame has the shape `readers.read_source` gives the whole file: cells of CSV/TSV as text
(empty cells missing), indexed by the 1-based file line each item starts on (index name
`LINE_INDEX`) for line-oriented files. Compressed files are decompressed as a stream. Bytes
that are not UTF-8, CSV records with too few or too many fields and JSON lines that do not parse
are errors naming the file and line. A JSON array (one document, no lines) is read whole.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import itertools
import lzma
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.readers import (
    LINE_INDEX,
    SUPPORTED,
    check_header,
    check_json_line,
    check_record,
    csv_separator,
    read_source,
    recording_lines,
    source_format,
)

DEFAULT_BATCH_ROWS = 100_000
OPENERS: dict[str | None, Callable[..., IO[bytes]]] = {
    None: open,
    ".gz": gzip.open,
    ".bz2": bz2.open,
    ".xz": lzma.open,
}
BOM = b"\xef\xbb\xbf"
BARE_CR = re.compile(r"(?<=\r)(?!\n)")


def check_source(path: str | Path) -> Path:
    """The path of a readable source file, or a clear error."""
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"The source file '{path}' does not exist.")
    if path.is_dir():
        raise InvalidInputError(
            f"'{path}' is a folder; expected a {SUPPORTED} file. (Image folders come with the "
            "images issue.)"
        )
    source_format(path)
    return path


def iter_frames(path: str | Path, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The file's items, `batch_rows` at a time (see the module docstring)."""
    path = check_source(path)
    kind, compression = source_format(path)
    if kind == "parquet":
        yield from _parquet_frames(path, batch_rows)
        return
    lines = _text_lines(path, compression)
    if kind in ("csv", "tsv"):
        header, lines = _peek_header(lines)
        yield from _csv_frames(lines, csv_separator(header, kind), path, batch_rows)
    elif kind == "txt":
        yield from _txt_frames(lines, path, batch_rows)
    else:
        yield from _jsonl_frames(lines, path, batch_rows)


def _peek_header(lines: Iterator[str]) -> tuple[str, Iterator[str]]:
    """The first line that is not blank (the header), and all the lines again."""
    seen: list[str] = []
    for line in lines:
        seen.append(line)
        if line.strip():
            break
    return (seen[-1] if seen else ""), itertools.chain(seen, lines)


def _parquet_frames(path: Path, batch_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        for batch in handle.iter_batches(batch_size=batch_rows):
            yield pa.Table.from_batches([batch]).to_pandas()
    except PermissionError:
        raise InvalidInputError(f"Cannot read '{path}': permission denied.") from None
    except (OSError, ValueError, pa.ArrowException) as error:
        raise InvalidInputError(f"Cannot read '{path}' as parquet: {error}") from None


def _raw_lines(path: Path, compression: str | None) -> Iterator[bytes]:
    try:
        with OPENERS[compression](path, "rb") as handle:
            yield from handle
    except PermissionError:
        raise InvalidInputError(f"Cannot read '{path}': permission denied.") from None
    except (OSError, EOFError, lzma.LZMAError) as error:
        if compression is None:
            raise InvalidInputError(f"Cannot read '{path}': {error}") from None
        raise InvalidInputError(f"Cannot decompress '{path}' ({compression}): {error}") from None


def _text_lines(path: Path, compression: str | None) -> Iterator[str]:
    """Decoded lines with their endings; the first byte that is not UTF-8 is named by line,
    column and byte offset, as `readers.decode_utf8` names it in a file read whole."""
    offset = 0
    for number, raw in enumerate(_raw_lines(path, compression), start=1):
        skip = len(BOM) if number == 1 and raw.startswith(BOM) else 0
        try:
            text = raw[skip:].decode("utf-8")
        except UnicodeDecodeError as error:
            start = error.start + skip
            raise InvalidInputError(
                f"'{path}' is not valid UTF-8: byte {raw[start : start + 1]!r} at line {number}, "
                f"column {start + 1} (byte offset {offset + start}). Expected UTF-8 text; convert "
                "the file first, e.g. `iconv -f latin1 -t utf-8 IN > OUT`."
            ) from None
        offset += len(raw)
        if "\r" in text.rstrip("\r\n") or text.endswith("\r"):  # old Mac line ends: lines too
            yield from (part for part in BARE_CR.split(text) if part)
        else:
            yield text


def _frame(columns: dict[str, list[object]], lines: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {name: np.asarray(values, dtype=object) for name, values in columns.items()}
    )
    frame.index = pd.Index(lines, name=LINE_INDEX)
    return frame


def _header_names(record: list[str]) -> list[str]:
    """Column names as pandas gives them: 'Unnamed: i' for an empty one, 'a.1' for a repeat."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(record):
        name = cell or f"Unnamed: {position}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _csv_frames(
    lines: Iterator[str], sep: str, path: Path, batch_rows: int
) -> Iterator[pd.DataFrame]:
    """Records parsed by the csv module (cells as written; empty cells missing)."""
    consumed: list[str] = []
    reader = csv.reader(recording_lines(lines, consumed), delimiter=sep)
    header: list[str] | None = None
    header_line = 0
    records: list[list[str]] = []
    starts: list[int] = []
    end_of_last = 0
    yielded = False
    try:
        for record in reader:
            start, end_of_last = end_of_last + 1, reader.line_num
            raw, consumed[:] = consumed[:], []
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if header is None:
                check_header(record, start, f"'{path}'")
                header, header_line = _header_names(record), start
            check_record(record, raw, (header, header_line), start, sep, f"'{path}'")
            if start == header_line:
                continue
            records.append(record)
            starts.append(start)
            if len(records) == batch_rows:
                yield _csv_frame(header, records, starts)
                records, starts, yielded = [], [], True
    except csv.Error as error:
        raise InvalidInputError(
            f"Cannot parse '{path}' at line {reader.line_num}: {error}."
        ) from None
    if header is None:
        raise InvalidInputError(f"'{path}' is empty: no items to read.")
    if records or not yielded:  # a header alone is a frame with no rows
        yield _csv_frame(header, records, starts)


def _csv_frame(header: list[str], records: list[list[str]], starts: list[int]) -> pd.DataFrame:
    cells = list(zip(*records, strict=True)) if records else [() for _ in header]
    columns = {
        name: [value if value != "" else None for value in column]
        for name, column in zip(header, cells, strict=True)
    }
    return _frame(columns, starts)


def _txt_frames(lines: Iterator[str], path: Path, batch_rows: int) -> Iterator[pd.DataFrame]:
    """One item per line (lines as `str.splitlines` cuts them), numbered from 1."""
    texts: list[str] = []
    number = 0
    filled = False
    for line in lines:
        for part in line.splitlines() or [""]:
            number += 1
            filled |= bool(part.strip())
            texts.append(part)
            if len(texts) == batch_rows:
                yield _frame({"text": texts}, list(range(number - len(texts) + 1, number + 1)))
                texts = []
    if not filled:
        raise InvalidInputError(f"'{path}' is empty: no items to read.")
    if texts:
        yield _frame({"text": texts}, list(range(number - len(texts) + 1, number + 1)))


def _jsonl_frames(lines: Iterator[str], path: Path, batch_rows: int) -> Iterator[pd.DataFrame]:
    """JSON objects, one a line; blank lines are skipped. A file that is one JSON array is read
    whole (it has no lines to cut it at)."""
    chunk: list[str] = []
    numbers: list[int] = []
    seen = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not seen and line.lstrip().startswith("["):
            yield read_source(path)
            return
        seen = True
        chunk.append(line)
        numbers.append(number)
        if len(chunk) == batch_rows:
            yield _json_frame(chunk, numbers, path)
            chunk, numbers = [], []
    if not seen:
        raise InvalidInputError(f"'{path}' is empty: no items to read.")
    if chunk:
        yield _json_frame(chunk, numbers, path)


def _json_frame(chunk: list[str], numbers: list[int], path: Path) -> pd.DataFrame:
    for line, number in zip(chunk, numbers, strict=True):
        if not line.lstrip().startswith("{"):  # not an object: say what the line holds
            check_json_line(line, number, path)
    try:
        frame = pd.read_json(io.StringIO("".join(chunk)), lines=True, orient="records", dtype=False)
    except (ValueError, TypeError) as error:
        for line, number in zip(chunk, numbers, strict=True):
            check_json_line(line, number, path)
        raise InvalidInputError(f"Cannot parse '{path}' as JSONL: {error}") from None
    if len(frame) != len(numbers):
        raise InvalidInputError(
            f"Cannot parse '{path}' as JSONL: {len(numbers)} lines gave {len(frame)} records."
        )
    frame.index = pd.Index(numbers, name=LINE_INDEX)
    return frame
