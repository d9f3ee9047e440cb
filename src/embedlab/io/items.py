"""Turn a raw frame, or a stream of frames, into dataset items: a unique string `id`, payload
columns, optional label.

Rows whose text is empty or whitespace are skipped and counted (the rest go on); duplicate or
missing ids and unknown columns are errors that name the rows and columns involved. Rows are
named by their 1-based file line when the frame comes from a line-oriented file (its index is
then `readers.LINE_INDEX`), else by their 0-based position.

A file larger than memory is read twice in batches (`ItemsBuilder`): a first pass profiles every
batch (columns, ids as 64-bit hashes, empty texts, which columns hold only numbers, each
column's Arrow type) and raises every error before anything is written; a second pass turns each
batch into Arrow with the types decided for the whole file. `prepare_items` is the same builder
over one frame, so a file gives the same table whether it is read whole or in batches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.io.id_hashes import IdHashes
from embedlab.io.readers import LINE_INDEX

MAX_LISTED = 5
#: `--id @row` numbers the rows even when the file has an 'id' column (kept as 'id_original').
ROW_NUMBER_IDS = "@row"
MAX_SKIPPED_LISTED = 20
NA_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-"}
#: a column whose batches disagree on their Arrow type is stored as text (see `_merge_types`)
AS_TEXT = pa.large_string()


@dataclass
class PreparedItems:
    """The items table and what happened on the way."""

    table: pa.Table
    text_column: str | None
    label_column: str | None
    skipped_empty_text: int = 0
    skipped_rows: list[int] = field(default_factory=list)
    #: the file lines of the skipped rows, where the source has lines
    skipped_lines: list[int] | None = None
    renamed_columns: dict[str, str] = field(default_factory=dict)
    image_column: str | None = None
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    #: the stored column the ids came from (None: the rows were numbered)
    id_column: str | None = None

    @property
    def n_items(self) -> int:
        return self.table.num_rows

    def meta(self, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "n_items": self.n_items,
            "text_column": self.text_column,
            "label_column": self.label_column,
            "skipped_empty_text": self.skipped_empty_text,
            "skipped_rows": self.skipped_rows,
            "skipped_lines": self.skipped_lines,
            "renamed_columns": self.renamed_columns,
            "image_column": self.image_column,
            "modality": "image" if self.image_column else "text" if self.text_column else "table",
            "skipped_files": [list(f) for f in self.skipped_files[:1000]],
            "n_skipped_files": len(self.skipped_files),
            "id_column": self.id_column,
        }


@dataclass
class StreamedItems(PreparedItems):
    """Items checked in full but not held: `batches()` reads the source again, batch by batch,
    as Arrow record batches of `schema` (`table` is empty)."""

    n_rows: int = 0
    schema: pa.Schema | None = None
    batches: Callable[[], Iterator[pa.RecordBatch]] | None = None

    @property
    def n_items(self) -> int:
        return self.n_rows


def _require_column(columns: list[str], column: str, option: str, source: str) -> None:
    if column not in columns:
        raise NotFoundError(
            f"Column '{column}' (given with {option}) is not in {source}. It has "
            f"{len(columns)} columns: {', '.join(columns)}. {did_you_mean(column, columns)}"
        )


def _listed(values: list[Any], total: int | None = None) -> str:
    total = len(values) if total is None else total
    shown = ", ".join(str(v) for v in values[:MAX_LISTED])
    return shown + (f" and {total - MAX_LISTED} more" if total > MAX_LISTED else "")


def _where(rows: list[tuple[int, int | None]], has_lines: bool, total: int | None = None) -> str:
    """'lines 3, 7' (file lines) where the source has lines, else 'rows 1, 5' (0-based); `rows`
    are (position, line) pairs."""
    if not has_lines:
        return f"rows {_listed([p for p, _ in rows], total)}"
    return f"lines {_listed([line for _, line in rows], total)}"


def id_text(value: Any) -> str:
    """An id as it is stored: 3.0 from a numeric column is '3', and the spaces around it go
    ('doc1 ' from a hand-edited CSV is 'doc1', so `--id doc1` finds it and a second 'doc1' is
    a repeat). Items, graph nodes, users and rated items all go through here."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def id_lookups(item: str) -> tuple[str, ...]:
    """The ids to try for a looked-up id: as given, then stripped as `id_text` stores ids (so
    ' 007 ' finds item '007' in every lookup, not in some)."""
    return tuple(dict.fromkeys((item, item.strip())))


