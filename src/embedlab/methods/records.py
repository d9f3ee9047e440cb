"""Records: a table of named columns, the input of methods that mix categories and numbers.

A column is numeric when it holds numbers (ints or floats; booleans are categories), else
categorical. Categories are compared as text; a missing cell (None, NaN) is the category
'<missing>', so "not rated" can carry meaning of its own. `Vocabulary` maps a column's values to
rows of an embedding table: row 0 is the shared 'other' row for rare and unseen values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean

MISSING = "<missing>"
OTHER = "<other>"


class Records:
    """Named, equally long columns (numpy arrays); `records[rows]` takes rows of every column."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        lengths = {name: len(values) for name, values in columns.items()}
        if len(set(lengths.values())) > 1:
            raise InvalidInputError(f"Record columns must have one length; got {lengths}.")
        self.columns = columns

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Records:
        """Numeric columns as float64 (missing = NaN), the others as object arrays."""
        columns: dict[str, np.ndarray] = {}
        for name in frame.columns:
            series = frame[name]
            if is_numeric_series(series):
                columns[str(name)] = pd.to_numeric(series).to_numpy(dtype=np.float64)
            else:
                columns[str(name)] = series.to_numpy(dtype=object)
        return cls(columns)

    @classmethod
    def coerce(cls, X: Any) -> Records:
        if isinstance(X, Records):
            return X
        if isinstance(X, pd.DataFrame):
            return cls.from_frame(X)
        raise InvalidInputError(
            f"Record methods take a pandas DataFrame or embedlab Records; got {type(X).__name__}."
        )

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, rows: Any) -> Records:
        return Records({name: values[rows] for name, values in self.columns.items()})

    def column(self, name: str) -> np.ndarray:
        if name not in self.columns:
            raise NotFoundError(
                f"The records have no column '{name}'. " + did_you_mean(name, self.names)
            )
        return self.columns[name]

    def is_numeric(self, name: str) -> bool:
        return self.columns[name].dtype.kind == "f"


def is_numeric_series(series: pd.Series) -> bool:
    """Ints and floats are numbers; booleans and text are categories."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def as_category_text(values: np.ndarray) -> np.ndarray:
    """Values as category strings: None and NaN become '<missing>', 7.0 becomes '7'."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out[i] = MISSING
        elif isinstance(value, float) and value.is_integer():
            out[i] = str(int(value))
        else:
            out[i] = str(value)
    return out


def is_missing(values: np.ndarray) -> np.ndarray:
    """True where a cell is None, NaN or empty text."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    return np.array(
        [v is None or (isinstance(v, float) and np.isnan(v)) or v == "" for v in values],
        dtype=bool,
    )


@dataclass
class Vocabulary:
    """The kept categories of one column; row 0 of its table is '<other>'."""

    values: np.ndarray  # str, values[0] == OTHER

    @classmethod
    def fit(cls, column: str, text: np.ndarray, min_count: int) -> Vocabulary:
        """Categories seen at least `min_count` times (sorted); the rest fall to '<other>'."""
        names, counts = np.unique(text.astype(str), return_counts=True)
        kept = names[counts >= min_count]
        if len(kept) == 0:
            raise InvalidInputError(
                f"Column '{column}' has no category seen at least min_count={min_count} times "
                f"among {len(text):,} training rows ({len(names):,} distinct values, the most "
                f"frequent seen {int(counts.max())} times). Lower min_count, or leave the "
                "column out with --columns."
            )
        return cls(np.concatenate([[OTHER], kept[kept != OTHER]]).astype(str))

    def __len__(self) -> int:
        return len(self.values)

    def codes(self, text: np.ndarray) -> np.ndarray:
        """Row of each value; rare and unseen values get row 0."""
        index = pd.Index(self.values[1:])
        return (index.get_indexer(text.astype(str)) + 1).astype(np.int64)


def embedding_dimension(cardinality: int, max_dim: int = 50) -> int:
    """min(max_dim, (cardinality + 1) // 2), where cardinality counts the '<other>' row."""
    return max(1, min(max_dim, (cardinality + 1) // 2))


def check_not_constant(column: str, text: np.ndarray) -> None:
    """A column with one category in every row cannot tell items apart."""
    distinct = np.unique(text.astype(str))
    if len(distinct) < 2:
        raise InvalidInputError(
            f"Column '{column}' has one category ({str(distinct[0])!r}) in all {len(text):,} "
            "rows: it cannot tell items apart. Leave it out with --columns."
        )


def split_columns(
    records: Records, features: Iterable[str], categorical: Iterable[str]
) -> tuple[list[str], list[str]]:
    """(categorical, numeric) feature columns: numbers are numeric unless named in
    `categorical`."""
    forced = set(categorical)
    cats: list[str] = []
    nums: list[str] = []
    for name in features:
        records.column(name)  # names a missing column
        (nums if records.is_numeric(name) and name not in forced else cats).append(name)
    return cats, nums
