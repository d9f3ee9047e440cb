"""Read user-item interactions (ratings, clicks, plays) into two sets of items and one table.

A table (CSV/TSV/JSONL/Parquet) with a user column, an item column and optionally a rating and
a timestamp becomes: the items (ids in order of first appearance, or the rows of an `--items`
file with its payload), the users (ids in order of first appearance) and the interactions as
row numbers into both.

Duplicated (user, item) pairs are merged by one rule, counted in the report:
- with a rating column, the last rating wins: the latest by timestamp when there is one, else
  the one further down the file (a rating is a judgement a person revises);
- without one, each row counts one and the counts are summed (implicit feedback: plays, clicks).

Every bad row is named by its file and 1-based line: missing columns, an empty user or item, a
rating or timestamp that is not a number, an item the `--items` file does not have, no rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.io.items import ROW_NUMBER_IDS, PreparedItems, id_text, prepare_items
from embedlab.io.readers import LINE_INDEX, read_source

MAX_LISTED = 5


@dataclass(frozen=True)
class InteractionColumns:
    """Which columns hold the user, the item, the rating (optional) and the time (optional)."""

    user: str = "user"
    item: str = "item"
    rating: str | None = None
    timestamp: str | None = None

    @classmethod
    def parse(cls, spec: str, timestamp: str | None = None) -> InteractionColumns:
        """'user,item' or 'user,item,rating' (the `--interactions` option)."""
        names = [n.strip() for n in spec.split(",")]
        if len(names) not in (2, 3) or not all(names):
            raise InvalidInputError(
                "--interactions expects USER,ITEM or USER,ITEM,RATING column names (e.g. "
                f"--interactions user,item,rating); got {spec!r}."
            )
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InvalidInputError(
                f"--interactions names column '{repeated[0]}' twice ({spec!r}); expected "
                "different columns for the user, the item and the rating."
            )
        if timestamp is not None and timestamp in names:
            raise InvalidInputError(
                f"--timestamp '{timestamp}' is also one of --interactions {spec!r}; expected a "
                "column of its own."
            )
        return cls(names[0], names[1], names[2] if len(names) == 3 else None, timestamp)


@dataclass
class InteractionRows:
    """Interactions as read: user and item names, values, times, and the file line of each."""

    users: np.ndarray  # object array of str
    items: np.ndarray  # object array of str
    ratings: np.ndarray | None  # float64
    timestamps: np.ndarray | None  # float64
    lines: np.ndarray | None  # 1-based lines where the source has lines
    described: str

    def __len__(self) -> int:
        return len(self.users)

    def where(self, position: int) -> str:
        if self.lines is None:
            return f"row {position} of {self.described}"
        return f"line {int(self.lines[position])} of {self.described}"


@dataclass
class InteractionData:
    """Items, users and the merged interactions as row numbers into both."""

    items: PreparedItems
    users: PreparedItems
    user_rows: np.ndarray  # int64
    item_rows: np.ndarray  # int64
    values: np.ndarray  # float32: the rating, or the count of rows for implicit feedback
    timestamps: np.ndarray | None  # float64, the time of the kept (or latest) row
    stats: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pa.Table:
        """The stored interactions: `user_row`, `item_row`, `value` (and `timestamp`)."""
        columns = {
            "user_row": pa.array(self.user_rows, pa.int64()),
            "item_row": pa.array(self.item_rows, pa.int64()),
            "value": pa.array(self.values, pa.float32()),
        }
        if self.timestamps is not None:
            columns["timestamp"] = pa.array(self.timestamps, pa.float64())
        return pa.table(columns)


def _shown(cell: Any) -> str:
    """A cell as a message shows it: 'an empty cell' rather than nan."""
    return "an empty cell" if pd.isna(cell) or str(cell).strip() == "" else repr(cell)


def _numbers(values: pd.Series, rows: InteractionRows, column: str, what: str) -> np.ndarray:
    """A column as float64; the first empty or non-numeric cell is refused with its line."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(numbers)
    if bad.any():
        first = int(np.argmax(bad))
        raise InvalidInputError(
            f"The {what} in column '{column}' at {rows.where(first)} is not a number: got "
            f"{_shown(values.iloc[first])} ({int(bad.sum())} such row(s)). Expected a finite "
            "number."
        )
    return numbers


