"""`Workspace`: datasets, spaces, neighbour graphs and projections as Lance tables in one folder.

Layout: `<path>/lance/` holds the LanceDB tables (the catalog, the run manifest, one table per
stored result), `<path>/models/` the fitted state of methods (npz + json, never pickle),
`<path>/indexes/` the search index of each space (a folder per index, named as its catalog
entry's table: unit vectors as .npy, an HNSW graph), `<path>/plots/` images made for people.
Nothing needs a server.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa

from embedlab.errors import InvalidInputError, NotFoundError, WorkspaceError, did_you_mean
from embedlab.store.annotations import ANNOTATIONS_TABLE, Annotations
from embedlab.store.catalog import CATALOG_TABLE, Catalog, Entry, Kind
from embedlab.store.handles import (
    Dataset,
    Space,
    arrow_to_matrix,
    arrow_to_vectors,
    matrix_to_arrow,
    read_columns,
    vectors_to_arrow,
)
from embedlab.store.lance import list_tables, table_exists
from embedlab.store.lance_connect import connect
from embedlab.store.manifest import RUNS_TABLE, Manifest, RunRecord
from embedlab.store.provenance import (
    GROWING_KINDS,
    Versioned,
    dependents,
    grown_inputs,
    input_versions,
    is_fresh,
    lineage_after,
    stale_inputs,
)

__all__ = [
    "Dataset",
    "Space",
    "Workspace",
    "arrow_to_matrix",
    "arrow_to_vectors",
    "default_workspace_path",
    "matrix_to_arrow",
    "read_columns",
    "validate_name",
    "vectors_to_arrow",
]

LOCK_FILE = ".write-lock"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
ORPHAN_AGE_S = 600.0  # unreferenced tables younger than this may belong to a run in progress


def validate_name(name: str, what: str) -> str:
    """Dataset and space names become table names: letters, digits, '-' and '_' only. A bad
    name is bad input (API: 400), not a conflict with the workspace."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InvalidInputError(
            f"The {what} name {name!r} is not valid: use 1 to 64 letters, digits, '-' or '_', "
            "starting with a letter or digit."
        ) from None
    return name


#: modalities whose methods read chosen columns (`embed --columns`)
COLUMN_MODALITIES = ("numeric", "categorical", "records")


def embed_command(dataset: str, entry: Entry) -> str:
    """The `embedlab embed` command that extends space `entry` with a grown dataset's new
    items: the same method, the parameters that differ from the method's defaults and, for
    column methods, the columns (other values refit the space and drop its maps)."""
    from embedlab import methods  # the registry, only for a message

    method = str(entry.meta.get("method"))
    stored = dict(entry.meta.get("params") or {})
    try:
        defaults = methods.get(method)().get_params()
    except (KeyError, TypeError, ValueError):
        defaults = {}
    given = [
        f" --param {k}={v}" for k, v in stored.items() if k not in defaults or defaults[k] != v
    ]
    columns = entry.meta.get("columns") or []
    chosen = (
        f" --columns {','.join(columns)}" if entry.meta.get("modality") in COLUMN_MODALITIES else ""
    )
    return (
        f"embedlab embed {dataset} --method {method} --space {entry.name}{''.join(given)}{chosen}"
    )


def default_workspace_path() -> Path:
    """`$EMBEDLAB_WORKSPACE` or `./embedlab-workspace`."""
    return Path(os.environ.get("EMBEDLAB_WORKSPACE", "embedlab-workspace"))


