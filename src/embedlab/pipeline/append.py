"""`ingest NAME MORE.csv --append`: new rows added after the rows of a stored dataset.

A dataset of table or text rows takes a table or text file; a dataset of images takes more
images (a folder, or an IDX or .npy file like the first). A graph or a ratings dataset is refused:
its vectors come from every edge or rating together, so it is ingested again whole.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from embedlab.errors import InvalidInputError, WorkspaceError
from embedlab.io.batches import DEFAULT_BATCH_ROWS, iter_frames
from embedlab.io.images import is_image_source, read_image_source
from embedlab.io.items import StreamedItems, id_text, prepare_items
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
#: kinds of dataset whose items cannot be appended to, and why (what to do instead)
NOT_APPENDABLE = {
    "graph": "a graph's node vectors come from all its edges together; ingest the whole graph "
    "again (its edge list, and --nodes) instead",
    "ratings": "its item and user vectors come from all the ratings together; ingest the whole "
    "ratings table again instead",
    "words": "its vectors are a vocabulary's; make the word dataset again instead",
    "categories": "its rows are the values of an entity space's column; run `categories` again "
    "instead",
}


@dataclass
class NewRows:
    """The rows to add, checked, as batches of the stored schema (ids already final)."""

    n_items: int
    batches: Callable[[], Iterator[pa.RecordBatch]]
    record: dict[str, Any]  # what the dataset's meta keeps of this append
    skipped_empty_text: int = 0
    skipped_rows: list[int] = field(default_factory=list)
    skipped_lines: list[int] | None = None
    skipped_files: list[tuple[str, str]] = field(default_factory=list)


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
    options = {"text": text, "label": label, "id": id}
    if dataset.meta.get("image_column"):
        new = _new_images(dataset, source_text, options)
    else:
        new = _new_table_rows(dataset, source_text, options, batch_rows)
    params = {"source": source_text, **options, "append": True}
    return _store(workspace, dataset, new, params, started)


def _new_table_rows(
    dataset: Dataset, source: str, options: dict[str, str | None], batch_rows: int
) -> NewRows:
    """The rows of a table or text file, checked in batches (read again when written)."""
    new = stream_file(source, **options, limit=None, batch_rows=batch_rows)
    assert new.schema is not None and new.batches is not None
    _check_columns(dataset, new.schema, source)
    offset = _number_offset(dataset) if new.id_column is None else 0
    if new.id_column is not None:
        _check_new_ids(dataset, new, source, batch_rows)
    schema, batches = dataset.table.schema, new.batches

    def cast() -> Iterator[pa.RecordBatch]:
        for batch in batches():
            yield from _in_stored_form(pa.Table.from_batches([batch]), schema, offset)

    return NewRows(
        n_items=new.n_items,
        batches=cast,
        record=_record(source, new.n_items, offset, new.skipped_empty_text, new.skipped_lines),
        skipped_empty_text=new.skipped_empty_text,
        skipped_rows=new.skipped_rows,
        skipped_lines=new.skipped_lines,
    )


def _new_images(dataset: Dataset, source: str, options: dict[str, str | None]) -> NewRows:
    """More images for a dataset of images: a folder's files keep their paths inside the folder
    as ids (one already in the dataset is refused); an array's images are numbered on after the
    dataset's largest number."""
    images = read_image_source(source)
    if images is None:
        raise InvalidInputError(
            f"Dataset '{dataset.name}' holds images: --append adds images to it from a folder "
            f"(or an IDX or .npy file, like the first); got '{source}'."
        )
    prepared = prepare_items(images.frame, f"'{source}'", **options)
    table = prepared.table
    _check_columns(dataset, table.schema, source)
    numbered = images.image_column != "path"  # an array's images: ids are row numbers
    offset = _number_offset(dataset) if numbered else 0
    if not numbered:
        _check_new_image_ids(dataset, table, source)
    schema = dataset.table.schema
    return NewRows(
        n_items=table.num_rows,
        batches=lambda: _in_stored_form(table, schema, offset),
        record={
            **_record(source, table.num_rows, offset, 0, None),
            "skipped_files": len(images.skipped),
        },
        skipped_files=images.skipped,
    )


def _record(
    source: str, n: int, offset: int, skipped_empty: int, skipped_lines: list[int] | None
) -> dict[str, Any]:
    return {
        "source": source,
        "n_items": n,
        "skipped_empty_text": skipped_empty,
        "skipped_lines": skipped_lines,
        "id_offset": offset,
    }


def _store(
    workspace: Workspace, dataset: Dataset, new: NewRows, params: dict[str, Any], started: float
) -> IngestReport:
    """Store the dataset again as its old rows then `new`, as a growth of the old version."""
    name = dataset.name
    with workspace.writing():
        current = workspace.catalog.get("dataset", name, name)
        if current is None or current.run_id != dataset.version:
            raise WorkspaceError(
                f"Dataset '{name}' changed while its new rows were read. Run the command again."
            )
        n_before, n_added = len(dataset), new.n_items
        counts = {"n_before": n_before, "n_added": n_added, "n_items": n_before + n_added}
        run = RunRecord(kind="ingest", dataset=name, method="ingest-append", params=params)
        run.report = dict(counts)
        kept = {k: v for k, v in dataset.meta.items() if k not in ("inputs", "lineage")}
        meta = {
            **kept,
            "n_items": n_before + n_added,
            "appended": [*dataset.meta.get("appended", []), new.record],
        }
        if new.skipped_files:
            skipped = [*dataset.meta.get("skipped_files", []), *map(list, new.skipped_files)]
            meta["skipped_files"] = skipped[:1000]
            meta["n_skipped_files"] = dataset.meta.get("n_skipped_files", 0) + len(
                new.skipped_files
            )
        schema = dataset.table.schema
        rows = pa.RecordBatchReader.from_batches(schema, _old_then_new(dataset, new))
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
        appended=counts,
    )


