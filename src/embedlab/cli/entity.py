"""Entity-embedding verbs: `categories` (a column's learned category vectors as a dataset) and
the table that `evaluate --target` prints."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from embedlab.cli.common import JsonOption, out, print_json, workspace


def categories(
    ctx: typer.Context,
    name: str,
    space: str,
    column: str,
    into: Annotated[
        str | None, typer.Option("--as", help="Name of the new dataset [default: NAME-COLUMN]")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make a dataset of COLUMN's values (id = the value, count = items with it) whose space
    SPACE holds the vectors the entity space SPACE learned for them: project it, map it, or ask
    for neighbours to see which values sit together."""
    from embedlab.pipeline.entity import categories as run_categories

    report = run_categories(workspace(ctx), name, space, column, into=into)
    if as_json:
        print_json(report.to_dict())
        return
    out.print(
        f"Dataset '{report.dataset}': {report.n_items:,} values of '{column}' "
        f"({report.other_count:,} item(s) of '{name}' fall in '<other>'), space '{space}' of "
        f"{report.dim} dimensions. Next: `embedlab project {report.dataset} {space}` or "
        f"`embedlab neighbors {report.dataset} {space} --id VALUE`."
    )


def print_encodings(name: str, comparison: Any, as_json: bool) -> None:
    """The `evaluate --target` table: one row per feature set and model."""
    if as_json:
        print_json(comparison.to_dict())
        return
    regression = comparison.task == "regression"
    metrics = ("r2", "rmse") if regression else ("accuracy", "macro_f1")
    title = (
        f"{name}: predicting '{comparison.target}' ({comparison.task}), train "
        f"{comparison.n_train:,} / test {comparison.n_test:,}"
    )
    headers = ("R^2", "RMSE") if regression else ("accuracy", "macro-F1")
    table = Table("features", "dim", "model", *headers, "seconds", title=title)
    for score in comparison.scores:
        table.add_row(
            score.features,
            f"{score.dim:,}",
            score.model,
            *(f"{score.metrics[m]:.4f}" for m in metrics),
            f"{score.seconds:.1f}",
        )
    out.print(table)
    ratio = comparison.onehot_dim / max(comparison.entity_dim, 1)
    out.print(
        f"One-hot: {comparison.onehot_dim:,} dimensions; entity: {comparison.entity_dim:,} "
        f"({ratio:.1f}x fewer). Categorical columns: {', '.join(comparison.categorical_columns)}"
        f"; numeric: {', '.join(comparison.numeric_columns) or 'none'}."
    )
    if comparison.rows_without_target:
        out.print(f"{comparison.rows_without_target:,} row(s) without a target were left out.")


def register(app: typer.Typer) -> None:
    """Add the entity verbs to the embedlab app."""
    app.command()(categories)
