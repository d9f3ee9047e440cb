"""Ratings verbs: `recommend`, and what `ingest --interactions` and `evaluate --recommend` print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from embedlab.cli.common import JsonOption, int_option, out, print_json, workspace


def interaction_options(interactions: str | None, timestamp: str | None, items: Path | None) -> Any:
    """InteractionOptions when --interactions is given; the other two need it."""
    from embedlab.errors import InvalidInputError
    from embedlab.io.interactions import InteractionColumns
    from embedlab.pipeline.interactions import InteractionOptions

    if interactions is None:
        if timestamp is not None or items is not None:
            raise InvalidInputError(
                "--timestamp and --items describe a ratings table: give its columns with "
                "--interactions USER,ITEM[,RATING]."
            )
        return None
    return InteractionOptions(InteractionColumns.parse(interactions, timestamp), items)


def print_interactions(name: str, stats: dict[str, Any]) -> None:
    out.print(
        f"Ratings '{name}': {stats['n_items']:,} items ('{name}'), {stats['n_users']:,} users "
        f"('{stats['users_dataset']}'), {stats['n_interactions']:,} interactions from "
        f"{stats['n_rows']:,} rows (density {stats['density']:.4f})"
    )
    if stats["duplicate_pairs"]:
        out.print(
            f"  {stats['duplicate_pairs']:,} duplicate (user, item) pair(s) merged: "
            f"{stats['duplicate_rule']}",
            style="yellow",
        )
    if stats["items_without_interactions"]:
        out.print(f"  {stats['items_without_interactions']:,} item(s) nobody interacted with")


def recommend(
    ctx: typer.Context,
    name: str,
    space: str,
    user: Annotated[str, typer.Option("--user", help="The user's id (in dataset NAME-users)")],
    k: Annotated[int, int_option("-k", help="Number of recommendations", low=1)] = 10,
    explain: Annotated[
        int, int_option(help="Seen items shown as the reason for each pick", low=0)
    ] = 3,
    as_json: JsonOption = False,
) -> None:
    """The top-k items for a user that they have not seen, each explained by the seen items
    nearest to it (SPACE: a collaborative space, e.g. als)."""
    from embedlab.pipeline.recommend import recommend as run_recommend

    result = run_recommend(workspace(ctx), name, space, user, k=k, explain=explain)
    if as_json:
        print_json(result.to_dict())
        return
    if not result.picks:  # an empty table said nothing
        out.print(
            f"User {result.user!r} has seen every one of the {len(result.history):,} items of "
            f"'{name}': nothing is left to recommend."
        )
        return
    title = f"For user {result.user!r} in {space} ({len(result.history)} seen)"
    table = Table("#", "score", "id", "item", "label", "because you liked", title=title)
    for pick in result.picks:
        because = "; ".join(f"{s.text or s.id} ({s.value:g})" for s in pick.because)
        table.add_row(
            str(pick.rank), f"{pick.score:.3f}", pick.id, pick.text or "", pick.label or "", because
        )
    out.print(table)


def print_recommend_evaluation(report: Any, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    k = report.k
    title = (
        f"{report.dataset}: {report.split}, {report.n_train:,} train / {report.n_test:,} held out"
    )
    table = Table(
        "space", f"precision@{k}", f"recall@{k}", f"NDCG@{k}", "coverage", "users", "s", title=title
    )
    for r in report.results:
        table.add_row(
            r.name,
            f"{r.precision:.4f}",
            f"{r.recall:.4f}",
            f"{r.ndcg:.4f}",
            f"{r.coverage:.3f}",
            f"{r.n_users:,}",
            f"{r.seconds:.2f}",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the ratings verbs to the embedlab app."""
    app.command()(recommend)
