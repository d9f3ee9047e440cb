"""Quality verbs: `quality`, `autolabel`, `impute` and `image-quality`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from embedlab.cli.common import (
    JsonOption,
    SeedOption,
    err,
    int_option,
    out,
    parse_params,
    print_json,
    workspace,
)
from embedlab.errors import InvalidInputError

TABLE_HIDDEN = (
    "flagged",
    "issue_rate_per_class",
    "class_counts",
    "confusion",
    "groups",
    "near_miss_groups",
)


def quality_command(
    ctx: typer.Context,
    name: str,
    space: str,
    label: Annotated[str | None, typer.Option(help="Label column [default: the label]")] = None,
    export: Annotated[Path | None, typer.Option(help="Write what to fix as CSV")] = None,
    duplicate_threshold: Annotated[
        float | None, typer.Option(help="Cosine similarity of near-duplicates [default: by data]")
    ] = None,
    k: Annotated[int, int_option("-k", help="Neighbours per item in the graph", low=1)] = 15,
    param: Annotated[
        list[str] | None,
        typer.Option(help="CHECK.OPTION=VALUE for any check, e.g. outlier.fence=2.5 (repeat)"),
    ] = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """The whole audit of a space: outliers (local, global, groups), near-duplicates (with
    image and text hashes), non-IID order, label issues with suggested labels and class
    imbalance, image checks for images and text checks for texts."""
    from embedlab.analysis.checks import parse_check_params
    from embedlab.pipeline.export import export_issues
    from embedlab.pipeline.quality import quality

    report = quality(
        workspace(ctx),
        name,
        space,
        label=label,
        k=k,
        duplicate_threshold=duplicate_threshold,
        seed=seed,
        params=parse_check_params(parse_params(param)),
    )
    if export is not None:
        path = export_issues(report, export)
        if not as_json:
            out.print(f"Wrote {len(report.issues()):,} issues to {path}")
    if as_json:
        print_json(report.to_dict())
        return
    _print_quality(name, space, report)


def _print_quality(name: str, space: str, report: Any) -> None:
    summary = Table("check", "flagged", "details", title=f"Quality of '{name}' in '{space}'")
    # summary entries too long for a table cell (all of them are in --json)
    summary.columns[2].overflow = "fold"
    for check in report.checks:
        details = {k: v for k, v in check.summary.items() if k not in TABLE_HIDDEN}
        summary.add_row(
            check.name,
            f"{check.summary['flagged']:,}",
            ", ".join(f"{k}={v}" for k, v in details.items()),
        )
    out.print(summary)
    for check, reason in report.not_run.items():
        out.print(f"Not run: {check} ({reason}).")
    if report.corrections_applied:
        out.print(f"Audited with {report.corrections_applied:,} corrected label(s).")
    if report.recheck:
        line = "; ".join(
            f"{check} {c['resolved']:,} resolved, {c['remaining']:,} remain, {c['new']:,} new"
            for check, c in report.recheck.items()
            if c["resolved"] or c["remaining"] or c["new"]
        )
        out.print(f"Since the last run: {line or 'nothing flagged before or now'}.")
    issues = [i for i in report.issues() if i["issue"] == "label_issue"][:15]
    if issues:
        table = Table("id", "given", "suggested", "score", title="Worst label issues")
        for issue in issues:
            table.add_row(
                issue["id"], str(issue["given"]), str(issue["suggestion"]), f"{issue['score']:.3f}"
            )
        out.print(table)


def autolabel(
    ctx: typer.Context,
    name: str,
    space: str,
    label: Annotated[str | None, typer.Option(help="Label column [default: the label]")] = None,
    known: Annotated[
        int | None, int_option(help="Hide all but this many labels and measure accuracy", low=1)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Label every item from a few known labels (label spreading on the neighbour graph)."""
    from embedlab.pipeline.autolabel import autolabel as run_autolabel

    report = run_autolabel(workspace(ctx), name, space, label=label, known=known)
    if as_json:
        print_json(report.to_dict())
        return
    line = f"Labelled {report.predicted:,} items from {report.known:,} known labels"
    if report.accuracy is not None:
        line += f": accuracy {report.accuracy:.3f} on the hidden labels"
    out.print(f"{line} (mean confidence {report.mean_confidence:.3f}).")


