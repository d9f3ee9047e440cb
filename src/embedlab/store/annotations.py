"""Annotations a person makes in the app: label corrections and named tags of items.

One append-only Lance table, `_annotations`: every correction or tag is a new record, so nothing
is ever overwritten (the dataset's own label column stays as ingested) and the full history is
kept. The current correction of an item is its latest record; a correction back to the given
label is recorded too. Appends are single Lance commits, safe beside a running CLI job, so they
do not take the workspace's write lock.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

from embedlab.store.lance import table_exists

ANNOTATIONS_TABLE = "_annotations"
_CREATING = threading.Lock()
AnnotationKind = Literal["correction", "tag"]
ANNOTATIONS_SCHEMA = pa.schema(
    [
        ("at", pa.float64()),
        ("kind", pa.string()),
        ("dataset", pa.string()),
        ("dataset_version", pa.string()),
        ("id", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
    ]
)


@dataclass(frozen=True)
class Annotation:
    at: float
    kind: AnnotationKind
    dataset: str
    dataset_version: str
    id: str
    field: str
    value: str


class Annotations:
    """Reads and appends annotation records of one LanceDB connection."""

    def __init__(self, db: Any) -> None:
        self._db = db

    def append(self, records: list[Annotation]) -> None:
        if not records:
            return
        rows = pa.Table.from_pylist([vars(r) for r in records], schema=ANNOTATIONS_SCHEMA)
        with _CREATING:  # two first corrections at once must not both create the table
            if not table_exists(self._db, ANNOTATIONS_TABLE):
                self._db.create_table(ANNOTATIONS_TABLE, schema=ANNOTATIONS_SCHEMA)
        self._db.open_table(ANNOTATIONS_TABLE).add(rows)

    def records(
        self,
        dataset: str,
        kind: AnnotationKind,
        dataset_version: str | Collection[str] | None = None,
    ) -> list[Annotation]:
        """Records of one kind for a dataset, oldest first (only those made on the given
        version(s) when `dataset_version` is given: a re-ingested dataset may have different
        items; a grown one holds the items of the versions it grew from, see
        `Dataset.versions`)."""
        versions = {dataset_version} if isinstance(dataset_version, str) else dataset_version
        if not table_exists(self._db, ANNOTATIONS_TABLE):
            return []
        table = self._db.open_table(ANNOTATIONS_TABLE)
        rows = table.to_arrow().to_pylist()
        rows.sort(key=lambda r: r["at"])
        return [
            Annotation(**row)
            for row in rows
            if row["dataset"] == dataset
            and row["kind"] == kind
            and (versions is None or row["dataset_version"] in versions)
        ]
