"""`impute`: estimate the missing values of a column from each item's neighbours in a space,
and measure how well that works by hiding known values. Stored as `impute-SPACE-COLUMN`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.analysis.impute import estimate_missing, evaluate_estimates, missing_mask
from embedlab.checks import check_int, check_seed
from embedlab.pipeline.graph import DEFAULT_K, check_enough_items, neighbors
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace


def impute(
    workspace: Workspace, name: str, space: str, column: str, *, k: int = DEFAULT_K, seed: int = 0
) -> dict[str, Any]:
    """Estimates for the missing values of `column`, and an evaluation on hidden known ones."""
    k, seed = check_int(k, "k", "impute", 1), check_seed(seed, "impute")
    dataset = workspace.dataset(name)
    values = dataset.column(column)
    space_obj = workspace.space(dataset, space)
    check_enough_items(len(space_obj.source), k, "impute", name)
    graph = neighbors(workspace, name, space_obj, k=k)
    estimates = estimate_missing(graph, values)
    evaluation = evaluate_estimates(graph, values, seed=seed)
    missing_rows = np.flatnonzero(missing_mask(values)).tolist()
    missing_set = set(missing_rows)
    filled = [estimates.values[i] if i in missing_set else v for i, v in enumerate(values)]
    estimated = np.zeros(len(values), dtype=bool)
    estimated[missing_rows] = True
    table = pa.table(
        {
            "id": dataset.ids(),
            f"{column}_filled": pa.array([None if v is None else str(v) for v in filled])
            if not estimates.numeric
            else pa.array(filled, pa.float64()),
            f"{column}_estimated": estimated,
            f"{column}_support": estimates.support.astype(np.float32),
        }
    )
    run = RunRecord(
        kind="impute",
        dataset=name,
        space=space,
        method="neighbour-estimate",
        params={"column": column, "k": k},
        seed=seed,
    )
    run.report = {"missing": len(missing_rows), **evaluation}
    meta = {"space": space, **run.report}
    key = f"impute-{space}-{column}"
    workspace.save_result("columns", name, key, table, run=run, inputs=[space_obj], meta=meta)
    return {
        "dataset": name,
        "space": space,
        "column": column,
        "missing": len(missing_rows),
        "estimated": int(sum(estimates.values[i] is not None for i in missing_rows)),
        "evaluation": evaluation,
        "examples": [
            {
                "id": dataset.ids()[i],
                "estimate": estimates.values[i],
                "support": round(float(estimates.support[i]), 3),
            }
            for i in missing_rows[:10]
        ],
    }
