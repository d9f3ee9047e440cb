"""`quality`: the one audit of a space. Every registered check whose needs the dataset meets
runs: vector checks on the space's stored neighbour graph (built once if missing), label
checks when there is a label, image checks for image datasets (and the CNN classifier's
out-of-distribution check when the dataset has an efficientnet-lite0 space), text checks for
text datasets; the checks a label or a CNN space would enable are listed with why they did not
run. Results go to the dataset's `quality-SPACE` columns (replaced atomically per run) with every
option of every check in the run's params; `export` writes what to fix as CSV: id, issue,
score, given, suggestion, signal, group. Label corrections recorded so far are applied to the
audited labels (the given ones stay as they are), and the run says how many of the previous
run's issues are resolved, remain, or are new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.checks import CheckData, registered_checks, resolve_options, run_checks
from embedlab.analysis.checks.base import inputs_present
from embedlab.analysis.quality import check_labels_usable, drop_rare_classes
from embedlab.analysis.results import CheckResult
from embedlab.checks import check_int, check_seed
from embedlab.errors import InvalidInputError
from embedlab.pipeline.classifier_scores import CNN_METHOD, classifier_scores, cnn_space
from embedlab.pipeline.corrections import apply_corrections, recheck
from embedlab.pipeline.graph import DEFAULT_K, neighbors
from embedlab.pipeline.image_quality import measure_images
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Space, Workspace


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
    #: how many labels the recorded corrections changed for this run
    corrections_applied: int = 0
    #: per check, the previous run's flags resolved / remaining and the new ones
    recheck: dict[str, dict[str, int]] = field(default_factory=dict)
    #: checks that did not run although the user could enable them, and why
    not_run: dict[str, str] = field(default_factory=dict)

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def issues(self) -> list[dict[str, Any]]:
        """One row per flagged (item, issue), worst first within each issue, with the signal
        that raised the flag."""
        rows = []
        for check in self.checks:
            group_of = check.group_numbers()
            for row in check.flagged():
                suggestion = check.suggestions[row] if check.suggestions is not None else None
                if check.name == "near_duplicate" and int(row) in group_of:
                    keeper = check.groups[group_of[int(row)] - 1][0]
                    suggestion = f"remove: a copy of {self.ids[keeper]}"
                rows.append(
                    {
                        "id": self.ids[row],
                        "issue": check.name,
                        "score": round(float(check.scores[row]), 6),
                        "given": self.labels[row] if self.labels is not None else None,
                        "suggestion": suggestion,
                        "signal": check.signal(row),
                        "group": group_of.get(int(row)),
                    }
                )
        return rows

    def to_dict(self, worst: int = 20) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "space": self.space,
            "n_items": len(self.ids),
            "checks": {c.name: {**c.summary, "params": c.params} for c in self.checks},
            "corrections_applied": self.corrections_applied,
            "recheck": self.recheck,
            "not_run": self.not_run,
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
    params: dict[str, dict[str, Any]] | None = None,
) -> QualityReport:
    """Every check that applies to `space` of dataset `name`; `params` sets options per
    check ({'outlier': {'fence': 2.5}}), `k` the graph's neighbours and `duplicate_threshold`
    near_duplicate's threshold. Inputs are checked before anything is computed."""
    k, seed = check_int(k, "k", "quality", 1), check_seed(seed, "quality")
    options = resolve_options(params or {})
    if duplicate_threshold is not None:
        options.setdefault("near_duplicate", {})["threshold"] = float(duplicate_threshold)
    dataset = workspace.dataset(name)
    space_obj = workspace.space(dataset, space)
    column = label or dataset.label_column
    labels = dataset.column(column) if column else None
    applied = 0
    if labels is not None and column == dataset.label_column:
        labels, applied = apply_corrections(workspace, dataset, labels)
    unusable = None
    if labels is not None:
        try:
            _check_label_column(labels, column, options.get("label_issue", {}).get("folds", 5))
        except InvalidInputError as error:
            if label is not None:  # asked for by --label: refused, saying why
                raise
            # the dataset's own label column of one class: the whole audit was refused, with
            # no option to run it without the label
            unusable, labels = str(error).rstrip("."), None
    cnn = cnn_space(workspace, dataset, space_obj)
    not_run = _not_run(options, dataset, space, labels is not None, cnn is not None)
    if unusable is not None:
        for check in ("label_issue", "class_imbalance"):
            not_run[check] = f"label column '{column}' cannot be checked: {unusable}"
    previous = workspace.result("columns", name, f"quality-{space}")
    graph = neighbors(workspace, name, space_obj, k=k)
    data = CheckData(
        ids=dataset.ids(),
        vectors=space_obj.vectors(),
        graph=graph,
        labels=labels,
        texts=dataset.texts() if dataset.text_column else None,
        images=measure_images(workspace, dataset) if dataset.meta.get("image_column") else None,
        classifier=classifier_scores(workspace, dataset, cnn) if cnn is not None else None,
        seed=seed,
    )
    with progress.task("Quality checks", total=None):
        checks = run_checks(data, options)
    report = _report(name, space, data, checks)
    report.corrections_applied = applied
    report.not_run = not_run
    report.recheck = recheck(workspace, previous, data.ids, {c.name: c.flags for c in checks})
    run_params = {
        "label": column,
        "k": k,
        "duplicate_threshold": duplicate_threshold,
        "corrections_applied": applied,
        "cnn_space": cnn.name if cnn is not None else None,
    }
    sources = [space_obj] + ([cnn] if cnn is not None and cnn.name != space_obj.name else [])
    _store(workspace, report, sources, {**run_params, "seed": seed, "options": options})
    return report


