"""The run manifest: one record per finished run, so every stored result can be traced and redone.

A record holds the method, its parameters, the seed, the library versions, the version of the
input it read and how long it took.
"""

from __future__ import annotations

import json
import platform
import time
import uuid
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Any

import pyarrow as pa

from embedlab.store.lance import table_exists

RUNS_TABLE = "_runs"
RUNS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("kind", pa.string()),
        ("dataset", pa.string()),
        ("space", pa.string()),
        ("method", pa.string()),
        ("params", pa.string()),
        ("seed", pa.int64()),
        ("versions", pa.string()),
        ("input_version", pa.string()),
        ("inputs", pa.string()),
        ("started_at", pa.float64()),
        ("duration_s", pa.float64()),
        ("report", pa.string()),
    ]
)

_TRACKED_PACKAGES = (
    "embedlab",
    "numpy",
    "pyarrow",
    "lancedb",
    "scikit-learn",
    "onnxruntime",
    "tokenizers",
    "umap-learn",
    "openTSNE",
    "hnswlib",
    "numba",
)


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    versions = {"python": platform.python_version()}
    for name in _TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


_JSON_FIELDS = ("params", "report", "versions", "inputs")


@dataclass
class RunRecord:
    """What a run did; filled in as the run goes and appended when it succeeds."""

    kind: str
    dataset: str
    space: str = ""
    method: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    input_version: str = ""
    inputs: dict[str, str] = field(default_factory=dict)  # ref -> version, set by the store
    run_id: str = field(default_factory=new_run_id)
    started_at: float = field(default_factory=time.time)
    duration_s: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=library_versions)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        for key in _JSON_FIELDS:
            row[key] = json.dumps(row[key], sort_keys=True, default=str)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RunRecord:
        values = dict(row)
        values.setdefault("inputs", "{}")  # runs recorded before inputs were
        for key in _JSON_FIELDS:
            values[key] = json.loads(values[key])
        return cls(**values)


class Manifest:
    """Append-only log of finished runs in one LanceDB connection."""

    def __init__(self, db: Any) -> None:
        self._db = db

    def record(self, run: RunRecord) -> None:
        if table_exists(self._db, RUNS_TABLE):
            table = self._db.open_table(RUNS_TABLE)
            if "inputs" not in table.schema.names:  # a manifest written before inputs were
                table.add_columns({"inputs": "'{}'"})
        else:
            table = self._db.create_table(RUNS_TABLE, schema=RUNS_SCHEMA)
        table.add(pa.Table.from_pylist([run.to_row()], schema=RUNS_SCHEMA))

    def runs(self, dataset: str | None = None) -> list[RunRecord]:
        """Finished runs, oldest first, optionally of one dataset."""
        if not table_exists(self._db, RUNS_TABLE):
            return []
        rows = self._db.open_table(RUNS_TABLE).to_arrow().sort_by("started_at").to_pylist()
        records = [RunRecord.from_row(r) for r in rows]
        return [r for r in records if dataset is None or r.dataset == dataset]

    def get(self, run_id: str) -> RunRecord | None:
        return next((r for r in self.runs() if r.run_id == run_id), None)