def interaction_rows(
    frame: pd.DataFrame, columns: InteractionColumns, described: str
) -> InteractionRows:
    """Check the columns of a read frame and take the interactions out of it."""
    names = [str(c) for c in frame.columns]
    wanted = (
        (columns.user, "--interactions"),
        (columns.item, "--interactions"),
        (columns.rating, "--interactions"),
        (columns.timestamp, "--timestamp"),
    )
    for column, option in wanted:
        if column is not None and column not in names:
            raise NotFoundError(
                f"Column '{column}' (given with {option}) is not in {described}. It has "
                f"{len(names)} columns: {', '.join(names)}. {did_you_mean(column, names)}"
            )
    if frame.empty:
        raise InvalidInputError(f"{described} has no interactions: only a header, no rows.")
    lines = frame.index.to_numpy() if frame.index.name == LINE_INDEX else None
    rows = InteractionRows(np.empty(0), np.empty(0), None, None, lines, described)
    ends = []
    for column in (columns.user, columns.item):
        values = frame[column]
        missing = values.isna().to_numpy() | values.astype(str).str.strip().eq("").to_numpy()
        if missing.any():
            raise InvalidInputError(
                f"The {'user' if column == columns.user else 'item'} in column '{column}' is "
                f"empty at {rows.where(int(np.argmax(missing)))} ({int(missing.sum())} row(s) "
                "in all). Every interaction needs a user and an item."
            )
        ends.append(np.asarray([id_text(v) for v in values], dtype=object))
    rows.users, rows.items = ends
    if columns.rating is not None:
        rows.ratings = _numbers(frame[columns.rating], rows, columns.rating, "rating")
    if columns.timestamp is not None:
        rows.timestamps = _timestamps(frame[columns.timestamp], rows, columns.timestamp)
    return rows