NEEDS_HINT = {
    "labels": "a label column",
    "images": "an image dataset",
    "texts": "a text column",
    "classifier": f"an {CNN_METHOD} space (embedlab embed NAME --method {CNN_METHOD})",
}


ENABLEABLE = {"labels", "classifier"}  # needs a user can meet on this dataset


def _check_label_column(labels: list[Any], column: str | None, folds: int) -> None:
    """Refuse a label column the label check cannot use, saying why: classes with fewer items
    than the check's folds are left out, and too few classes may remain (a column of numbers or
    ids has one item per value)."""
    kept, rare = drop_rare_classes(labels, folds=folds)
    try:
        check_labels_usable(kept, folds=folds)
    except InvalidInputError as error:
        if not rare:
            raise
        distinct = len(rare) + len({str(v) for v in kept if v is not None})
        unique = max(rare.values()) == 1 and distinct == len(rare)
        why = (
            "every value labels one item only: a column of numbers or ids is no class label"
            if unique
            else "expected a column of class labels with several items per class"
        )
        raise InvalidInputError(
            f"Label column '{column}' has {distinct} distinct value(s), and {len(rare)} of them "
            f"label fewer than {folds} items each (the label check's folds): those items are "
            f"left out, which leaves fewer than 2 classes to check. {why[0].upper()}{why[1:]}; "
            "pass another with --label, or lower label_issue.folds."
        ) from error


def _not_run(
    options: dict[str, dict[str, Any]], dataset: Dataset, space: str, labels: bool, cnn: bool
) -> dict[str, str]:
    """Why the checks that cannot run on this dataset and that the user could enable (with a
    label, a CNN space) do not run. Options given for any check that cannot run are an error
    that says what it needs, not silently ignored."""
    available = inputs_present(
        graph=True,
        vectors=True,
        labels=labels,
        images=bool(dataset.meta.get("image_column")),
        texts=bool(dataset.text_column),
        classifier=cnn,
    )
    reasons = {}
    for name, check in registered_checks().items():
        missing = sorted(check.needs - available)
        if not missing:
            continue
        needs = " and ".join(NEEDS_HINT.get(m, m) for m in missing)
        reason = f"it needs {needs.replace('NAME', dataset.name)}"
        if name in options:
            raise InvalidInputError(
                f"The '{name}' check does not apply to space '{space}' of dataset "
                f"'{dataset.name}': {reason}."
            )
        if set(missing) <= ENABLEABLE:
            reasons[name] = reason
    return reasons


def _report(name: str, space: str, data: CheckData, checks: list[CheckResult]) -> QualityReport:
    report = QualityReport(name, space, data.ids, checks, [], data.labels)
    duplicates = report.check("near_duplicate")
    if duplicates is not None:
        report.duplicate_groups = duplicates.groups
    issues = report.check("label_issue")
    if issues is not None and issues.suggestions is not None:
        report.suggestions = issues.suggestions
        report.confusion = issues.summary.get("confusion", {})
    return report


def _store(
    workspace: Workspace, report: QualityReport, sources: list[Space], params: dict[str, Any]
) -> None:
    """The checks' scores, flags, signals and raw values as the dataset's `quality-SPACE`
    columns; the run keeps every option of every check, including the thresholds each check
    chose from the data."""
    table: dict[str, Any] = {"id": report.ids}
    for check in report.checks:
        table[f"{check.name}_score"] = check.scores.astype(np.float32)
        table[f"{check.name}_flag"] = check.flags
        table[f"{check.name}_signal"] = pa.array([str(s) for s in check.signals], pa.string())
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
    meta = {
        "space": report.space,
        "label": params["label"],
        "checks": run.report,
        "recheck": report.recheck,
    }
    key = f"quality-{report.space}"
    workspace.save_result(
        "columns", report.dataset, key, pa.table(table), run=run, inputs=sources, meta=meta
    )
