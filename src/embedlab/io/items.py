"""Turn a raw frame into dataset items: a unique string `id`, payload columns, optional label.

Rows whose text is empty or whitespace are skipped and counted (the rest go on); duplicate or
missing ids and unknown columns are errors that name the rows and columns involved. Rows are
named by their 1-based file line when the frame comes from a line-oriented file (its index is
then `readers.LINE_INDEX`), else by their 0-based position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.io.readers import LINE_INDEX

MAX_LISTED = 5
#: `--id @row` numbers the rows even when the file has an 'id' column (kept as 'id_original').
ROW_NUMBER_IDS = "@row"


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

    def meta(self, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "n_items": self.table.num_rows,
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
        }


def _require_column(frame: pd.DataFrame, column: str, option: str, source: str) -> None:
    if column not in frame.columns:
        columns = [str(c) for c in frame.columns]
        raise NotFoundError(
            f"Column '{column}' (given with {option}) is not in {source}. It has "
            f"{len(columns)} columns: {', '.join(columns)}. {did_you_mean(column, columns)}"
        )


def _listed(values: list[Any]) -> str:
    shown = ", ".join(str(v) for v in values[:MAX_LISTED])
    return shown + (f" and {len(values) - MAX_LISTED} more" if len(values) > MAX_LISTED else "")


def _where(positions: list[int], lines: list[int] | None) -> str:
    """'lines 3, 7' (file lines) where the source has lines, else 'rows 1, 5' (0-based)."""
    if lines is None:
        return f"rows {_listed(positions)}"
    return f"lines {_listed([lines[p] for p in positions])}"


def _make_ids(
    frame: pd.DataFrame, id_column: str | None, source: str, lines: list[int] | None
) -> pd.Series:
    if id_column is None:
        return pd.Series([str(i) for i in range(len(frame))], index=frame.index, dtype=object)
    raw = frame[id_column]
    missing = raw.isna() | raw.astype(str).str.strip().eq("")
    if missing.any():
        rows = missing[missing].index.tolist()
        raise InvalidInputError(
            f"{source}: the id column '{id_column}' is empty in {len(rows)} row(s): "
            f"{_where(rows, lines)}. Every item needs an id; fill them, or pass "
            f"--id {ROW_NUMBER_IDS} to number the rows instead."
        )
    ids = raw.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    duplicated = ids[ids.duplicated(keep=False)]
    if not duplicated.empty:
        groups = duplicated.groupby(duplicated).groups
        described = [f"'{key}' ({_where(list(rows), lines)})" for key, rows in groups.items()]
        raise InvalidInputError(
            f"{source}: ids in column '{id_column}' must be unique, but {len(groups)} id(s) "
            f"repeat: {_listed(described)}. Remove the duplicates, or pass "
            f"--id {ROW_NUMBER_IDS} to number the rows instead."
        )
    return ids


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
    lines = frame.index.tolist() if frame.index.name == LINE_INDEX else None
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    renamed = _safe_column_names(list(frame.columns))
    frame = frame.rename(columns=renamed)
    text, label, id = (renamed.get(c, c) if c else c for c in (text, label, id))
    numbered = id == ROW_NUMBER_IDS
    id = None if numbered else id
    for column, option in ((text, "--text"), (label, "--label"), (id, "--id")):
        if column is not None:
            _require_column(frame, column, option, source)
    text = text if text is not None else ("text" if "text" in frame.columns else None)
    label = label if label is not None else ("label" if "label" in frame.columns else None)
    if id is None and not numbered and "id" in frame.columns:
        id = "id"

    ids = _make_ids(frame, id, source, lines)
    payload = frame.drop(columns=["id"]) if id == "id" else frame.copy()
    if "id" in payload.columns:  # an 'id' column that is not the id: keep it under another name
        payload = payload.rename(columns={"id": "id_original"})
        renamed["id"] = "id_original"
    payload.insert(0, "id", ids)
    payload = _numbers_as_numbers(payload, keep_text={"id", text, id, label})

    skipped: list[int] = []
    if text is not None and keep_empty_text:
        payload[text] = payload[text].fillna("").astype(str)
    elif text is not None:
        values = payload[text]
        empty = values.isna() | values.astype(str).str.strip().eq("")
        skipped = empty[empty].index.tolist()
        if len(skipped) == len(payload):
            raise InvalidInputError(
                f"{source}: every text in column '{text}' is empty or whitespace; nothing to embed."
            )
        payload = payload[~empty]
        payload[text] = payload[text].astype(str)
    if payload.empty:
        raise InvalidInputError(f"{source} has no rows.")
    return PreparedItems(
        table=_to_arrow(payload.reset_index(drop=True), source),
        text_column=text,
        label_column=label,
        skipped_empty_text=len(skipped),
        skipped_rows=skipped[:20],
        skipped_lines=None if lines is None else [lines[row] for row in skipped[:20]],
        renamed_columns=renamed,
    )


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


NA_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-"}


def _numbers_as_numbers(frame: pd.DataFrame, keep_text: set[str | None]) -> pd.DataFrame:
    """Text columns (from CSV) whose cells are all numbers or NA tokens ('nan', 'NA', 'null'...)
    become numeric, the tokens NaN. The id, text and label columns stay as written."""
    for column in frame.columns:
        values = frame[column]
        if column in keep_text or not pd.api.types.is_string_dtype(values):
            continue
        if not values.map(lambda v: isinstance(v, str) or v is None or v != v).all():
            continue
        missing = values.isna() | values.astype(str).str.strip().str.lower().isin(NA_TOKENS)
        converted = pd.to_numeric(values.where(~missing), errors="coerce")
        if (converted.notna() | missing).all() and converted.notna().any():
            frame[column] = converted
    return frame


def _to_arrow(frame: pd.DataFrame, source: str) -> pa.Table:
    """Column by column, so one column of mixed types becomes strings instead of failing all."""
    arrays = {}
    for column in frame.columns:
        series = frame[column]
        try:
            arrays[column] = pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[column] = pa.array(series.map(lambda v: None if pd.isna(v) else str(v)))
    return pa.table(arrays)