def ids_like(item: str, ids: list[str] | pd.Index | np.ndarray, n: int = 3) -> list[str]:
    """Up to `n` ids that differ from a missing `item` only in case, surrounding spaces or the
    writing of one number ('1' for '001', '7.0' for '7'): the hint when a lookup fails. One
    regular-expression scan of the ids joined by lines (a pandas pass per id took 2 s at 1M)."""
    wanted = str(item).strip()
    patterns = [re.escape(wanted)] if wanted else []
    number = _number_pattern(wanted)
    if number:
        patterns.append(number)
    if not patterns:
        return []
    found = re.findall(
        rf"^[ \t]*(?:{'|'.join(patterns)})[ \t]*$",
        "\n".join(str(v) for v in ids),
        flags=re.MULTILINE | re.IGNORECASE,
    )
    return list(dict.fromkeys(f.strip() for f in found))[:n]


def _number_pattern(text: str) -> str | None:
    """A pattern for every writing of the number `text` ('7' -> 007, 7.0, +7), or None."""
    match = re.fullmatch(r"([+-]?)(\d*)(?:\.(\d*))?", text)
    if not match or not (match.group(2) or match.group(3)):
        return None
    sign = "-" if match.group(1) == "-" else r"\+?"
    whole, fraction = match.group(2).lstrip("0"), (match.group(3) or "").rstrip("0")
    tail = rf"\.{fraction}0*" if fraction else r"(?:\.0*)?"
    return rf"(?=[-+]?\.?\d){sign}0*{whole}{tail}"  # a digit, so '.' is no zero


def similar_ids(item: str, ids: list[str] | pd.Index) -> str:
    """' Did you mean '001'?' when `ids_like` finds some, else ''."""
    close = ids_like(item, ids)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _id_strings(raw: pd.Series) -> pd.Series:
    return raw.map(id_text)


def _safe_column_names(columns: list[str]) -> dict[str, str]:
    """Lance forbids '.' in column names: 'a.b' becomes 'a_b'. Returns {old: new}."""
    renamed = {c: c.replace(".", "_") for c in columns if "." in c}
    taken = set(columns)
    for old, new in renamed.items():
        while new in taken:
            new += "_"
        renamed[old] = new
        taken.add(new)
    return renamed


def _to_arrow_array(series: pd.Series) -> pa.Array:
    """One column, or its values as strings where its types are mixed."""
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _as_text(series)


def _as_text(series: pd.Series) -> pa.Array:
    return pa.array(series.map(lambda v: None if _missing(v) else cell_text(v))).cast(AS_TEXT)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, list | dict) and bool(pd.isna(value)))