def impute(
    ctx: typer.Context,
    name: str,
    space: str,
    column: str,
    as_json: JsonOption = False,
) -> None:
    """Estimate a column's missing values from each item's neighbours (and measure how well,
    by hiding 10% of the known values)."""
    from embedlab.pipeline.impute import impute as run_impute

    report = run_impute(workspace(ctx), name, space, column)
    if as_json:
        print_json(report)
        return
    evaluation = report["evaluation"]
    out.print(f"'{column}': {report['missing']:,} missing, {report['estimated']:,} estimated.")
    if evaluation["kind"] == "numeric":
        out.print(
            f"On {evaluation['hidden']:,} hidden known values: mean absolute error "
            f"{evaluation['mae']} (column mean as guess: {evaluation['baseline_mae']})."
        )
    else:
        out.print(
            f"On {evaluation['hidden']:,} hidden known values: accuracy "
            f"{evaluation['accuracy']} (most common value as guess: "
            f"{evaluation['baseline_accuracy']})."
        )


def image_quality_command(
    ctx: typer.Context,
    name: str,
    threshold: Annotated[
        list[str] | None,
        typer.Option(help="CHECK=VALUE absolute threshold (dark, bright, low_contrast, blurry)"),
    ] = None,
    fence: Annotated[float, typer.Option(help="Robust fence in MADs for relative flags")] = 3.0,
    as_json: JsonOption = False,
) -> None:
    """Check every image (dark, bright, low contrast, blurry, odd colour or shape, duplicates);
    scores and flags are stored as the dataset's image-quality columns."""
    from embedlab.pipeline.image_quality import image_quality

    thresholds = _numbers(parse_params(threshold, "--threshold"), "--threshold")
    if not (math.isfinite(fence) and fence > 0):
        raise InvalidInputError(f"--fence expects a number > 0 (MADs). Got {fence} instead.")
    report = image_quality(workspace(ctx), name, thresholds=thresholds, fence=fence)
    if as_json:
        print_json(report.to_dict())
        return
    table = Table(
        "check",
        "flagged",
        "threshold",
        "worst items (score)",
        title=f"Image quality of '{name}': {len(report.ids):,} images",
    )
    for check in report.checks:
        worst = ", ".join(f"{i} ({s:.3f})" for i, s in report.worst(check.name, 3))
        threshold_text = str(check.summary.get("threshold", ""))
        table.add_row(check.name, f"{check.summary['flagged']:,}", threshold_text, worst)
    out.print(table)


def _numbers(values: dict[str, str], option: str) -> dict[str, float]:
    """KEY=VALUE pairs whose values must be finite numbers."""
    numbers = {}
    for key, text in values.items():
        try:
            numbers[key] = float(text)
        except ValueError:
            numbers[key] = math.nan
        if not math.isfinite(numbers[key]):
            raise InvalidInputError(
                f"{option} {key}=VALUE expects a finite number. Got {text!r} instead."
            )
    return numbers


def correct(
    ctx: typer.Context,
    name: str,
    corrections: Annotated[Path, typer.Argument(help="CSV/TSV/JSONL/Parquet: id + label")],
    column: Annotated[
        str | None,
        typer.Option(help="Column of the corrected label [default: corrected, label, suggestion]"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record label corrections from a file (e.g. `quality --export`'s CSV, edited: its label
    issues' suggestions are taken). The given labels stay; the next `quality` run audits the
    corrected ones and says which earlier issues are resolved."""
    from embedlab.pipeline.corrections import correct_from_file

    read = correct_from_file(workspace(ctx), name, corrections, column)
    if read.new_labels:
        shown = ", ".join(f"'{label}'" for label in read.new_labels[:10])
        err.print(
            f"Note: {len(read.new_labels)} corrected label(s) no item of '{name}' had before "
            f"start new classes: {shown}. If one is a typo, record the right label again.",
            style="yellow",
            markup=False,
            highlight=False,
        )
    if as_json:
        print_json(
            {
                "recorded": len(read.corrections),
                "skipped": read.skipped,
                "new_labels": read.new_labels,
            }
        )
        return
    skipped = ", ".join(f"{n:,} {why}" for why, n in read.skipped.items())
    out.print(
        f"Recorded {len(read.corrections):,} label correction(s) for '{name}'"
        + (f" (skipped {skipped})" if skipped else "")
        + f". Run `embedlab quality {name} SPACE` to re-check."
    )


def register(app: typer.Typer) -> None:
    """Add the quality verbs to the embedlab app."""
    app.command("quality")(quality_command)
    app.command()(correct)
    app.command()(autolabel)
    app.command()(impute)
    app.command("image-quality")(image_quality_command)