def _timestamps(values: pd.Series, rows: InteractionRows, column: str) -> np.ndarray:
    """Numbers (epoch seconds) as they are; otherwise dates/times parsed to epoch seconds."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return _numbers(values, rows, column, "timestamp")
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    is_number, is_date = numbers.notna().to_numpy(), parsed.notna().to_numpy()
    bad = ~is_number & ~is_date
    if bad.any():
        first = int(np.argmax(bad))
        raise InvalidInputError(
            f"The timestamp in column '{column}' at {rows.where(first)} is neither a number nor a "
            f"date: got {_shown(values.iloc[first])} ({int(bad.sum())} such row(s))."
        )
    if (is_number & ~is_date).any():  # epoch numbers beside dates: no one unit for both
        number, date = int(np.argmax(is_number & ~is_date)), int(np.argmax(~is_number))
        raise InvalidInputError(
            f"The timestamps in column '{column}' mix numbers and dates: "
            f"{values.iloc[number]!r} at {rows.where(number)}, {values.iloc[date]!r} at "
            f"{rows.where(date)}. Expected one kind in the whole column: all numbers (epoch "
            "seconds) or all dates."
        )
    return (parsed.astype("int64") / 1e9).to_numpy(dtype=np.float64)


def read_interactions(path: str | Path, columns: InteractionColumns) -> InteractionRows:
    """The interactions of a file (CSV/TSV/JSONL/Parquet, optionally compressed)."""
    path = Path(path).expanduser()
    return interaction_rows(read_source(path), columns, f"'{path}'")


def build_interactions(
    rows: InteractionRows,
    items: pd.DataFrame | None = None,
    items_described: str = "the items file",
    *,
    users: pd.DataFrame | None = None,
    users_label: str | None = None,
    id: str | None = None,
    text: str | None = None,
    label: str | None = None,
) -> InteractionData:
    """Items (from `items` in its order, or first appearance), users (from `users`, or first
    appearance) and the merged interactions; an item `items` lacks is an error with its line."""
    if items is None:
        if any(v is not None for v in (text, label, id)):
            raise InvalidInputError(
                "--text, --label and --id describe the items: give the items file with --items."
            )
        item_table = _first_appearance(rows.items, rows.described)
    else:
        _check_item_ids(items, items_described, id)
        item_table = prepare_items(
            items, items_described, text=text, label=label, id=id, keep_empty_text=True
        )
    if users is None:
        user_table = _first_appearance(rows.users, rows.described)
    else:
        user_table = prepare_items(users, "the users", id="id", label=users_label)
    item_index = pd.Index(item_table.table.column("id").to_pylist())
    user_index = pd.Index(user_table.table.column("id").to_pylist())
    item_rows = item_index.get_indexer(rows.items).astype(np.int64)
    user_rows = user_index.get_indexer(rows.users).astype(np.int64)
    _refuse_unknown(rows, item_rows, rows.items, items_described, "item")
    _refuse_unknown(rows, user_rows, rows.users, "the users", "user")
    merged = merge_interactions(user_rows, item_rows, rows.ratings, rows.timestamps)
    n_users, n_items = len(user_index), len(item_index)
    seen_items = np.zeros(n_items, dtype=bool)
    seen_items[merged.item_rows] = True
    merged.stats.update(
        {
            "n_rows": len(rows),
            "n_users": n_users,
            "n_items": n_items,
            "items_without_interactions": int(n_items - seen_items.sum()),
            "density": round(len(merged.values) / max(n_users * n_items, 1), 6),
        }
    )
    return InteractionData(
        item_table,
        user_table,
        merged.user_rows,
        merged.item_rows,
        merged.values,
        merged.timestamps,
        merged.stats,
    )


def _check_item_ids(items: pd.DataFrame, described: str, id: str | None) -> None:
    """An items file needs the ids the interactions name: every interaction was reported as
    naming an item 'not in' the file when its ids were row numbers or no column was given."""
    if id == ROW_NUMBER_IDS:
        raise InvalidInputError(
            f"--id {ROW_NUMBER_IDS} numbers the rows of {described}, but the interactions name "
            "items by id: pass --id COLUMN, the column of the item ids they use."
        )
    if id is None and "id" not in items.columns:
        raise InvalidInputError(
            f"{described} has no 'id' column: pass --id COLUMN, the column of the item ids the "
            f"interactions use. Its columns: {', '.join(map(str, items.columns))}."
        )


def _first_appearance(names: np.ndarray, described: str) -> PreparedItems:
    frame = pd.DataFrame({"id": np.asarray(pd.unique(names), dtype=object)})
    return prepare_items(frame, described, id="id")


def _refuse_unknown(
    rows: InteractionRows, found: np.ndarray, names: np.ndarray, described: str, what: str
) -> None:
    unknown = found < 0
    if not unknown.any():
        return
    first = int(np.argmax(unknown))
    missing = pd.unique(names[unknown])
    shown = ", ".join(f"'{m}'" for m in missing[:MAX_LISTED])
    more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
    raise InvalidInputError(
        f"The interaction at {rows.where(first)} names {what} '{names[first]}', which is not in "
        f"{described}; {len(missing)} {what}(s) are missing ({int(unknown.sum())} row(s)): "
        f"{shown}{more}. Add them to {described} or drop those interactions."
    )


@dataclass
class MergedInteractions:
    user_rows: np.ndarray
    item_rows: np.ndarray
    values: np.ndarray
    timestamps: np.ndarray | None
    stats: dict[str, Any]


def merge_interactions(
    user_rows: np.ndarray,
    item_rows: np.ndarray,
    ratings: np.ndarray | None,
    timestamps: np.ndarray | None,
) -> MergedInteractions:
    """One interaction per (user, item), sorted by user then item. Ratings: the last wins (by
    timestamp, then file order); no ratings: rows are counted. The time kept is the kept row's
    (ratings) or the latest (counts)."""
    n = len(user_rows)
    order_time = timestamps if timestamps is not None else np.zeros(n)
    # sort by pair, then time, then file position: the last row of each pair is the latest
    order = np.lexsort((np.arange(n), order_time, item_rows, user_rows))
    u, i = user_rows[order], item_rows[order]
    last = np.ones(n, dtype=bool)
    last[:-1] = (u[1:] != u[:-1]) | (i[1:] != i[:-1])
    kept = order[last]
    if ratings is not None:
        values = ratings[kept]
        rule = "last rating wins (latest timestamp, then file order)"
    else:
        first = np.flatnonzero(np.concatenate([[True], last[:-1]]))
        values = np.diff(np.append(first, n)).astype(np.float64)
        rule = "rows counted (implicit feedback): duplicates summed"
    stats = {
        "n_interactions": int(last.sum()),
        "duplicate_pairs": int(n - last.sum()),
        "duplicate_rule": rule,
        "rating": ratings is not None,
        "timestamp": timestamps is not None,
    }
    return MergedInteractions(
        user_rows[kept].astype(np.int64),
        item_rows[kept].astype(np.int64),
        values.astype(np.float32),
        None if timestamps is None else timestamps[kept],
        stats,
    )
