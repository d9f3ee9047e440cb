"""A selection becomes a dataset: `ingest NEW workspace:NAME --tag TAG` and the app's
`POST /api/datasets/NAME/subset`.

The chosen items' rows are copied, in dataset order, with every column, into a new dataset that
reads as the first one did (text, label and image columns). The run records where they came
from (the dataset and its version, the tag or the number of ids) in the manifest and in the new
dataset's meta; the new dataset is not computed from the old one in the store's sense, so
replacing or growing the old one leaves it alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.pipeline.annotate import check_ids, tags
from embedlab.pipeline.ingest import IngestReport
from embedlab.pipeline.interactions import ratings_part
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Workspace, validate_name

WORKSPACE_PREFIX = "workspace:"
#: what a subset takes over from the meta of the dataset it is cut from
KEPT_META = ("text_column", "label_column", "image_column", "modality", "renamed_columns")


def subset(
    workspace: Workspace,
    name: str,
    new: str,
    *,
    tag: str | None = None,
    ids: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
) -> IngestReport:
    """Store the items of dataset `name` saved under `tag` (or given by `ids` or `rows`: exactly
    one of the three) as the new dataset `new`."""
    started = time.time()
    validate_name(new, "dataset")
    dataset = workspace.dataset(name)
    if workspace.has_dataset(new):
        raise InvalidInputError(
            f"Dataset '{new}' exists already: choose another name for the subset of '{name}'."
        )
    kind = "a graph" if dataset.meta.get("kind") == "graph" else ratings_part(dataset)
    if kind is not None:  # ratings datasets carry no "kind": they were let through
        raise InvalidInputError(
            f"Dataset '{name}' holds {kind}: its items need their edges or "
            "ratings, which a subset of rows would not have. Subsets are made of table, text "
            "and image datasets."
        )
    chosen = _chosen_rows(workspace, dataset, tag, ids, rows)
    table = dataset.table.take_offsets(chosen.tolist()).to_arrow()
    origin = {"dataset": name, "version": dataset.version, "tag": tag, "n_items": len(chosen)}
    meta = {k: dataset.meta.get(k) for k in KEPT_META}
    meta |= {
        "source": f"{WORKSPACE_PREFIX}{name}",
        "n_items": len(chosen),
        "skipped_empty_text": 0,
        "subset_of": origin,
    }
    with workspace.writing():
        run = RunRecord(
            kind="ingest",
            dataset=new,
            method="subset",
            params={"source": f"{WORKSPACE_PREFIX}{name}", "tag": tag, "by": _by(tag, ids)},
            input_version=dataset.version,
        )
        run.report = {"n_items": len(chosen), "of": len(dataset)}
        workspace.save_result("dataset", new, new, table, run=run, inputs=[], meta=meta)
    return IngestReport(
        dataset=workspace.dataset(new),
        n_items=len(chosen),
        skipped_empty_text=0,
        skipped_rows=[],
        duration_s=time.time() - started,
    )


def _by(tag: str | None, ids: Sequence[str] | None) -> str:
    return "tag" if tag is not None else "ids" if ids is not None else "rows"


def _chosen_rows(
    workspace: Workspace,
    dataset: Dataset,
    tag: str | None,
    ids: Sequence[str] | None,
    rows: Sequence[int] | None,
) -> np.ndarray:
    """The dataset rows chosen, distinct and in dataset order."""
    given = [x for x in (tag, ids, rows) if x is not None]
    if len(given) != 1:
        raise InvalidInputError(
            "A subset is chosen by exactly one of a tag, item ids or rows; "
            f"got {len(given)} of them."
        )
    if tag is not None:
        saved = tags(workspace, dataset.name)
        if tag not in saved:
            raise NotFoundError(
                f"Dataset '{dataset.name}' has no tag '{tag}'. "
                + did_you_mean(tag, list(saved))
                + " Save one in the app (select items, 'Save as tag')."
            )
        ids = saved[tag]
    if ids is not None:
        check_ids(dataset, dict.fromkeys(ids, ""))
        position = {item: row for row, item in enumerate(dataset.ids())}
        rows = [position[i] for i in ids]
    assert rows is not None
    chosen = np.unique(np.asarray(rows, dtype=np.int64))
    if not chosen.size:
        raise InvalidInputError("A subset needs at least one item. Got none.")
    if chosen[0] < 0 or chosen[-1] >= len(dataset):
        bad = int(chosen[0] if chosen[0] < 0 else chosen[-1])
        raise InvalidInputError(
            f"Row {bad} is not a row of dataset '{dataset.name}' (0 to {len(dataset) - 1})."
        )
    return chosen
