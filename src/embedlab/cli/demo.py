"""`embedlab demo`: a case study end to end, then the app."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from embedlab.cli.common import MAX_PORT, JsonOption, err, int_option, out, print_json, workspace
from embedlab.errors import InvalidInputError


def demo(
    ctx: typer.Context,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop before serving the app")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="All 70,000 Fashion-MNIST images, not the test split")
    ] = False,
    case: Annotated[
        str,
        typer.Option(
            help="Case study: fashion (images), reviews (Rotten Tomatoes texts) or karate "
            "(Zachary's karate club graph, DeepWalk)"
        ),
    ] = "fashion",
    limit: Annotated[
        int | None, int_option(help="A seeded sample of N items (a quick try)", low=1)
    ] = None,
    port: Annotated[int, int_option(help="Port of the app", low=1, high=MAX_PORT)] = 5757,
    as_json: JsonOption = False,
) -> None:
    """Run a case study end to end (reuses whatever is already computed), then open the app."""
    from embedlab.pipeline.demo import CASES, run_demo

    if case not in ("fashion", "reviews", "karate"):
        raise InvalidInputError(f"Unknown case '{case}'; use 'fashion', 'reviews' or 'karate'.")
    from embedlab.api.server import ensure_port_free, has_display, run_server, serve_settings

    settings = serve_settings("127.0.0.1", port, None)
    if not no_serve:  # a busy port is found before the case study runs, not after
        ensure_port_free(settings)
    ws = workspace(ctx)
    summary = run_demo(ws, case="fashion-full" if full and case == "fashion" else case, limit=limit)
    if as_json:
        print_json(summary.to_dict())
    else:
        _print_demo(summary, CASES[case].query_by)
    if not no_serve:
        ensure_port_free(settings)
        where = "opening it in your browser" if has_display() else "open it in a browser"
        err.print(f"The app is at {settings.url} ({where}; Ctrl+C stops).", highlight=False)
        run_server(ws, settings, open_browser=True)


def _print_demo(summary: Any, query_by: str) -> None:
    out.print(
        f"embedlab demo: {summary.n_items:,} items x {summary.dim} dimensions "
        f"('{summary.space}' space of '{summary.dataset}') in {summary.workspace}",
        style="bold",
    )
    stages = Table("stage", "seconds", "", "detail")
    for stage in summary.stages:
        stages.add_row(
            stage.name, f"{stage.seconds:.2f}", "reused" if stage.reused else "", stage.detail
        )
    out.print(stages)
    flagged = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in summary.quality.items())
    out.print(f"Quality of '{summary.space}': {flagged} flagged")
    if summary.accuracy is not None:
        out.print(
            f"Label accuracy of '{summary.space}' (leave-one-out linear probe): "
            f"{summary.accuracy:.3f}"
        )
    for query, hits in summary.queries:
        title = f"nearest to item {query}" if query_by == "id" else query
        out.print(f"\n{title}", style="bold")
        for hit in hits:
            snippet = (hit.text or hit.id).replace("\n", " ")
            out.print(f"  {hit.score:.3f} [{hit.label}] {snippet[:110]}")
    out.print(f"\nMap coloured by label: {summary.plot}")


def register(app: typer.Typer) -> None:
    """Add `demo` to the embedlab app."""
    app.command()(demo)
