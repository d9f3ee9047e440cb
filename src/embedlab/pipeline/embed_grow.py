"""Embedding only the new items of a grown dataset (rows appended with `ingest --append`).

A space computed from an older version of its dataset, with the same method, parameters and
columns, is extended rather than recomputed: the method keeps the state it was fitted with,
the old vectors are kept as they are (so the maps of the space stay valid) and only the new
rows are embedded. The partial table of the run starts with the old vectors, so the run resumes
like any other; `embed --force` refits and embeds every item instead.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.errors import EmbedlabError
from embedlab.methods.base import Embedder, get
from embedlab.pipeline.embed_state import PARTIAL_SUFFIX, Progress, space_schema
from embedlab.store.catalog import Entry
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Workspace

#: modalities whose vectors depend on every item together (a graph, the ratings): never grown
WHOLE_SET_MODALITIES = ("graph", "interactions")
COPY_ROWS = 65_536


def signature_matches(meta: dict[str, Any], signature: dict[str, Any]) -> bool:
    """Whether a stored space's method, parameters and columns are `signature`'s. A parameter
    the stored space lacks counts as its default: it was added to the method after the space
    was made, and the space was computed as that default does."""
    for key, wanted in signature.items():
        stored = meta.get(key)
        if key == "params" and isinstance(stored, dict) and isinstance(wanted, dict):
            defaults = _defaults(str(signature.get("method", "")))
            stored = {**{k: v for k, v in defaults.items() if k in wanted}, **stored}
        if stored != wanted:
            return False
    return True


def _defaults(method: str) -> dict[str, Any]:
    try:
        return get(method).default_params()
    except EmbedlabError:  # a method no longer registered: no defaults to fill in
        return {}


def growable(workspace: Workspace, complete: Entry | None, signature: dict[str, Any]) -> bool:
    """Whether `complete` (the stored space) can be grown instead of recomputed: same method,
    parameters and columns, stale only because its dataset grew since, state still saved."""
    if complete is None or complete.status != "complete":
        return False
    if not signature_matches(complete.meta, signature):
        return False
    if complete.meta.get("modality") in WHOLE_SET_MODALITIES:
        return False
    n_before = workspace.grown_rows(complete)
    state_run = complete.meta.get("state_run", "")
    return (
        n_before is not None
        and n_before == complete.meta.get("n_items")
        and bool(state_run)
        and workspace.model_path(state_run).exists()
    )


def start_growth(
    workspace: Workspace,
    estimator: Embedder,
    grows: Entry,
    signature: dict[str, Any],
    run: RunRecord,
    dataset: Dataset,
    space: str,
) -> Progress:
    """Load the state `grows` was fitted with into `estimator`, copy its vectors into a new
    partial table and commit that as partial: the new rows are left to do."""
    state_run = grows.meta["state_run"]
    estimator.set_state(workspace.load_model_state(state_run))
    dim = int(grows.meta["dim"])
    schema = space_schema(dim)
    table_name = workspace.table_name("space", dataset.name, space, run.run_id, ".partial")
    table = workspace.create_empty_table(table_name, schema)
    report = grows.meta.get("method_report", {})
    counts = json.dumps({k: report.get(k, 0) for k in estimator.counted_keys})
    n_old = 0
    query = workspace.open_table(grows).search().select(["row", "id", "vector"]).limit(None)
    for batch in query.to_batches(COPY_ROWS):
        n = batch.num_rows
        column = pa.array(([counts] if n_old == 0 else [None]) + [None] * (n - 1), pa.string())
        rows = pa.Table.from_batches([batch]).append_column("counts", column)
        table.add(rows.select(schema.names).cast(schema))
        n_old += n
    fit_report = {k: v for k, v in report.items() if k not in estimator.counted_keys}
    meta = {**signature, "dim": dim, "fit_report": fit_report}
    meta |= {"grows": grows.run_id, "state_run": state_run}
    workspace.commit(
        "space",
        dataset.name,
        space + PARTIAL_SUFFIX,
        table_name,
        meta,
        run,
        "partial",
        inputs=[dataset],
    )
    done = np.arange(n_old, dtype=np.int64)
    return Progress(table, dim, done, fit_report, grows, state_run)