def cell_text(value: Any) -> str:
    """A cell as text: a JSON object or list as JSON (`{"a": 1}`, not Python's `{'a': 1}`)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _merge_types(old: pa.DataType | None, new: pa.DataType) -> pa.DataType:
    """The type that holds both: one of them when the other is null, float for int and float,
    text for anything else (as one column of mixed values read whole becomes text)."""
    if old is None or old == new or pa.types.is_null(new):
        return new if old is None else old
    if pa.types.is_null(old):
        return new
    numbers = (pa.types.is_integer, pa.types.is_floating)
    if any(f(old) for f in numbers) and any(f(new) for f in numbers):
        return pa.float64()
    return AS_TEXT


@dataclass
class _ColumnProfile:
    """What the first pass learns of one column: whether all its cells are numbers (or NA
    tokens), whether they are all integers, and its Arrow type as read."""

    numeric: bool = True
    any_number: bool = False
    integers: bool = True
    arrow_type: pa.DataType | None = None

    def update(self, values: pd.Series, kept: pd.Series | None) -> None:
        self.arrow_type = _merge_types(
            self.arrow_type, _to_arrow_array(values if kept is None else values[kept]).type
        )
        if values.isna().any():  # read whole, the column has missing values: floats
            self.integers = False
        if not self.numeric or values.isna().all():
            return
        if not isinstance(values.dtype, pd.StringDtype) and (
            not pd.api.types.is_string_dtype(values)
            or not values.map(lambda v: isinstance(v, str) or v is None or v != v).all()
        ):
            self.numeric = False
            return
        missing = values.isna() | values.astype(str).str.strip().str.lower().isin(NA_TOKENS)
        converted = pd.to_numeric(values.where(~missing), errors="coerce")
        self.numeric = bool((converted.notna() | missing).all())
        self.any_number |= bool(converted.notna().any())
        self.integers &= converted.dtype.kind in "iu"


class ItemsBuilder:
    """Two passes over the frames of one source: `profile` every frame (in order), `finish`
    (raises every error), then `transform` every frame (same order) into Arrow."""

    def __init__(
        self,
        source: str,
        *,
        text: str | None = None,
        label: str | None = None,
        id: str | None = None,
        keep_empty_text: bool = False,
    ) -> None:
        self.source = source
        self.keep_empty_text = keep_empty_text
        self.numbered = id == ROW_NUMBER_IDS
        self.given = {"text": text, "label": label, "id": None if self.numbered else id}
        # raw (file) names: the columns the defaults would pick
        self.raw_text = text if text is not None else "text"
        self.raw_id = None if self.numbered else (id if id is not None else "id")
        #: never turned into numbers, so not worth profiling as numbers
        self.raw_kept = {self.raw_text, label if label is not None else "label", self.raw_id}
        self.columns: list[str] = []
        self.profiles: dict[str, _ColumnProfile] = {}
        self.n_rows = 0
        self.has_lines = True
        self.id_hashes = IdHashes()
        self.missing_ids: list[tuple[int, int | None]] = []
        self.n_missing_ids = 0
        self.skipped: list[tuple[int, int | None]] = []
        self.n_skipped = 0
        self.text: str | None = None
        self.label: str | None = None
        self.id: str | None = None
        self.renamed: dict[str, str] = {}
        self.numbers: set[str] = set()
        self.schema: pa.Schema | None = None

    # -- first pass ---------------------------------------------------------------------------
    def profile(self, frame: pd.DataFrame) -> None:
        """Learn one frame's columns, ids, empty texts and types."""
        lines = self._lines(frame)
        self.has_lines &= lines is not None
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        self.columns += [c for c in frame.columns if c not in self.profiles]
        start = self.n_rows
        self.n_rows += len(frame)
        if self.raw_id is not None and self.raw_id in frame.columns:
            self._profile_ids(frame[self.raw_id], start, lines)
        kept = None
        if self.raw_text in frame.columns and not self.keep_empty_text:
            kept = ~self._empty(frame[self.raw_text])
            for position in np.flatnonzero(~kept.to_numpy()):
                if len(self.skipped) < MAX_SKIPPED_LISTED:
                    self.skipped.append(_position(int(position), start, lines))
                self.n_skipped += 1
        for column in frame.columns:
            profile = self.profiles.setdefault(column, _ColumnProfile(column not in self.raw_kept))
            if column != self.raw_text:
                profile.update(frame[column], kept)

    def _profile_ids(self, raw: pd.Series, start: int, lines: list[int] | None) -> None:
        missing = (raw.isna() | raw.astype(str).str.strip().eq("")).to_numpy()
        for position in np.flatnonzero(missing):
            if len(self.missing_ids) < MAX_LISTED:
                self.missing_ids.append(_position(int(position), start, lines))
            self.n_missing_ids += 1
        hashes = pd.util.hash_pandas_object(_id_strings(raw), index=False).to_numpy()
        self.id_hashes.add(hashes)

    @staticmethod
    def _lines(frame: pd.DataFrame) -> list[int] | None:
        return frame.index.tolist() if frame.index.name == LINE_INDEX else None

    @staticmethod
    def _empty(values: pd.Series) -> pd.Series:
        return values.isna() | values.astype(str).str.strip().eq("")

    # -- decisions ----------------------------------------------------------------------------
    def finish(self, frames: Callable[[], Iterable[pd.DataFrame]] | None = None) -> None:
        """Decide the columns, names and types and raise every error the profile found;
        `frames` reads the source again, needed only to name repeated ids."""
        self.renamed = _safe_column_names(self.columns)
        names = [self.renamed.get(c, c) for c in self.columns]
        for option in ("text", "label", "id"):
            column = self.given[option]
            if column is not None:
                _require_column(names, self.renamed.get(column, column), f"--{option}", self.source)
        text, label, id = (self.renamed.get(c, c) if c else c for c in self.given.values())
        self.text = text if text is not None else ("text" if "text" in names else None)
        self.label = label if label is not None else ("label" if "label" in names else None)
        if id is None and not self.numbered and "id" in names:
            id = "id"
        self.id = id
        if id is not None:
            try:
                self._check_ids(frames)
            finally:
                self.id_hashes.close()  # spilled files go whether or not an id repeats
        no_rows = (
            f" It has a header (columns {', '.join(self.columns)}) but no data rows."
            if self.n_rows == 0
            else ""
        )
        if self.text is not None and not self.keep_empty_text and self.n_skipped == self.n_rows:
            raise InvalidInputError(
                f"{self.source}: every text in column '{self.text}' is empty or whitespace; "
                f"nothing to embed.{no_rows}"
            )
        if no_rows:
            raise InvalidInputError(f"{self.source} has no items to read.{no_rows}")
        if self.n_rows == self.n_skipped:
            raise InvalidInputError(f"{self.source} has no rows.")
        keep = {"id", self.text, id, self.label}
        self.numbers = {
            c
            for c, p in self.profiles.items()
            if p.numeric and p.any_number and self._stored_name(c) not in keep
        }
        self.schema = self._schema()

    def _check_ids(self, frames: Callable[[], Iterable[pd.DataFrame]] | None) -> None:
        if self.n_missing_ids:
            raise InvalidInputError(
                f"{self.source}: the id column '{self.id}' is empty in {self.n_missing_ids} "
                f"row(s): {_where(self.missing_ids, self.has_lines, self.n_missing_ids)}. Every "
                f"item needs an id; fill them, or pass --id {ROW_NUMBER_IDS} to number the rows "
                "instead."
            )
        repeated = self.id_hashes.repeated()
        if not repeated.size:
            return
        groups = self._repeated_ids(repeated, frames)
        if groups:
            described = [f"'{key}' ({_where(rows, self.has_lines)})" for key, rows in groups]
            raise InvalidInputError(
                f"{self.source}: ids in column '{self.id}' must be unique, but {len(groups)} "
                f"id(s) repeat: {_listed(described)}. Remove the duplicates, or pass "
                f"--id {ROW_NUMBER_IDS} to number the rows instead."
            )

    def _repeated_ids(
        self, repeated: np.ndarray, frames: Callable[[], Iterable[pd.DataFrame]] | None
    ) -> list[tuple[str, list[tuple[int, int | None]]]]:
        """The ids whose hashes repeat (a hash collision of two ids is not a repeat), sorted,
        with where they are."""
        if frames is None:
            raise RuntimeError("ItemsBuilder.finish needs the frames to name repeated ids")
        found: dict[str, list[tuple[int, int | None]]] = {}
        start = 0
        assert self.raw_id is not None
        for frame in frames():
            lines = self._lines(frame)
            raw = frame[self.raw_id].reset_index(drop=True) if self.raw_id in frame else None
            if raw is not None:
                ids = _id_strings(raw)
                hashes = pd.util.hash_pandas_object(ids, index=False).to_numpy()
                for position in np.flatnonzero(np.isin(hashes, repeated)):
                    where = _position(int(position), start, lines)
                    found.setdefault(ids.iloc[position], []).append(where)
            start += len(frame)
        return sorted((k, rows) for k, rows in found.items() if len(rows) > 1)

    def _schema(self) -> pa.Schema:
        # numbered ids are plain strings, ids from a column pandas text (as when read whole)
        fields = [pa.field("id", pa.string() if self.id is None else AS_TEXT)]
        for raw in self.columns:
            name = self.renamed.get(raw, raw)
            if name == "id" and self.id == "id":
                continue
            stored = self._stored_name(raw)
            profile = self.profiles[raw]
            if raw in self.numbers:
                kind = pa.int64() if profile.integers else pa.float64()
            elif name == self.text:
                kind = AS_TEXT
            else:
                kind = profile.arrow_type or pa.null()
            fields.append(pa.field(stored, kind))
        return pa.schema(fields)

    def _stored_name(self, raw: str) -> str:
        """A column's name in the table: Lance-safe, an 'id' that is not the id renamed."""
        name = self.renamed.get(raw, raw)
        return "id_original" if name == "id" and self.id != "id" else name

    # -- second pass --------------------------------------------------------------------------
    def transform(self, frame: pd.DataFrame, start: int) -> pa.Table:
        """One frame as items in Arrow, rows `start`.. of the whole source."""
        assert self.schema is not None, "call finish() first"
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        if list(frame.columns) != self.columns:
            frame = frame.reindex(columns=self.columns)
        for column in self.numbers:
            values = frame[column]
            missing = values.isna() | values.astype(str).str.strip().str.lower().isin(NA_TOKENS)
            frame[column] = pd.to_numeric(values.where(~missing), errors="coerce")
        frame = frame.rename(columns=self.renamed)
        if self.id is None:
            ids = pd.Series([str(start + i) for i in range(len(frame))], dtype=object)
        else:
            ids = _id_strings(frame[self.id])
        payload = frame.drop(columns=["id"]) if self.id == "id" else frame
        if "id" in payload.columns:  # an 'id' column that is not the id: kept under another name
            payload = payload.rename(columns={"id": "id_original"})
        payload.insert(0, "id", ids)
        if self.text is not None and self.keep_empty_text:
            payload[self.text] = payload[self.text].fillna("").map(cell_text)
        elif self.text is not None:
            payload = payload[~self._empty(payload[self.text])]
            payload[self.text] = payload[self.text].map(cell_text)
        arrays = []
        for column in self.schema:
            array = _to_arrow_array(payload[column.name])
            if array.type != column.type:
                as_text = column.type == AS_TEXT and not pa.types.is_string(array.type)
                array = _as_text(payload[column.name]) if as_text else array.cast(column.type)
            arrays.append(array)
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def items(self, table: pa.Table) -> PreparedItems:
        """The report of a source read whole, its table being `table`."""
        return PreparedItems(table=table, **self._report())

    def streamed(self, batches: Callable[[], Iterator[pa.RecordBatch]]) -> StreamedItems:
        return StreamedItems(
            table=pa.table({}),
            n_rows=self.n_rows - self.n_skipped,
            schema=self.schema,
            batches=batches,
            **self._report(),
        )

    def _report(self) -> dict[str, Any]:
        renamed = dict(self.renamed)
        if self.id != "id" and "id" in [renamed.get(c, c) for c in self.columns]:
            renamed["id"] = "id_original"
        return {
            "text_column": self.text,
            "label_column": self.label,
            "skipped_empty_text": self.n_skipped,
            "skipped_rows": [p for p, _ in self.skipped],
            "skipped_lines": [int(line) for _, line in self.skipped] if self.has_lines else None,
            "renamed_columns": renamed,
            "id_column": self.id,
        }