class Workspace:
    """An embedded, versioned store of everything embedlab computes, in one folder."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path if path is not None else default_workspace_path()).expanduser()
        if self.path.exists() and not self.path.is_dir():
            raise WorkspaceError(f"The workspace path '{self.path}' is a file, not a folder.")
        self._db: Any | None = None
        self._catalog: Catalog | None = None
        self._manifest: Manifest | None = None
        self._checked_writable = False
        self._lock_depth = 0
        self._lock_file: IO[str] | None = None
        self._thread_lock = threading.RLock()  # one writer thread at a time (the app server)
        self._connect_lock = threading.Lock()
        self._tables: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # -- connection ---------------------------------------------------------------------------
    @property
    def lance_path(self) -> Path:
        return self.path / "lance"

    @property
    def models_path(self) -> Path:
        return self.path / "models"

    @property
    def indexes_path(self) -> Path:
        return self.path / "indexes"

    def index_folder(self, table_name: str) -> Path:
        """Where a result stored as files (a search index) keeps them."""
        return self.indexes_path / table_name

    @property
    def plots_path(self) -> Path:
        return self.path / "plots"

    def _connect(self) -> Any:
        if self._db is None:
            with self._connect_lock:  # an app's warm-up thread and its first request
                if self._db is None:
                    db = connect(str(self.lance_path))
                    self._catalog = Catalog(db)
                    self._manifest = Manifest(db)
                    self._db = db
        return self._db

    @property
    def catalog(self) -> Catalog:
        self._connect()
        assert self._catalog is not None
        return self._catalog

    @property
    def annotations(self) -> Annotations:
        """Label corrections and tags made in the app (append-only, never overwritten)."""
        return Annotations(self._connect())

    @property
    def manifest(self) -> Manifest:
        self._connect()
        assert self._manifest is not None
        return self._manifest

    def _exists(self) -> bool:
        return self.lance_path.is_dir()

    def ensure_writable(self) -> None:
        """Create the folder and prove it can be written, before any work starts."""
        if self._checked_writable:
            return
        try:
            for folder in (self.path, self.lance_path, self.models_path, self.plots_path):
                folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.path, prefix=".write-check-"):
                pass
        except OSError as error:
            reason = error.strerror or str(error)
            raise WorkspaceError(
                f"Cannot write to the workspace folder '{self.path}': {reason}. Choose a "
                "writable folder with --workspace PATH or the EMBEDLAB_WORKSPACE variable."
            ) from None
        self._checked_writable = True

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the workspace's write lock for a run (re-entrant within this object).

        Two processes writing one workspace at once would replace each other's tables; the
        second one is refused with a clear message instead. Readers never need the lock.
        """
        self.ensure_writable()
        with self._thread_lock:  # re-entrant for its own thread; other threads wait their turn
            if self._lock_depth == 0:
                self._lock_file = _acquire_lock(self.path / LOCK_FILE, self.path)
                try:
                    self.collect_garbage()
                except BaseException:
                    _release_lock(self._lock_file)
                    raise
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    _release_lock(self._lock_file)
                    self._lock_file = None

    # -- reading -------------------------------------------------------------------------------
    def dataset_names(self) -> list[str]:
        if not self._exists():
            return []
        return sorted(e.name for e in self.catalog.entries("dataset"))

    def has_dataset(self, name: str) -> bool:
        return name in self.dataset_names()

    def dataset(self, name: str) -> Dataset:
        entry = self.catalog.get("dataset", name, name) if self._exists() else None
        if entry is None:
            raise NotFoundError(
                f"No dataset '{name}' in workspace '{self.path}'. "
                + did_you_mean(name, self.dataset_names())
                + " Add one with `embedlab ingest NAME SOURCE`."
            )
        return Dataset(name=name, entry=entry, table=self.open_table(entry))

    def entries(self, kind: Kind, dataset: str) -> list[Entry]:
        """Stored results of one kind for a dataset, partial ones included."""
        if not self._exists():
            return []
        return sorted(self.catalog.entries(kind, dataset), key=lambda e: e.name)

    def space_names(self, dataset: str) -> list[str]:
        return [e.name for e in self.entries("space", dataset) if e.status == "complete"]

    def space(self, dataset: str | Dataset, name: str) -> Space:
        """The current space `name` of a dataset (given by name or as a resolved handle)."""
        ds = dataset if isinstance(dataset, Dataset) else self.dataset(dataset)
        entry = self.catalog.get("space", ds.name, name)
        if entry is None or entry.status != "complete":
            state = " (only partly computed: rerun `embedlab embed` to finish it)" if entry else ""
            raise NotFoundError(
                f"No space '{name}' in dataset '{ds.name}'{state}. "
                + did_you_mean(name, self.space_names(ds.name))
                + f" Make one with `embedlab embed {ds.name} --method METHOD`."
            )
        if not self.is_fresh(entry) and self.grown_rows(entry) is not None:
            raise NotFoundError(
                f"Dataset '{ds.name}' has {len(ds) - int(entry.meta.get('n_items', 0)):,} new "
                f"items that space '{name}' has not embedded yet: run "
                f"`{embed_command(ds.name, entry)}` (only the new items are embedded)."
            )
        if not self.is_fresh(entry):
            raise NotFoundError(
                f"Space '{name}' of dataset '{ds.name}' was computed from an older version of "
                f"{', '.join(stale_inputs(self.catalog, entry))}; embed it again with "
                f"`embedlab embed {ds.name} --method {entry.meta.get('method')} --space {name}`."
            )
        return Space(
            dataset=ds.name, name=name, entry=entry, table=self.open_table(entry), source=ds
        )

    def result(self, kind: Kind, dataset: str, name: str) -> Entry | None:
        """The current entry of a derived result: complete and computed from inputs that are
        still current (the one freshness check), else None."""
        if not self._exists():
            return None
        entry = self.catalog.get(kind, dataset, name)
        if entry is None or entry.status != "complete" or not self.is_fresh(entry):
            return None
        return entry

    def is_fresh(self, entry: Entry) -> bool:
        """Whether every input `entry` was computed from is still current."""
        return is_fresh(self.catalog, entry)

    def grown_rows(self, entry: Entry) -> int | None:
        """For a result that is stale only because its input grew (rows appended, the old rows
        kept first): how many rows that input had when the result was computed; else None."""
        grown = grown_inputs(self.catalog, entry)
        return None if grown is None or len(grown) != 1 else next(iter(grown.values()))

    def open_table(self, entry: Entry) -> Any:
        """The Lance table of a complete result, opened once per workspace object (a complete
        result's table is never written again: a new run writes a new table)."""
        if entry.status != "complete":
            return self._connect().open_table(entry.table)
        table = self._tables.get(entry.table)
        if table is None:
            table = self._tables[entry.table] = self._connect().open_table(entry.table)
        return table

    # -- writing -------------------------------------------------------------------------------
    def table_name(self, kind: Kind, dataset: str, name: str, run_id: str, suffix: str = "") -> str:
        safe = name.replace("/", ".")
        return f"{dataset}.{kind}.{safe}.{run_id}{suffix}"

    def write_table(self, table_name: str, data: pa.Table, chunk_rows: int = 50_000) -> Any:
        """Create a table and fill it in chunks (keeps peak memory flat on large data)."""
        self.ensure_writable()
        db = self._connect()
        table = db.create_table(table_name, schema=data.schema, mode="overwrite")
        for start in range(0, max(data.num_rows, 1), chunk_rows):
            chunk = data.slice(start, chunk_rows)
            if chunk.num_rows:
                table.add(chunk)
        return table

    def write_stream(
        self, table_name: str, data: pa.RecordBatchReader, chunk_bytes: int = 64 * 2**20
    ) -> Any:
        """Create a table from a stream of record batches, one Lance commit per chunk of about
        `chunk_bytes` (Lance's own writer, given the whole stream, holds up to a file of rows:
        1.2 GB at 1M x 384). The table is not a result until the catalog points at it; a stream
        that fails leaves no table behind."""
        table = self.create_empty_table(table_name, data.schema)
        try:
            pending: list[pa.RecordBatch] = []
            size = 0
            for batch in data:
                pending.append(batch)
                size += batch.nbytes
                if size >= chunk_bytes:
                    table.add(pa.Table.from_batches(pending, schema=data.schema))
                    pending, size = [], 0
            if pending:
                table.add(pa.Table.from_batches(pending, schema=data.schema))
            return table
        except BaseException:
            self._drop_table(table_name)
            raise

    def create_empty_table(self, table_name: str, schema: pa.Schema) -> Any:
        self.ensure_writable()
        return self._connect().create_table(table_name, schema=schema, mode="overwrite")

    def commit(
        self,
        kind: Kind,
        dataset: str,
        name: str,
        table_name: str,
        meta: dict[str, Any],
        run: RunRecord | None,
        status: str = "complete",
        *,
        inputs: Sequence[Versioned | Entry] = (),
        grows: Entry | None = None,
    ) -> Entry:
        """Point the catalog at `table_name` (one atomic append) with the inputs it was computed
        from and their versions, record the run, then drop what it replaced and what was
        computed from that. With `grows` (the entry this one extends with new rows, its rows
        kept first and unchanged), the spaces and maps computed from it are kept, stale until
        they are grown in turn (see `grown_rows`); everything else computed from it is dropped."""
        versions = input_versions(inputs)
        self._check_inputs_current(versions, f"{kind} '{name}' of dataset '{dataset}'")
        meta = {**meta, "inputs": versions}
        if grows is not None:
            before = grows.meta.get("n_items")
            before = self.open_table(grows).count_rows() if before is None else before
            meta["lineage"] = lineage_after(grows, int(before))
        if run is not None:
            run.inputs = versions
            run.input_version = run.input_version or next(iter(versions.values()), "")
        previous = self.catalog.get(kind, dataset, name)
        entry = Entry(
            kind=kind,
            dataset=dataset,
            name=name,
            table=table_name,
            status=status,  # type: ignore[arg-type]
            run_id=run.run_id if run else "",
            meta=meta,
        )
        self.catalog.append(entry)
        if status == "complete":
            if run is not None:
                run.duration_s = time.time() - run.started_at
                self.manifest.record(run)
            self._delete_dependents(entry, keep=GROWING_KINDS if grows is not None else ())
        if previous is not None and previous.table != table_name:
            self._drop_table(previous.table)
        return entry

    def save_result(
        self,
        kind: Kind,
        dataset: str,
        name: str,
        data: pa.Table | pa.RecordBatchReader,
        *,
        run: RunRecord,
        inputs: Sequence[Versioned | Entry],
        meta: dict[str, Any] | None = None,
        grows: Entry | None = None,
    ) -> Entry:
        """Store a result in full (a table, or a stream of batches written as it comes), then
        make it current in one atomic commit that records its provenance (inputs with versions,
        the run's parameters, report and library versions); what it replaces, and what was
        computed from that, is dropped (with `grows`, see `commit`)."""
        with self.writing():
            table_name = self.table_name(kind, dataset, name, run.run_id)
            if isinstance(data, pa.RecordBatchReader):
                self.write_stream(table_name, data)
            else:
                self.write_table(table_name, data)
            return self.commit(
                kind, dataset, name, table_name, meta or {}, run, inputs=inputs, grows=grows
            )

    def _check_inputs_current(self, versions: dict[str, str], what: str) -> None:
        """A run whose inputs were replaced meanwhile (by another run) must not be committed."""
        current = {e.ref: e.run_id for e in self.catalog.entries()}
        changed = [ref for ref, version in versions.items() if current.get(ref) != version]
        if changed:
            raise WorkspaceError(
                f"Cannot store {what}: its input {', '.join(changed)} changed while it ran. "
                "Run the command again."
            )

    def delete(self, kind: Kind, dataset: str, name: str) -> None:
        """Remove a stored result and what was computed from it."""
        entry = self.catalog.get(kind, dataset, name)
        if entry is None:
            return
        self.catalog.append(
            Entry(
                kind=kind,
                dataset=dataset,
                name=name,
                table=entry.table,
                status="deleted",
                run_id="",
                meta={},
            )
        )
        self._drop_table(entry.table)
        self._delete_dependents(entry)

    def _delete_dependents(self, entry: Entry, keep: Sequence[str] = ()) -> None:
        """Drop every result computed from `entry` (recursively, through `delete`), except
        complete results of the kinds in `keep` (and what was computed from those)."""
        for dep in dependents(self.catalog, entry):
            if dep.kind in keep and dep.status == "complete":
                continue
            self.delete(dep.kind, dep.dataset, dep.name)

    def _drop_table(self, table_name: str) -> None:
        self._tables.pop(table_name, None)
        db = self._connect()
        if table_exists(db, table_name):
            db.drop_table(table_name)
        folder = self.index_folder(table_name)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)

    def collect_garbage(self) -> list[str]:
        """Drop tables no catalog entry points to: leftovers of runs killed before commit."""
        db = self._connect()
        keep = self.catalog.referenced_tables() | {CATALOG_TABLE, RUNS_TABLE, ANNOTATIONS_TABLE}
        dropped = []
        now = time.time()
        for table_name in list_tables(db):
            if table_name in keep:
                continue
            folder = self.lance_path / f"{table_name}.lance"
            age = now - folder.stat().st_mtime if folder.exists() else ORPHAN_AGE_S
            if age >= ORPHAN_AGE_S:
                db.drop_table(table_name)
                dropped.append(table_name)
        return dropped + self._collect_model_states(now) + self._collect_index_folders(keep, now)

    def _collect_index_folders(self, keep: set[str], now: float) -> list[str]:
        """Remove index folders no catalog entry points to (a build killed before commit)."""
        removed = []
        folders = self.indexes_path.iterdir() if self.indexes_path.is_dir() else []
        for folder in folders:
            if folder.name not in keep and now - folder.stat().st_mtime >= ORPHAN_AGE_S:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return removed

    def _collect_model_states(self, now: float) -> list[str]:
        """Remove fitted states that no space (complete or partial) was made with any more."""
        in_use = {e.run_id for e in self.catalog.current().values()}
        in_use |= {e.meta.get("state_run", "") for e in self.catalog.current().values()}
        removed = []
        for path in self.models_path.glob("*.npz"):
            if path.stem not in in_use and now - path.stat().st_mtime >= ORPHAN_AGE_S:
                path.unlink(missing_ok=True)
                removed.append(path.name)
        return removed

    # -- fitted method state -------------------------------------------------------------------
    def model_path(self, run_id: str) -> Path:
        return self.models_path / f"{run_id}.npz"

    def save_model_state(self, run_id: str, arrays: dict[str, np.ndarray]) -> Path:
        """Write a method's fitted arrays atomically (temp file, then rename)."""
        self.ensure_writable()
        target = self.model_path(run_id)
        with tempfile.NamedTemporaryFile(dir=self.models_path, suffix=".npz", delete=False) as fh:
            np.savez(fh, **arrays)
        os.replace(fh.name, target)
        return target

    def load_model_state(self, run_id: str) -> dict[str, np.ndarray]:
        path = self.model_path(run_id)
        if not path.exists():
            raise NotFoundError(f"The fitted state of run {run_id} is missing: '{path}'.")
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}


def _acquire_lock(path: Path, workspace: Path) -> IO[str]:
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open while locked
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise WorkspaceError(
            f"Another embedlab run ({holder}) is writing to the workspace '{workspace}'. Wait "
            "for it to finish, or use another workspace with --workspace."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def _release_lock(handle: IO[str] | None) -> None:
    if handle is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
