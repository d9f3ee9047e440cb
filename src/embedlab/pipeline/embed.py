"""`embed`: a dataset becomes a space of float32 vectors, written in resumable committed batches.

While it runs, vectors go to a partial table, one Lance commit per batch. A run that is killed
leaves the committed batches; the next run with the same method, parameters and input finds
them and embeds only the rest. After rows are appended to the dataset, a space of the same
method, parameters and columns embeds only the new rows (see `embed_grow`). When every row is
done the vectors are rewritten in dataset order into the space's table and the catalog is
pointed at it in one commit, so readers see either the old space or the new one, never a mix.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from embedlab import methods, progress
from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.methods.base import Embedder
from embedlab.pipeline.embed_grow import growable, signature_matches, start_growth
from embedlab.pipeline.embed_state import PARTIAL_SUFFIX, Progress, space_schema
from embedlab.pipeline.graphs import edges_entry, graph_input
from embedlab.pipeline.image_sequence import ImageSequence
from embedlab.pipeline.interactions import interaction_input, interactions_entry, store_user_space
from embedlab.pipeline.records import record_input
from embedlab.pipeline.spaces import store_space
from embedlab.store.catalog import Entry
from embedlab.store.handles import READ_BATCH_ROWS, take_rows
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import (
    Dataset,
    Space,
    Workspace,
    read_columns,
    validate_name,
    vectors_to_arrow,
)

DEFAULT_BATCH_ROWS = 2048


@dataclass
class EmbedReport:
    space: Space
    reused: bool
    resumed_rows: int
    embedded_rows: int
    duration_s: float
    method_report: dict[str, Any] = field(default_factory=dict)
    #: the rows kept from the space this run grew (the dataset had rows appended), if it did
    grown_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.space.dataset,
            "space": self.space.name,
            "method": self.space.method,
            "params": self.space.params,
            "dim": self.space.dim,
            "n_items": self.space.meta["n_items"],
            "reused": self.reused,
            "resumed_rows": self.resumed_rows,
            "embedded_rows": self.embedded_rows,
            "duration_s": round(self.duration_s, 3),
            "method_report": self.method_report,
            "grown_from": self.grown_from,
        }


IMAGE_INFO_COLUMNS = {"width", "height", "thumbnail", "content_hash", "path", "image"}


class TextColumn:
    """The texts of a dataset column, read from the table a batch at a time (only their
    lengths are held), so embedding needs no copy of every text in memory."""

    READ_ROWS = 65_536

    def __init__(self, dataset: Dataset, column: str) -> None:
        self.table = dataset.table
        self.column = column
        self.n = len(dataset)

    def __len__(self) -> int:
        return self.n

    def lengths(self) -> np.ndarray:
        """Characters per text (a missing one counts as the 4 of 'None', as str() gives)."""
        query = self.table.search().select([self.column]).limit(None)
        parts = [
            pc.fill_null(pc.utf8_length(batch.column(0).cast(pa.large_string())), 4)
            .to_numpy()
            .astype(np.int32)
            for batch in query.to_batches(self.READ_ROWS)
        ]
        return np.concatenate(parts) if parts else np.empty(0, np.int32)

    def take(self, rows: np.ndarray) -> list[str]:
        return [str(row[self.column]) for row in take_rows(self.table, rows, [self.column])]

    def to_list(self) -> list[str]:
        return self.take(np.arange(self.n))


def _default_columns(frame_types: pa.Schema, dataset: Dataset, numeric: bool) -> list[str]:
    skip = {"id", dataset.label_column, dataset.text_column, "split"}
    if dataset.meta.get("image_column"):
        skip |= IMAGE_INFO_COLUMNS
    chosen = []
    for column in frame_types:
        if column.name in skip:
            continue
        is_number = pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
        if is_number == numeric:
            chosen.append(column.name)
    return chosen


def method_input(
    dataset: Dataset,
    estimator: Embedder,
    columns: list[str] | None,
    workspace: Workspace | None = None,
) -> tuple[Any, list[str]]:
    """The input a method takes from a dataset, and the columns it came from (a graph method
    takes the dataset's stored edges as a CSR adjacency: `workspace` is needed then)."""
    if columns is not None and not columns:  # an empty list embedded every column
        raise InvalidInputError(
            "--columns names no column; expected comma-separated column names, or no "
            "--columns for every column the method takes."
        )
    repeated = sorted({c for c in columns or [] if columns and columns.count(c) > 1})
    if repeated:
        raise InvalidInputError(
            f"--columns names '{repeated[0]}' more than once ({columns}); expected each column "
            "once."
        )
    if estimator.modality == "graph":
        if workspace is None:
            raise InvalidInputError(f"Method '{estimator.name}' needs the workspace's edges.")
        return graph_input(workspace, dataset), []
    if estimator.modality == "interactions":
        if workspace is None:
            raise InvalidInputError(f"Method '{estimator.name}' needs the workspace's ratings.")
        return interaction_input(workspace, dataset), []
    if estimator.modality == "image":
        column = columns[0] if columns else dataset.meta.get("image_column")
        if column is None:
            raise InvalidInputError(
                f"Method '{estimator.name}' embeds images, but dataset '{dataset.name}' has none. "
                "Ingest a folder of images, an IDX or .npy file, or an image sandbox dataset."
            )
        return ImageSequence(dataset, column), [column]
    if estimator.modality == "text":
        if columns and len(columns) != 1:
            raise InvalidInputError(
                f"Method '{estimator.name}' embeds one text column; got {columns}."
            )
        column = columns[0] if columns else dataset.text_column
        if column is None:
            raise InvalidInputError(
                f"Method '{estimator.name}' embeds texts, but dataset '{dataset.name}' has no text "
                "column. Ingest it with --text COLUMN, or pass --columns COLUMN."
            )
        if column not in dataset.columns:
            raise NotFoundError(
                f"Dataset '{dataset.name}' has no column '{column}'. "
                + did_you_mean(column, dataset.columns)
            )
        return TextColumn(dataset, column), [column]
    if estimator.modality == "records":  # categorical + numeric columns and a target
        return record_input(dataset, getattr(estimator, "target", None), columns)
    numeric = estimator.modality == "numeric"
    chosen = columns or _default_columns(dataset.table.schema, dataset, numeric)
    if "id" in chosen:
        raise InvalidInputError(
            f"Column 'id' of dataset '{dataset.name}' holds the item ids, not a feature of the "
            f"items; expected input columns besides it for method '{estimator.name}'."
        )
    for column in chosen:
        if column not in dataset.columns:
            raise NotFoundError(
                f"Dataset '{dataset.name}' has no column '{column}'. "
                + did_you_mean(column, dataset.columns)
            )
    if not chosen:
        kind = "numeric" if numeric else "categorical (text or boolean)"
        raise InvalidInputError(
            f"Method '{estimator.name}' needs {kind} columns, and dataset '{dataset.name}' has "
            "none "
            "besides id, text and label. Name them with --columns."
        )
    frame = dataset.to_arrow(["id", *chosen]).to_pandas()
    if not numeric:
        return frame[chosen].to_numpy(dtype=object), chosen
    return _numeric_matrix(frame, chosen, dataset.name), chosen


def _numeric_matrix(frame: pd.DataFrame, columns: list[str], dataset: str) -> np.ndarray:
    values = frame[columns]
    for column in columns:
        converted = pd.to_numeric(values[column], errors="coerce")
        not_number = converted.isna() & values[column].notna()
        if not_number.any():
            row = int(np.flatnonzero(not_number.to_numpy())[0])
            raise InvalidInputError(
                f"Dataset '{dataset}', column '{column}': expected numbers, found "
                f"{values[column].iloc[row]!r} at row {row} (id '{frame['id'].iloc[row]}')."
            )
        missing = converted.isna() | ~np.isfinite(converted.to_numpy(dtype=float, na_value=np.nan))
        if missing.any():
            rows = np.flatnonzero(missing.to_numpy())
            raise InvalidInputError(
                f"Dataset '{dataset}', column '{column}' has {rows.size} NaN or infinite value(s), "
                f"the first at row {int(rows[0])} (id '{frame['id'].iloc[int(rows[0])]}'). Numeric "
                "methods need finite numbers: fill or drop the missing values, or leave the column "
                "out with --columns."
            )
    return values.apply(pd.to_numeric).to_numpy(dtype=np.float32)


def _signature(
    method: str, estimator: Embedder, columns: list[str], dataset: Dataset
) -> dict[str, Any]:
    return {"method": method, "params": estimator.get_params(), "columns": columns}


def _matches(workspace: Workspace, entry: Entry | None, signature: dict[str, Any]) -> bool:
    """Same method, parameters and columns, computed from the current dataset."""
    return (
        entry is not None and signature_matches(entry.meta, signature) and workspace.is_fresh(entry)
    )


def _processing_order(inputs: Any, estimator: Embedder) -> np.ndarray:
    """Texts go shortest first, so each batch pads to similar lengths; the order is stable."""
    if estimator.modality == "text":
        if isinstance(inputs, TextColumn):
            lengths = inputs.lengths()
        else:
            lengths = np.fromiter((len(t) for t in inputs), dtype=np.int32, count=len(inputs))
        return np.argsort(lengths, kind="stable")
    return np.arange(len(inputs))


def _not_done(order: np.ndarray, done: np.ndarray) -> np.ndarray:
    """The rows of `order` not in `done`, in order: a mask over the rows (1 byte a row)
    instead of np.isin's sorted copies (~40 bytes a row at 10M)."""
    if len(done) == 0:
        return order
    todo = np.ones(len(order), dtype=bool)
    todo[done[(done >= 0) & (done < len(order))]] = False  # a corrupt row is caught at the end
    return order[todo[order]]


def take_inputs(inputs: Any, rows: np.ndarray) -> Any:
    """The items at `rows` of a method's input (texts read, images decoded, or matrix rows)."""
    if isinstance(inputs, ImageSequence | TextColumn):
        return inputs.take(rows)
    return [inputs[i] for i in rows] if isinstance(inputs, list) else inputs[rows]


@dataclass
class RowWork:
    """The rows of a run still to embed, and where they go: what a scale-out engine gets."""

    workspace: Workspace
    dataset: Dataset
    estimator: Embedder  # fitted
    columns: list[str]
    state: Progress
    batch_rows: int
    #: in processing order, cut into batches of `batch_rows` (set by `_embed_remaining`)
    rows_todo: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    total: int = 0


class RowEngine(Protocol):
    """Embeds the rows of a run elsewhere (`pipeline.ray_engine.RayEngine`): the same batches,
    committed into the same partial table as `_embed_batches` does."""

    def embed_rows(self, work: RowWork) -> None: ...


def embed(
    workspace: Workspace,
    name: str,
    method: str,
    *,
    space: str | None = None,
    params: dict[str, Any] | None = None,
    columns: list[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    force: bool = False,
    engine: RowEngine | None = None,
) -> EmbedReport:
    """Embed every item of dataset `name` with `method` into space `space` (default: the
    method's name). Reuses a finished identical space; resumes an interrupted one; grows one
    whose dataset had rows appended (only the new rows are embedded, with the state the method
    was fitted with; `force` refits and embeds every row). `engine` (e.g. a started
    `RayEngine`) embeds the rows instead of this process."""
    started = time.time()
    dataset = workspace.dataset(name)
    estimator = methods.get(method).from_params(params or {})
    space = validate_name(method if space is None else space, "space")
    if batch_rows < 1:
        raise InvalidInputError(f"batch_rows must be an int >= 1; got {batch_rows}.")
    inputs, used_columns = method_input(dataset, estimator, columns, workspace)
    sources = _sources(workspace, dataset, estimator)
    signature = _signature(method, estimator, used_columns, dataset)
    complete = workspace.catalog.get("space", name, space)
    partial = workspace.catalog.get("space", name, space + PARTIAL_SUFFIX)
    if _matches(workspace, complete, signature) and not force and partial is None:
        return _reused(workspace, name, space, started)
    with workspace.writing():
        complete = workspace.catalog.get("space", name, space)
        partial = workspace.catalog.get("space", name, space + PARTIAL_SUFFIX)
        if partial is not None and (
            force
            or not _matches(workspace, partial, signature)
            or _matches(workspace, complete, signature)
        ):
            workspace.delete("space", name, space + PARTIAL_SUFFIX)
            partial = None
        if _matches(workspace, complete, signature) and not force:
            return _reused(workspace, name, space, started)
        run = RunRecord(
            kind="embed",
            dataset=name,
            space=space,
            method=method,
            params=signature["params"],
            seed=signature["params"].get("seed"),
        )
        if partial is not None:
            state = _resume(workspace, estimator, partial, run)
        elif not force and growable(workspace, complete, signature):
            assert complete is not None
            state = start_growth(workspace, estimator, complete, signature, run, dataset, space)
        else:
            state = _start(workspace, estimator, inputs, signature, run, dataset, space, sources)
        work = RowWork(workspace, dataset, estimator, used_columns, state, batch_rows)
        n_todo = _embed_remaining(work, inputs, engine)
        space_obj = _finish(workspace, dataset, space, state, signature, run, estimator, sources)
        if estimator.modality == "interactions":  # one fit, two spaces: items here, users there
            report = space_obj.meta["method_report"]
            store_user_space(workspace, dataset, space, estimator, signature, report)
    kept = int(state.grows.meta["n_items"]) if state.grows else 0  # a grown space's old rows
    return EmbedReport(
        space_obj,
        False,
        len(state.done) - kept,
        n_todo,
        time.time() - started,
        space_obj.meta["method_report"],
        grown_from=kept if state.grows else None,
    )


def _embed_remaining(work: RowWork, inputs: Any, engine: RowEngine | None) -> int:
    """Embed the rows the partial table lacks (here, or on `engine`); returns how many. The
    row arrays (8 bytes a row each) are gone when it returns, before the rewrite."""
    order = _processing_order(inputs, work.estimator)
    work.rows_todo, work.total = _not_done(order, work.state.done), len(order)
    del order
    if engine is None:
        _embed_batches(
            work.estimator,
            inputs,
            work.dataset,
            work.rows_todo,
            work.state,
            work.batch_rows,
            work.total,
        )
    else:  # a scale-out engine: same batches, same partial table, same finish
        engine.embed_rows(work)
    n_todo = len(work.rows_todo)
    work.rows_todo = np.empty(0, dtype=np.int64)
    return n_todo


def _sources(workspace: Workspace, dataset: Dataset, estimator: Embedder) -> list[Any] | None:
    """What a space is computed from besides the dataset: a graph's edges, the ratings."""
    if estimator.modality == "graph":
        return [dataset, edges_entry(workspace, dataset)]
    if estimator.modality == "interactions":
        return [dataset, interactions_entry(workspace, dataset)]
    return None


def _reused(workspace: Workspace, name: str, space: str, started: float) -> EmbedReport:
    space_obj = workspace.space(name, space)
    return EmbedReport(
        space_obj, True, 0, 0, time.time() - started, space_obj.meta.get("method_report", {})
    )


def _resume(workspace: Workspace, estimator: Embedder, partial: Entry, run: RunRecord) -> Progress:
    run.run_id = partial.run_id  # the resumed run keeps the id its fitted state is saved under
    state_run = partial.meta.get("state_run") or partial.run_id  # a growing space's old state
    estimator.set_state(workspace.load_model_state(state_run))
    table = workspace.open_table(partial)
    done = read_columns(table, ["row"]).column("row").to_numpy()
    grows = None
    if partial.meta.get("grows"):
        space = partial.name.removesuffix(PARTIAL_SUFFIX)
        current = workspace.catalog.get("space", partial.dataset, space)
        grows = current if current and current.run_id == partial.meta["grows"] else None
    dim, fit_report = int(partial.meta["dim"]), partial.meta.get("fit_report", {})
    return Progress(table, dim, done, fit_report, grows, state_run)


def _start(
    workspace: Workspace,
    estimator: Embedder,
    inputs: Any,
    signature: dict[str, Any],
    run: RunRecord,
    dataset: Dataset,
    space: str,
    sources: list[Any] | None = None,
) -> Progress:
    """Fit (nothing is written if fitting fails), save the fitted state, open the partial table;
    `sources` are the inputs recorded (default: the dataset)."""
    with progress.task(f"Fitting {estimator.name}", total=None):
        size = estimator.fit_sample
        if size is not None:  # a sample (or nothing, for a pretrained method): read only that
            estimator.fit(take_inputs(inputs, np.arange(min(size, len(inputs)))))
        else:  # fitted on every item: a method that reads all texts holds them all
            estimator.fit(inputs.to_list() if isinstance(inputs, TextColumn) else inputs)
    workspace.save_model_state(run.run_id, estimator.get_state())
    dim = int(estimator.dimension_)
    name = dataset.name
    table_name = workspace.table_name("space", name, space, run.run_id, suffix=".partial")
    table = workspace.create_empty_table(table_name, space_schema(dim))
    fit_report = dict(getattr(estimator, "report_", {}))
    meta = {**signature, "dim": dim, "fit_report": fit_report}
    workspace.commit(
        "space",
        name,
        space + PARTIAL_SUFFIX,
        table_name,
        meta,
        run,
        "partial",
        inputs=sources or [dataset],
    )
    return Progress(table, dim, np.empty(0, dtype=np.int64), fit_report)


def _embed_batches(
    estimator: Embedder,
    inputs: Any,
    dataset: Dataset,
    rows_todo: np.ndarray,
    state: Progress,
    batch_rows: int,
    total: int,
) -> None:
    """Transform and commit batch by batch, each batch one Lance commit."""
    with progress.task(f"Embedding with {estimator.name}", total=total) as bar:
        bar.advance(len(state.done))
        for start in range(0, len(rows_todo), batch_rows):
            rows = rows_todo[start : start + batch_rows]
            vectors = estimator.transform(take_inputs(inputs, rows))
            report = getattr(estimator, "report_", {})
            counts = json.dumps({k: report.get(k, 0) for k in estimator.counted_keys})
            batch = {
                "row": pa.array(rows, pa.int64()),
                "id": pa.array(
                    [r["id"] for r in take_rows(dataset.table, rows, ["id"])], pa.string()
                ),
                "vector": vectors_to_arrow(vectors),
                "counts": pa.array([counts] + [None] * (len(rows) - 1), pa.string()),
            }
            state.table.add(pa.table(batch))
            bar.advance(len(rows))


def _finish(
    workspace: Workspace,
    dataset: Dataset,
    space: str,
    state: Progress,
    signature: dict[str, Any],
    run: RunRecord,
    estimator: Embedder,
    sources: list[Any] | None = None,
) -> Space:
    """Rewrite the partial vectors in dataset order and make them the space, atomically."""
    stored_rows = state.table.search().select(["row"]).limit(None).to_batches(READ_BATCH_ROWS)
    offsets = _stored_offsets((batch.column(0).to_numpy() for batch in stored_rows), dataset)
    counts = state.table.search().where("counts IS NOT NULL").select(["counts"]).limit(None)
    method_report = {
        **state.fit_report,
        **_sum_counts(counts.to_arrow().column("counts").to_pylist()),
    }
    stored = store_space(
        workspace,
        dataset,
        space,
        in_row_order(state.table, offsets, state.dim),
        estimator=estimator,
        signature=signature,
        run=run,
        method_report=method_report,
        inputs=sources,
        extra={"state_run": state.state_run or run.run_id},
        grows=state.grows,
    )
    workspace.delete("space", dataset.name, space + PARTIAL_SUFFIX)
    return stored


def _stored_offsets(row_batches: Iterable[np.ndarray], dataset: Dataset) -> np.ndarray:
    """`offsets[i]`: where dataset row i is stored in the partial table, whose `row` column
    comes in stored order, batch by batch. Memory: the offsets alone (4 bytes a row), where an
    argsort of every stored row took ~24 bytes a row more at 10M. Refused when a row is
    missing."""
    n = len(dataset)
    offsets = np.full(n, -1, dtype=np.int32 if n < 2**31 else np.int64)
    stored = 0
    for rows in row_batches:
        in_range = (rows >= 0) & (rows < n)
        offsets[rows[in_range]] = np.arange(stored, stored + len(rows), dtype=offsets.dtype)[
            in_range
        ]
        stored += len(rows)
    have = int(np.count_nonzero(offsets >= 0))
    if have != n:  # a row stored twice (a batch committed twice) is read once: the last copy
        raise InvalidInputError(
            f"Embedding '{dataset.name}' ended with {have} of {n} rows; "
            "run `embed` again to finish it."
        )
    return offsets


REWRITE_BYTES = 16 * 2**20  # vectors held at once while rewriting a space in row order


def in_row_order(
    table: Any, offsets: np.ndarray, dim: int, block_rows: int | None = None
) -> pa.RecordBatchReader:
    """The partial table's `row`, `id`, `vector` read back in dataset order, a block at a time:
    `offsets[i]` is the stored position of dataset row i. Memory holds one block (default:
    about REWRITE_BYTES of vectors), whatever the number of rows."""
    schema = space_schema(dim).remove(3)
    block = block_rows or max(1024, REWRITE_BYTES // (4 * max(dim, 1)))

    def blocks() -> Iterator[pa.RecordBatch]:
        for start in range(0, len(offsets), block):
            wanted = offsets[start : start + block]
            taken = table.take_offsets(wanted.tolist()).select(["row", "id", "vector"]).to_arrow()
            order = pc.sort_indices(taken, sort_keys=[("row", "ascending")])
            yield from taken.take(order).cast(schema).to_batches()

    return pa.RecordBatchReader.from_batches(schema, blocks())


def _sum_counts(batches: list[str]) -> dict[str, int | float]:
    totals: dict[str, int | float] = {}
    for counts in batches:
        for key, value in json.loads(counts).items():
            totals[key] = totals.get(key, 0) + value
    return totals


def load_estimator(workspace: Workspace, space: Space) -> Embedder:
    """The fitted method that made `space`, to embed new queries into it."""
    estimator = methods.get(space.method).from_params(space.params)
    return estimator.set_state(workspace.load_model_state(space.meta["state_run"]))