def _position(position: int, start: int, lines: list[int] | None) -> tuple[int, int | None]:
    return start + position, None if lines is None else int(lines[position])


def prepare_items(
    frame: pd.DataFrame,
    source: str,
    *,
    text: str | None = None,
    label: str | None = None,
    id: str | None = None,
    keep_empty_text: bool = False,
) -> PreparedItems:
    """Validate columns, assign ids, drop empty texts; `source` names the input in messages.

    With `keep_empty_text` (a graph's nodes: every node is an item, text or not) empty texts
    stay as '' instead of being skipped."""
    builder = ItemsBuilder(source, text=text, label=label, id=id, keep_empty_text=keep_empty_text)
    builder.profile(frame)
    builder.finish(lambda: [frame])
    return builder.items(builder.transform(frame, 0))


def stream_items(
    frames: Callable[[], Iterator[pd.DataFrame]],
    source: str,
    *,
    text: str | None = None,
    label: str | None = None,
    id: str | None = None,
) -> StreamedItems:
    """Items of a source read in frames: every frame is checked now (nothing is held), and
    `batches()` of the result reads the frames again as Arrow record batches."""
    builder = ItemsBuilder(source, text=text, label=label, id=id)
    for frame in frames():
        builder.profile(frame)
    builder.finish(frames)

    def batches() -> Iterator[pa.RecordBatch]:
        start = 0
        for frame in frames():
            table = builder.transform(frame, start)
            start += len(frame)
            yield from table.to_batches()

    return builder.streamed(batches)
