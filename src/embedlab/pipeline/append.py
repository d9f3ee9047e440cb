"""`ingest NAME MORE.csv --append`: new rows added after the rows of a stored dataset.

The new file is read with the rules of the first ingest (its text, label and id columns) and
must have the dataset's columns. Everything is checked before anything is written: a missing or
extra column, a column whose values do not fit its stored type, or an id the dataset already
has is an error naming the file (and the line) and the workspace stays as it was. The dataset
is then stored again as its old rows followed by the new ones, as a growth of the old version:
its spaces and maps are kept (stale until `embed` embeds the new items and `project --update`
places them); the other results computed from it are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from embedlab.errors import InvalidInputError, WorkspaceError
from embedlab.io.batches import DEFAULT_BATCH_ROWS, iter_frames
from embedlab.io.images import read_image_source
from embedlab.io.items import StreamedItems
from embedlab.io.readers import LINE_INDEX
from embedlab.pipeline.ingest import (
    EDGE_LIST_SUFFIXES,
    SANDBOX_PREFIX,
    IngestReport,
    stream_file,
)
from embedlab.pipeline.interactions import ratings_part
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Workspace

MAX_LISTED = 5
READ_ROWS = 65_536


def append(
    workspace: Workspace,
    name: str,
    source: str | Path,
    *,
    id: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> IngestReport:
    """Add the rows of `source` (a table or text file) after the rows of dataset `name`.

    `id` defaults to the id rule of the first ingest (a column, or @row: numbered rows, which
    continue after the dataset's largest number)."""
    started = time.time()
    dataset = workspace.dataset(name)
    source_text = str(source)
    _check_appendable(dataset, source_text)
    text, label, first_id = _first_ingest_options(workspace, dataset)
    id = first_id if id is None else id
    new = stream_file(source_text, text=text, label=label, id=id, limit=None, batch_rows=batch_rows)
    schema = dataset.table.schema
    _check_columns(dataset, new, source_text)
    offset = _number_offset(dataset) if new.id_column is None else 0
    if new.id_column is not None:
        _check_new_ids(dataset, new, source_text, batch_rows)
    with workspace.writing():
        current = workspace.catalog.get("dataset", name, name)
        if current is None or current.run_id != dataset.version:
            raise WorkspaceError(
                f"Dataset '{name}' changed while its new rows were read. Run the command again."
            )
        n_before, n_added = len(dataset), new.n_items
        appended = {
            "source": source_text,
            "n_items": n_added,
            "skipped_empty_text": new.skipped_empty_text,
            "skipped_lines": new.skipped_lines,
            "id_offset": offset,
        }
        run = RunRecord(
            kind="ingest",
            dataset=name,
            method="ingest-append",
            params={"source": source_text, "text": text, "label": label, "id": id, "append": True},
        )
        run.report = {"n_before": n_before, "n_added": n_added, "n_items": n_before + n_added}
        kept = {k: v for k, v in dataset.meta.items() if k not in ("inputs", "lineage")}
        meta = {
            **kept,
            "n_items": n_before + n_added,
            "appended": [*dataset.meta.get("appended", []), appended],
        }
        rows = pa.RecordBatchReader.from_batches(
            schema, _old_then_new(dataset, new, schema, offset)
        )
        workspace.save_result(
            "dataset", name, name, rows, run=run, inputs=[], meta=meta, grows=dataset.entry
        )
    return IngestReport(
        dataset=workspace.dataset(name),
        n_items=n_added,
        skipped_empty_text=new.skipped_empty_text,
        skipped_rows=new.skipped_rows,
        duration_s=time.time() - started,
        skipped_lines=new.skipped_lines,
        appended={"n_before": n_before, "n_added": n_added, "n_items": n_before + n_added},
    )


def _check_appendable(dataset: Dataset, source: str) -> None:
    """Rows can be appended to a dataset of table or text rows, from a table or text file."""
    from embedlab.pipeline.entity import CATEGORIES_KEY  # only here: it loads the entity code

    meta = dataset.meta
    kind = meta.get("kind") or ratings_part(dataset)
    if CATEGORIES_KEY in meta:  # its rows are an entity space's values: appended ones had none
        kind = f"the values of column '{meta[CATEGORIES_KEY]['column']}' (made by `categories`)"
    kind = kind or ("images" if meta.get("image_column") else None)
    if kind is not None:
        raise InvalidInputError(
            f"Dataset '{dataset.name}' holds {kind}: --append adds rows of a table or text file "
            "to a dataset ingested from one. Ingest the whole set again instead."
        )
    if source.startswith(SANDBOX_PREFIX) or source.lower().endswith(EDGE_LIST_SUFFIXES):
        raise InvalidInputError(
            f"--append takes a table or text file (CSV, TSV, JSONL, Parquet, TXT); got '{source}'."
        )
    if read_image_source(source) is not None:
        raise InvalidInputError(f"--append adds table rows, not images; got '{source}'.")


def _first_ingest_options(
    workspace: Workspace, dataset: Dataset
) -> tuple[str | None, str | None, str | None]:
    """The --text, --label and --id the dataset was first ingested with (as named in its
    file), from the run that ingested it; the stored column names where that run is gone."""
    lineage = dataset.meta.get("lineage", [])
    first = workspace.manifest.get(lineage[0]["version"] if lineage else dataset.version)
    renamed = {new: old for old, new in dataset.meta.get("renamed_columns", {}).items()}
    text = renamed.get(dataset.text_column or "", dataset.text_column)
    label = renamed.get(dataset.label_column or "", dataset.label_column)
    if first is None:
        return text, label, dataset.meta.get("id_column")
    params = first.params
    return params.get("text") or text, params.get("label") or label, params.get("id")


def _check_columns(dataset: Dataset, new: StreamedItems, source: str) -> None:
    """The new rows have the dataset's columns, each of a type that fits the stored one."""
    assert new.schema is not None
    old_names, new_names = dataset.table.schema.names, new.schema.names
    missing = [c for c in old_names if c not in new_names]
    extra = [c for c in new_names if c not in old_names]
    if missing or extra:
        parts = [f"it lacks {', '.join(missing)}"] if missing else []
        parts += [f"it has {', '.join(extra)} in addition"] if extra else []
        raise InvalidInputError(
            f"'{source}' must have the columns of dataset '{dataset.name}' "
            f"({', '.join(old_names)}), but {' and '.join(parts)}."
        )
    for stored in dataset.table.schema:
        given = new.schema.field(stored.name).type
        if not _fits(given, stored.type):
            raise InvalidInputError(
                f"Column '{stored.name}' of '{source}' holds {given} values, but dataset "
                f"'{dataset.name}' stores {stored.type} there: the new rows must fit the stored "
                "column types."
            )


def _fits(given: pa.DataType, stored: pa.DataType) -> bool:
    """Whether values of type `given` are stored as `stored` without loss: the same type,
    missing values, integers as floats, or anything as text."""
    if given == stored or pa.types.is_null(given):
        return True
    if pa.types.is_string(stored) or pa.types.is_large_string(stored):
        return True
    return pa.types.is_floating(stored) and pa.types.is_integer(given)


def _number_offset(dataset: Dataset) -> int:
    """Numbered rows go on after the dataset's largest numeric id."""
    ids = dataset.to_arrow(["id"]).column("id").to_pylist()
    numbers = [int(i) for i in ids if i.isdigit()]
    return max(numbers) + 1 if numbers else len(ids)


def _check_new_ids(dataset: Dataset, new: StreamedItems, source: str, batch_rows: int) -> None:
    """No new id is already in the dataset (ids are unique within the new file already)."""
    assert new.batches is not None
    existing = dataset.to_arrow(["id"]).column("id").combine_chunks().cast(pa.string())
    repeated: list[str] = []
    n_repeated = 0
    for batch in new.batches():
        ids = batch.column(batch.schema.get_field_index("id")).cast(pa.string())
        found = pc.filter(ids, pc.is_in(ids, value_set=existing)).to_pylist()
        n_repeated += len(found)
        repeated += found[: MAX_LISTED - len(repeated)]
    if not n_repeated:
        return
    assert new.id_column is not None
    lines = _lines_of(source, _raw_name(dataset, new.id_column), repeated, batch_rows)
    named = ", ".join(f"'{i}' ({lines.get(i, 'line unknown')})" for i in repeated)
    more = f" and {n_repeated - len(repeated)} more" if n_repeated > len(repeated) else ""
    raise InvalidInputError(
        f"{source}: {n_repeated} id(s) are already in dataset '{dataset.name}': {named}{more}. "
        "Ids must be unique across the dataset: remove those rows or give them new ids."
    )


def _raw_name(dataset: Dataset, column: str) -> str:
    renamed = {new: old for old, new in dataset.meta.get("renamed_columns", {}).items()}
    return renamed.get(column, column)


def _lines_of(source: str, column: str, ids: list[str], batch_rows: int) -> dict[str, str]:
    """'line N' (or 'row N' for a source without lines) of each of `ids` in `source`."""
    wanted, found = set(ids), {}
    start = 0
    for frame in iter_frames(source, batch_rows):
        values = frame[column].astype(str).to_numpy() if column in frame else np.array([])
        for position in np.flatnonzero(np.isin(values, list(wanted))):
            key = values[position]
            if key not in found:
                where = frame.index[position] if frame.index.name == LINE_INDEX else None
                found[key] = f"line {where}" if where is not None else f"row {start + position}"
        start += len(frame)
    return found


def _old_then_new(
    dataset: Dataset, new: StreamedItems, schema: pa.Schema, offset: int
) -> Iterator[pa.RecordBatch]:
    """The stored rows as they are, then the new ones in the stored column order and types
    (numbered ids shifted by `offset`)."""
    yield from dataset.table.search().limit(None).to_batches(READ_ROWS)
    assert new.batches is not None
    for batch in new.batches():
        table = pa.Table.from_batches([batch]).select(schema.names)
        if offset:
            ids = pd.Series(table.column("id").to_pylist()).astype(int) + offset
            position = table.schema.get_field_index("id")
            table = table.set_column(position, "id", pa.array(ids.astype(str), pa.string()))
        yield from table.cast(schema).to_batches()
