"""What the Data Quality and Label Quality pages show, read from the stored quality columns:
score histograms, the worst items per check, duplicate groups, suspected label errors with
their suggestions (and any correction already made), the confusion table and per-class rates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.errors import NotFoundError
from embedlab.pipeline.annotate import label_corrections
from embedlab.pipeline.image_quality import COLUMNS_NAME as IMAGE_QUALITY
from embedlab.store.workspace import Workspace, read_columns

HISTOGRAM_BINS = 30
VALUE_NAMES = {
    "outlier": "log local outlier ratio",
    "near_duplicate": "similarity to nearest",
    "dark": "brightness",
    "bright": "brightness",
    "low_contrast": "contrast",
    "blurry": "sharpness",
    "non_iid": "mean log distance in file order to neighbours",
    "short_text": "log(1 + characters)",
    "long_text": "log(1 + characters)",
    "non_letter_text": "share of letters",
    "encoding_damage": "signs of encoding damage",
    "cnn_ood": "CNN classifier score (maximum softmax or energy)",
}


def stored_quality(workspace: Workspace, name: str, space: str) -> tuple[pa.Table, dict[str, Any]]:
    """The `quality-SPACE` columns of dataset `name` and their metadata."""
    workspace.space(name, space)  # a clear error for an unknown dataset or space
    entry = workspace.result("columns", name, f"quality-{space}")
    if entry is None:
        raise NotFoundError(
            f"No quality results for space '{space}' of dataset '{name}'. Run "
            f"`embedlab quality {name} {space}` (or press 'Run quality checks' in the app)."
        )
    return read_columns(workspace.open_table(entry)), entry.meta


def data_quality(
    workspace: Workspace, name: str, space: str, *, worst: int = 24, max_groups: int = 50
) -> dict[str, Any]:
    """Per check: summary, histogram of scores, worst items; duplicate groups side by side."""
    table, meta = stored_quality(workspace, name, space)
    tables = [("quality", table, meta.get("checks", {}))]
    image_entry = workspace.result("columns", name, IMAGE_QUALITY)
    if image_entry is not None:
        image_table = read_columns(workspace.open_table(image_entry))
        tables.append(("image-quality", image_table, image_entry.meta.get("checks", {})))
    ids = table.column("id").to_pylist()
    checks: list[dict[str, Any]] = []
    for source, columns, summaries in tables:
        for column in columns.schema.names:
            check = column.removesuffix("_score")
            if not column.endswith("_score") or any(c["name"] == check for c in checks):
                continue  # the audit's own image checks come before a separate image-quality
            scores = columns.column(column).to_numpy().astype(np.float64)
            flags = columns.column(f"{check}_flag").to_numpy(zero_copy_only=False)
            summary = summaries.get(check, {})
            order = np.argsort(scores, kind="stable")[:worst]
            checks.append(
                {
                    "name": check,
                    "field": f"{'quality-' + space if source == 'quality' else source}:{column}",
                    "summary": summary,
                    "flagged": int(flags.sum()),
                    "histogram": _histogram(columns, check, scores, summary),
                    "worst": [
                        {
                            "row": int(r),
                            "id": ids[r],
                            "score": round(float(scores[r]), 6),
                            "flag": bool(flags[r]),
                        }
                        for r in order
                    ],
                }
            )
    return {
        "dataset": name,
        "space": space,
        "n_items": len(ids),
        "checks": checks,
        "duplicate_groups": _duplicate_groups(table, ids, max_groups),
    }


def label_quality(
    workspace: Workspace, name: str, space: str, *, offset: int = 0, limit: int = 50
) -> dict[str, Any]:
    """Suspected label errors, worst first, with the suggestion and any correction made."""
    table, meta = stored_quality(workspace, name, space)
    if "label_issue_score" not in table.schema.names:
        raise NotFoundError(
            f"The quality run of space '{space}' had no labels; run `embedlab quality {name} "
            f"{space} --label COLUMN`."
        )
    dataset = workspace.dataset(name)
    label_column = meta.get("label") or dataset.label_column
    given = dataset.column(label_column) if label_column else [None] * table.num_rows
    ids = table.column("id").to_pylist()
    scores = table.column("label_issue_score").to_numpy().astype(np.float64)
    flags = table.column("label_issue_flag").to_numpy(zero_copy_only=False)
    suggested = table.column("suggested_label").to_pylist()
    corrections = label_corrections(workspace, name)
    rows = np.flatnonzero(flags)
    rows = rows[np.argsort(scores[rows], kind="stable")]
    page = rows[offset : offset + limit]
    classes = sorted({str(g) for g in given if g is not None})
    return {
        "dataset": name,
        "space": space,
        "label_column": label_column,
        "classes": classes,
        "flagged": len(rows),
        "offset": offset,
        "issues": [
            {
                "row": int(r),
                "id": ids[r],
                "given": given[r],
                "suggested": suggested[r],
                "score": round(float(scores[r]), 6),
                "corrected": corrections.get(ids[r]),
            }
            for r in page
        ],
        "confusion": _confusion(given, suggested, rows),
        "per_class": _per_class(given, flags, classes),
        "corrections": len(corrections),
    }


def _histogram(
    columns: pa.Table, check: str, scores: np.ndarray, summary: dict[str, Any]
) -> dict[str, Any]:
    """Counts of the check's raw statistic (with its flag threshold) where it was stored, else
    of the score: a rank score is uniform by construction and says nothing by itself."""
    if f"{check}_value" in columns.schema.names:
        values = columns.column(f"{check}_value").to_numpy().astype(np.float64)
        values = values[np.isfinite(values)]
        threshold = summary.get("threshold", summary.get("threshold_log_ratio"))
        statistic = VALUE_NAMES.get(check, "value")
    else:
        values, threshold, statistic = scores, None, "score (0 = worst)"
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, max(high, low + 1e-9)))
    return {
        "statistic": statistic,
        "edges": edges.round(6).tolist(),
        "counts": counts.tolist(),
        "threshold": threshold,
    }


def _duplicate_groups(table: pa.Table, ids: list[str], limit: int) -> list[dict[str, Any]]:
    if "near_duplicate_group" not in table.schema.names:
        return []
    group = table.column("near_duplicate_group").to_numpy()
    similarity = table.column("near_duplicate_score").to_numpy()
    members = np.flatnonzero(group >= 0)
    groups: dict[int, list[int]] = {}
    for row in members[np.argsort(group[members], kind="stable")]:
        groups.setdefault(int(group[row]), []).append(int(row))
    return [
        {
            "group": number,
            "rows": rows,
            "ids": [ids[r] for r in rows],
            "score": round(float(similarity[rows].min()), 6),
        }
        for number, rows in list(groups.items())[:limit]
    ]


def _confusion(given: list[Any], suggested: list[Any], rows: np.ndarray) -> dict[str, Any]:
    table: dict[str, dict[str, int]] = {}
    for r in rows:
        cells = table.setdefault(str(given[r]), {})
        cells[str(suggested[r])] = cells.get(str(suggested[r]), 0) + 1
    return table


def _per_class(given: list[Any], flags: np.ndarray, classes: list[str]) -> list[dict[str, Any]]:
    labels = np.array([str(g) if g is not None else "" for g in given], dtype=object)
    result = []
    for label in classes:
        in_class = labels == label
        total = int(in_class.sum())
        issues = int((flags & in_class).sum())
        result.append(
            {"label": label, "items": total, "issues": issues, "rate": round(issues / total, 6)}
        )
    return result
