"""Label corrections and named tags: what a person decides while looking at the data.

Both are appended to the workspace's annotation log (nothing overwritten, history kept) and are
tied to the dataset version they were made on, so a re-ingested dataset starts clean (a grown
one keeps them: its old rows are the same items).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from embedlab.errors import EmbedlabError, InvalidInputError, NotFoundError
from embedlab.io.csv_safe import csv_text
from embedlab.store.annotations import Annotation
from embedlab.store.workspace import Dataset, Workspace, validate_name

MAX_LABEL_CHARS = 200


def correct_labels(workspace: Workspace, name: str, corrections: dict[str, str]) -> int:
    """Record `corrections` (item id -> new label) for dataset `name`; returns how many."""
    dataset = workspace.dataset(name)
    if dataset.label_column is None:
        raise InvalidInputError(
            f"Dataset '{name}' has no label column; ingest it with --label COLUMN to correct "
            "labels."
        )
    check_ids(dataset, corrections)
    at = time.time()
    records = []
    for item, label in corrections.items():
        label = str(label).strip()
        if not label or len(label) > MAX_LABEL_CHARS:
            raise InvalidInputError(
                f"The corrected label of item '{item}' must be 1 to {MAX_LABEL_CHARS} "
                f"characters. Got {len(label)} instead."
            )
        records.append(
            Annotation(at, "correction", name, dataset.version, item, dataset.label_column, label)
        )
    workspace.ensure_writable()
    workspace.annotations.append(records)
    return len(records)


def label_corrections(workspace: Workspace, name: str) -> dict[str, str]:
    """The current correction of every corrected item (the latest one wins)."""
    dataset = workspace.dataset(name)
    records = workspace.annotations.records(name, "correction", dataset.versions)
    return {r.id: r.value for r in records}


def corrections_csv(workspace: Workspace, name: str) -> str:
    """Corrections as CSV: id, given label, corrected label (formulas neutralised)."""
    dataset = workspace.dataset(name)
    corrections = label_corrections(workspace, name)
    given = dict(zip(dataset.ids(), dataset.labels() or [], strict=False))
    rows = ([item, given.get(item), label] for item, label in corrections.items())
    return csv_text(["id", "given", "corrected"], rows)


def tag_items(workspace: Workspace, name: str, tag: str, ids: Iterable[str]) -> int:
    """Save the items `ids` under the name `tag` (adds to an existing tag)."""
    try:
        validate_name(tag, "tag")
    except EmbedlabError as error:
        raise InvalidInputError(str(error)) from None
    dataset = workspace.dataset(name)
    items = list(dict.fromkeys(str(i) for i in ids))
    if not items:
        raise InvalidInputError(f"Tag '{tag}' needs at least one item id. Got none.")
    check_ids(dataset, dict.fromkeys(items, ""))
    at = time.time()
    workspace.ensure_writable()
    workspace.annotations.append(
        [Annotation(at, "tag", name, dataset.version, item, "tag", tag) for item in items]
    )
    return len(items)


def tags(workspace: Workspace, name: str) -> dict[str, list[str]]:
    """Every tag of dataset `name` with its item ids, in the order they were tagged."""
    dataset = workspace.dataset(name)
    result: dict[str, dict[str, None]] = {}
    for record in workspace.annotations.records(name, "tag", dataset.versions):
        result.setdefault(record.value, {})[record.id] = None
    return {tag: list(ids) for tag, ids in result.items()}


def ids_csv(ids: Iterable[str]) -> str:
    """Item ids as a one-column CSV (a selection or a tag; formulas neutralised)."""
    return csv_text(["id"], ([item] for item in ids))


def check_ids(dataset: Dataset, items: dict[str, str]) -> None:
    known = set(dataset.ids())
    unknown = [item for item in items if item not in known]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        raise NotFoundError(
            f"{len(unknown)} id(s) are not items of dataset '{dataset.name}': {shown}"
            + (" ..." if len(unknown) > 5 else "")
            + ". Nothing was recorded."
        )
