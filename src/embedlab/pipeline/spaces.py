"""Storing a space: the one way every path that makes vectors (embed, words, de-biasing) writes
them, so a space's table and metadata have one shape whatever made it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.methods.base import Embedder
from embedlab.store.catalog import Entry
from embedlab.store.manifest import RunRecord
from embedlab.store.provenance import Versioned
from embedlab.store.workspace import Dataset, Space, Workspace, vectors_to_arrow


def space_table(ids: Sequence[str], vectors: np.ndarray) -> pa.Table:
    """Rows in dataset order: `row`, `id`, `vector` (float32)."""
    return pa.table(
        {
            "row": pa.array(np.arange(len(ids)), pa.int64()),
            "id": pa.array(list(ids), pa.string()),
            "vector": vectors_to_arrow(vectors),
        }
    )


def store_space(
    workspace: Workspace,
    dataset: Dataset,
    space: str,
    table: pa.Table | pa.RecordBatchReader,
    *,
    estimator: Embedder,
    signature: dict[str, Any],
    run: RunRecord,
    method_report: dict[str, Any],
    inputs: Sequence[Versioned | Entry] | None = None,
    extra: dict[str, Any] | None = None,
    grows: Entry | None = None,
) -> Space:
    """Make `table` (see `space_table`) the space `space` of `dataset` in one commit: metadata
    (method, params, columns, dimension, modality, the run whose fitted state it uses, the
    method's report) and provenance (the dataset, or the given inputs). A stream of batches
    (`table` a RecordBatchReader) holds every row of the dataset, in order. With `grows` (the
    space this one extends: its rows first, unchanged) the maps of that space are kept."""
    dim = int(table.schema.field("vector").type.list_size)
    n_items = table.num_rows if isinstance(table, pa.Table) else len(dataset)
    meta = {
        **signature,
        "dim": dim,
        "n_items": n_items,
        "modality": estimator.modality,
        "pretrained": estimator.pretrained,
        "state_run": run.run_id,
        "method_report": method_report,
        **(extra or {}),
    }
    run.report = {"n_items": n_items, "dim": dim, **method_report}
    workspace.save_result(
        "space",
        dataset.name,
        space,
        table,
        run=run,
        inputs=inputs or [dataset],
        meta=meta,
        grows=grows,
    )
    return workspace.space(dataset, space)