def _check_appendable(dataset: Dataset, source: str) -> None:
    """Rows can be appended to a dataset of table or text rows, from a table or text file, and
    images to a dataset of images; a graph, ratings, words or categories dataset is refused."""
    from embedlab.pipeline.entity import CATEGORIES_KEY  # only here: it loads the entity code

    meta = dataset.meta
    part = ratings_part(dataset)  # the items or the users of ratings
    kind = meta.get("kind") or ("ratings" if part else None)
    if CATEGORIES_KEY in meta:  # its rows are an entity space's values: appended ones had none
        kind = "categories"
        part = f"the values of column '{meta[CATEGORIES_KEY]['column']}' (made by `categories`)"
    if kind is not None:
        why = NOT_APPENDABLE.get(kind, "it was not ingested from a table, a text file or images")
        raise InvalidInputError(
            f"--append is not supported for a {kind} dataset ('{dataset.name}'"
            f"{' holds ' + part if part else ''}): {why}."
        )
    if source.startswith(SANDBOX_PREFIX) or source.lower().endswith(EDGE_LIST_SUFFIXES):
        raise InvalidInputError(
            "--append takes a table or text file (CSV, TSV, JSONL, Parquet, TXT), or images for "
            f"a dataset of images; got '{source}'."
        )
    if not meta.get("image_column") and is_image_source(source):
        raise InvalidInputError(
            f"Dataset '{dataset.name}' holds table rows: --append adds table rows to it, not "
            f"images; got '{source}'."
        )


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


def _check_columns(dataset: Dataset, schema: pa.Schema, source: str) -> None:
    """The new rows have the dataset's columns, each of a type that fits the stored one."""
    old_names, new_names = dataset.table.schema.names, schema.names
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
        given = schema.field(stored.name).type
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
    n_repeated, repeated = _repeated_ids(dataset, new.batches())
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


def _repeated_ids(dataset: Dataset, batches: Iterator[pa.RecordBatch]) -> tuple[int, list[str]]:
    """How many new ids the dataset has already, and the first MAX_LISTED of them."""
    existing = dataset.to_arrow(["id"]).column("id").combine_chunks().cast(pa.string())
    repeated: list[str] = []
    n_repeated = 0
    for batch in batches:
        ids = batch.column(batch.schema.get_field_index("id")).cast(pa.string())
        found = pc.filter(ids, pc.is_in(ids, value_set=existing)).to_pylist()
        n_repeated += len(found)
        repeated += found[: MAX_LISTED - len(repeated)]
    return n_repeated, repeated


def _check_new_image_ids(dataset: Dataset, table: pa.Table, source: str) -> None:
    """No image of the new folder has the id (its path inside its folder) of a stored one."""
    n_repeated, repeated = _repeated_ids(dataset, iter(table.to_batches()))
    if not n_repeated:
        return
    named = ", ".join(f"'{i}'" for i in repeated)
    more = f" and {n_repeated - len(repeated)} more" if n_repeated > len(repeated) else ""
    raise InvalidInputError(
        f"{source}: {n_repeated} image(s) have the id of an image already in dataset "
        f"'{dataset.name}': {named}{more}. An image's id is its path inside its folder: rename "
        "those files (or leave them out) and append again."
    )


def _raw_name(dataset: Dataset, column: str) -> str:
    renamed = {new: old for old, new in dataset.meta.get("renamed_columns", {}).items()}
    return renamed.get(column, column)


def _lines_of(source: str, column: str, ids: list[str], batch_rows: int) -> dict[str, str]:
    """'line N' (or 'row N' for a source without lines) of each of `ids` in `source`."""
    wanted, found = set(ids), {}
    start = 0
    for frame in iter_frames(source, batch_rows):
        # the cells as ids are stored ('doc1 ' is 'doc1', 3.0 is '3'), as the repeats are named
        values = frame[column].map(id_text).to_numpy() if column in frame else np.array([])
        for position in np.flatnonzero(np.isin(values, list(wanted))):
            key = values[position]
            if key not in found:
                where = frame.index[position] if frame.index.name == LINE_INDEX else None
                found[key] = f"line {where}" if where is not None else f"row {start + position}"
        start += len(frame)
    return found


def _old_then_new(dataset: Dataset, new: NewRows) -> Iterator[pa.RecordBatch]:
    """The stored rows as they are, then the new ones."""
    yield from dataset.table.search().limit(None).to_batches(READ_ROWS)
    yield from new.batches()


def _in_stored_form(table: pa.Table, schema: pa.Schema, offset: int) -> Iterator[pa.RecordBatch]:
    """New rows in the stored column order and types (numbered ids shifted by `offset`)."""
    table = table.select(schema.names)
    if offset:
        ids = pd.Series(table.column("id").to_pylist()).astype(int) + offset
        position = table.schema.get_field_index("id")
        table = table.set_column(position, "id", pa.array(ids.astype(str), pa.string()))
    yield from table.cast(schema).to_batches()
