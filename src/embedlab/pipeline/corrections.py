"""The correction loop: label corrections read from a file (the quality export, edited, or any
id + label table) go to the append-only annotation log; the next quality run audits the
corrected labels and says which of the earlier run's issues are resolved and which remain."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from embedlab.errors import InvalidInputError
from embedlab.io.csv_safe import FORMULA_STARTS
from embedlab.io.items import id_text
from embedlab.io.readers import read_source
from embedlab.pipeline.annotate import correct_labels, label_corrections
from embedlab.pipeline.fields import corrected_labels
from embedlab.store.catalog import Entry
from embedlab.store.handles import Dataset
from embedlab.store.workspace import Workspace, read_columns

#: columns that may hold the corrected label, in the order they are looked for
LABEL_COLUMNS = ("corrected", "label", "suggestion")


@dataclass
class CorrectionsRead:
    """What a corrections file gave: item id -> label, and the rows left out (and why)."""

    corrections: dict[str, str]
    skipped: dict[str, int]
    #: corrected labels that no item had before: new classes, or typos of existing ones
    new_labels: list[str] = field(default_factory=list)


def _unneutralise(value: str) -> str:
    """Undo the quote embedlab's CSV writer puts before text a spreadsheet would run."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def read_corrections(path: str | Path, column: str | None = None) -> CorrectionsRead:
    """Item id -> corrected label from a CSV/TSV/JSONL/Parquet file with an `id` column and
    a label column (`column`, else the first of corrected, label, suggestion). Rows of a
    quality export that are not label issues, and rows with an empty label, are skipped and
    counted; a repeated id with two different labels is an error naming both lines."""
    if column is not None and not column.strip():  # "" picked the default columns silently
        raise InvalidInputError(
            f"--column is empty; expected the name of the column of '{path}' that holds the "
            f"corrected labels, or no --column for the first of {', '.join(LABEL_COLUMNS)}."
        )
    frame = read_source(path).astype(object)
    if "id" not in frame.columns:
        raise InvalidInputError(
            f"'{path}' has no 'id' column; expected columns id and one of "
            f"{', '.join(LABEL_COLUMNS)}. Got {', '.join(map(str, frame.columns)) or 'none'}."
        )
    found = [c for c in ((column,) if column else LABEL_COLUMNS) if c in frame.columns]
    if not found:
        wanted = f"'{column}'" if column else "one of " + ", ".join(LABEL_COLUMNS)
        raise InvalidInputError(
            f"'{path}' has no label column: expected {wanted}. Got "
            f"{', '.join(map(str, frame.columns))}."
        )
    label_column = found[0]
    skipped = {"not a label issue": 0, "empty label": 0}
    corrections: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for position, row in enumerate(frame.itertuples(index=False)):
        values = dict(zip(frame.columns, row, strict=True))
        line = position + 2  # the header is line 1
        if "issue" in frame.columns and values["issue"] != "label_issue":
            skipped["not a label issue"] += 1
            continue
        item, label = values["id"], values[label_column]
        if pd.isna(item) or str(item).strip() == "":
            raise InvalidInputError(f"'{path}', line {line}: the id is empty.")
        if pd.isna(label) or str(label).strip() == "":
            skipped["empty label"] += 1
            continue
        item, label = _unneutralise(id_text(item)), _unneutralise(str(label).strip())
        if item in corrections and corrections[item] != label:
            raise InvalidInputError(
                f"'{path}': item '{item}' is corrected to '{corrections[item]}' on line "
                f"{first_line[item]} and to '{label}' on line {line}; keep one."
            )
        corrections[item], first_line[item] = label, first_line.get(item, line)
    if not corrections:
        raise InvalidInputError(
            f"'{path}' holds no correction: every row was skipped ({_skips(skipped)})."
        )
    return CorrectionsRead(corrections, {k: v for k, v in skipped.items() if v})


def _skips(skipped: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in skipped.items() if v) or "no rows"


def correct_from_file(
    workspace: Workspace, name: str, path: str | Path, column: str | None = None
) -> CorrectionsRead:
    """Record the corrections of `path` for dataset `name` (all or none: an unknown id
    records nothing)."""
    read = read_corrections(path, column)
    correct_labels(workspace, name, read.corrections)
    dataset = workspace.dataset(name)
    assert dataset.label_column is not None  # correct_labels refuses a dataset without labels
    known = {str(v).strip() for v in dataset.column(dataset.label_column) if v is not None}
    read.new_labels = sorted({str(v).strip() for v in read.corrections.values()} - known)
    return read


def apply_corrections(
    workspace: Workspace, dataset: Dataset, labels: list[Any]
) -> tuple[list[Any], int]:
    """The dataset's labels with every recorded correction applied (the given ones are not
    touched) and how many items a correction changed."""
    if not label_corrections(workspace, dataset.name):
        return labels, 0
    corrected = corrected_labels(workspace, dataset)
    changed = sum(
        1
        for new, old in zip(corrected, labels, strict=True)
        if new != (None if old is None else str(old))
    )
    return corrected, changed


def recheck(
    workspace: Workspace, previous: Entry | None, ids: list[str], flags: dict[str, np.ndarray]
) -> dict[str, dict[str, int]]:
    """Per check, against the previous quality run of the same space: how many of its flagged
    items are no longer flagged (resolved), still flagged (remaining) and newly flagged."""
    if previous is None:
        return {}
    table = read_columns(workspace.open_table(previous))
    before_ids = table.column("id").to_pylist()
    position = {item: row for row, item in enumerate(ids)}
    rows = np.asarray([position.get(item, -1) for item in before_ids])
    known = rows >= 0
    result = {}
    for check, now in flags.items():
        column = f"{check}_flag"
        if column not in table.column_names:
            continue
        before = np.zeros(len(ids), dtype=bool)
        before[rows[known]] = np.asarray(table.column(column).to_pylist(), dtype=bool)[known]
        result[check] = {
            "resolved": int((before & ~now).sum()),
            "remaining": int((before & now).sum()),
            "new": int((~before & now).sum()),
        }
    return result
