"""`quality`: outliers, near-duplicates and label issues of a space, stored as dataset columns.

Every check reads the space's stored neighbour graph (built once if missing). Results go to the
dataset's `quality-SPACE` columns (replaced atomically per run) and the manifest; `export`
writes what to fix as CSV: id, issue, score, suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.distribution import find_class_imbalance, find_non_iid
from embedlab.analysis.quality import (
    check_labels_usable,
    confusion_table,
    encode_labels,
    find_label_issues,
    find_near_duplicates,
    find_outliers,
)
from embedlab.analysis.results import CheckResult
from embedlab.checks import check_int, check_seed
from embedlab.pipeline.graph import DEFAULT_K, neighbors
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Space, Workspace


@dataclass
class QualityReport:
    dataset: str
    space: str
    ids: list[str]
    checks: list[CheckResult]
    duplicate_groups: list[list[int]]
    labels: list[Any] | None = None
    suggestions: list[str | None] = field(default_factory=list)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def issues(self) -> list[dict[str, Any]]:
        """One row per flagged (item, issue), worst first within each issue."""
        rows = []
        for check in self.checks:
            for row in check.flagged():
                suggestion = self.suggestions[row] if check.name == "label_issue" else None
                rows.append(
                    {
                        "id": self.ids[row],
                        "issue": check.name,
                        "score": round(float(check.scores[row]), 6),
                        "given": self.labels[row] if self.labels is not None else None,
                        "suggestion": suggestion,
                    }
                )
        return rows

    def to_dict(self, worst: int = 20) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "space": self.space,
            "n_items": len(self.ids),
            "checks": {c.name: {**c.summary, "params": c.params} for c in self.checks},
            "duplicate_groups": [[self.ids[i] for i in g] for g in self.duplicate_groups[:100]],
            "label_confusion": self.confusion,
            "issues": self.issues()[: worst * len(self.checks)],
        }


def quality(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    label: str | None = None,
    k: int = DEFAULT_K,
    duplicate_threshold: float | None = None,
    seed: int = 0,
) -> QualityReport:
    """Outliers, near-duplicates and non-IID order of `space`; label issues and class
    imbalance when there is a label. Inputs are checked before anything is computed."""
    k, seed = check_int(k, "k", "quality", 1), check_seed(seed, "quality")
    dataset = workspace.dataset(name)
    space_obj = workspace.space(dataset, space)
    column = label or dataset.label_column
    labels = dataset.column(column) if column else None
    if labels is not None:
        check_labels_usable(labels)
    graph = neighbors(workspace, name, space_obj, k=k)
    checks = [find_outliers(graph)]
    duplicates, groups = find_near_duplicates(graph, threshold=duplicate_threshold)
    checks += [duplicates, find_non_iid(graph, seed=seed)]
    report = QualityReport(name, space, dataset.ids(), checks, groups, labels)
    if labels is not None:
        checks.append(find_class_imbalance(labels))
        with progress.task("Label issues (cross-validated probe + neighbours)", total=None):
            issues, suggested, classes = find_label_issues(
                space_obj.vectors(), labels, graph, seed=seed
            )
        checks.append(issues)
        report.suggestions = [classes[s] for s in suggested]
        codes, _, _ = encode_labels(labels)
        report.confusion = confusion_table(codes, suggested, issues.flags, classes)
    params = {"label": column, "k": k, "duplicate_threshold": duplicate_threshold, "seed": seed}
    _store(workspace, report, space_obj, params)
    return report


def _store(
    workspace: Workspace, report: QualityReport, space: Space, params: dict[str, Any]
) -> None:
    """The checks' scores, flags and raw values as the dataset's `quality-SPACE` columns; the
    run keeps every parameter, including the thresholds each check chose from the data."""
    table: dict[str, Any] = {"id": report.ids}
    for check in report.checks:
        table[f"{check.name}_score"] = check.scores.astype(np.float32)
        table[f"{check.name}_flag"] = check.flags
        if check.values is not None:
            table[f"{check.name}_value"] = check.values.astype(np.float32)
    group = np.full(len(report.ids), -1, dtype=np.int32)
    for number, rows in enumerate(report.duplicate_groups):
        group[rows] = number
    table["near_duplicate_group"] = group
    if report.suggestions:
        table["suggested_label"] = report.suggestions
    run = RunRecord(
        kind="quality",
        dataset=report.dataset,
        space=report.space,
        method="quality",
        params={**params, "checks": {c.name: c.params for c in report.checks}},
        seed=params["seed"],
    )
    run.report = {c.name: c.summary for c in report.checks}
    meta = {"space": report.space, "label": params["label"], "checks": run.report}
    key = f"quality-{report.space}"
    workspace.save_result(
        "columns", report.dataset, key, pa.table(table), run=run, inputs=[space], meta=meta
    )
