"""The catalog: which Lance table currently holds each dataset, space, graph and projection.

The catalog is an append-only Lance table. Every change is one appended record, and one append
is one atomic Lance commit, so a result is replaced by writing the new table in full first and
then appending the record that points to it: a run killed at any moment leaves either the old
pointer or the new one, never a half-written result.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from embedlab.store.lance import table_exists

#: "columns" are per-item results the app shows (colour fields, an item's values); "measures"
#: are per-item values kept only so they are not computed again (e.g. decoded image statistics)
Kind = Literal[
    "dataset",
    "space",
    "neighbors",
    "projection",
    "columns",
    "measures",
    "edges",
    "interactions",
    "index",
]
Status = Literal["complete", "partial", "deleted"]

CATALOG_TABLE = "_catalog"
#: A `_versions` folder whose modification time is older than this is trusted unchanged while
#: its time stays the same: a commit in the same tick of a coarse clock would not move it.
QUIET_NS = 2_000_000_000
#: `EMBEDLAB_CATALOG_STAT=0` turns the folder-time shortcut off, for filesystems whose folder
#: times lag or never move (NFS caches them up to a minute; FUSE mounts of object stores).
STAT_SWITCH = "EMBEDLAB_CATALOG_STAT"
CATALOG_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("at", pa.float64()),
        ("kind", pa.string()),
        ("dataset", pa.string()),
        ("name", pa.string()),
        ("table", pa.string()),
        ("status", pa.string()),
        ("run_id", pa.string()),
        ("meta", pa.string()),
    ]
)


@dataclass(frozen=True)
class Entry:
    """The current state of one stored result."""

    kind: Kind
    dataset: str
    name: str
    table: str
    status: Status
    run_id: str
    meta: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0

    @property
    def ref(self) -> str:
        """The key results computed from this one record it under, with its run id."""
        return result_ref(self.kind, self.dataset, self.name)


def result_ref(kind: str, dataset: str, name: str) -> str:
    return f"{kind}:{dataset}:{name}"


def parse_ref(ref: str) -> tuple[Kind, str, str]:
    """`result_ref`'s inverse (names hold no ':', so the split is unambiguous)."""
    kind, dataset, name = ref.split(":", 2)
    return kind, dataset, name  # type: ignore[return-value]


class Catalog:
    """Reads and appends catalog records in one LanceDB connection."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self._table: Any | None = None
        self._cache_version: int | None = None
        self._cache: dict[tuple[str, str, str], Entry] = {}
        self._cache_stamp: int | None = None
        self._pinned = threading.local()
        uri = str(getattr(db, "uri", ""))
        local = uri and "://" not in uri
        self._versions = Path(uri) / f"{CATALOG_TABLE}.lance" / "_versions" if local else None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Within the block, this thread reads the catalog as it was when the block began (one
        look at the latest Lance version instead of one per lookup: a search makes ~10)."""
        self.current()
        depth = getattr(self._pinned, "depth", 0)
        self._pinned.depth = depth + 1
        try:
            yield
        finally:
            self._pinned.depth = depth

    def _open(self, create: bool) -> Any | None:
        if self._table is None:
            if table_exists(self._db, CATALOG_TABLE):
                self._table = self._db.open_table(CATALOG_TABLE)
            elif create:
                self._table = self._db.create_table(CATALOG_TABLE, schema=CATALOG_SCHEMA)
        return self._table

    def current(self) -> dict[tuple[str, str, str], Entry]:
        """Latest record per (kind, dataset, name), deleted ones left out."""
        table = self._open(create=False)
        if table is None:
            return {}
        if getattr(self._pinned, "depth", 0) and self._cache_version is not None:
            return self._cache
        stamp = self._versions_stamp()
        if stamp is not None and stamp == self._cache_stamp and self._cache_version is not None:
            return self._cache  # no commit since the last look: skip Lance's version check
        quiet = stamp if stamp and time.time_ns() - stamp > QUIET_NS else None
        table.checkout_latest()
        if table.version != self._cache_version:
            self._read_records(table)
        self._cache_stamp = quiet  # only once the look succeeded and the cache is of it
        return self._cache

    def _read_records(self, table: Any) -> None:
        """The cache rebuilt from the table's latest version (the stamp is set after it)."""
        rows = table.to_arrow().sort_by("seq").to_pylist()
        latest: dict[tuple[str, str, str], Entry] = {}
        for row in rows:
            key = (row["kind"], row["dataset"], row["name"])
            latest[key] = Entry(
                kind=row["kind"],
                dataset=row["dataset"],
                name=row["name"],
                table=row["table"],
                status=row["status"],
                run_id=row["run_id"],
                meta=json.loads(row["meta"]),
                at=row["at"],
            )
        self._cache = {k: e for k, e in latest.items() if e.status != "deleted"}
        self._cache_version = table.version

    def _versions_stamp(self) -> int | None:
        """The modification time of the catalog's `_versions` folder (every commit adds a
        manifest there): a stat costs microseconds, Lance's own check ~1 ms of a request."""
        if self._versions is None or os.environ.get(STAT_SWITCH, "1") == "0":
            return None
        try:
            return os.stat(self._versions).st_mtime_ns
        except OSError:
            return None

    def version(self) -> int:
        """Changes with every commit to the catalog (a cache key for anything derived)."""
        self.current()
        return self._cache_version if self._cache_version is not None else -1

    def get(self, kind: Kind, dataset: str, name: str) -> Entry | None:
        return self.current().get((kind, dataset, name))

    def entries(self, kind: Kind | None = None, dataset: str | None = None) -> list[Entry]:
        return [
            e
            for e in self.current().values()
            if (kind is None or e.kind == kind) and (dataset is None or e.dataset == dataset)
        ]

    def append(self, entry: Entry) -> None:
        """One atomic commit recording `entry` as the current state of its key."""
        table = self._open(create=True)
        assert table is not None
        table.checkout_latest()
        seq = table.count_rows()
        record = {
            "seq": seq,
            "at": time.time(),
            "kind": entry.kind,
            "dataset": entry.dataset,
            "name": entry.name,
            "table": entry.table,
            "status": entry.status,
            "run_id": entry.run_id,
            "meta": json.dumps(entry.meta, sort_keys=True, default=str),
        }
        table.add(pa.Table.from_pylist([record], schema=CATALOG_SCHEMA))

    def referenced_tables(self) -> set[str]:
        return {e.table for e in self.current().values()}
