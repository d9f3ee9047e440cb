"""The `embedlab` command line: thin wrappers over the pipeline functions.

Results go to stdout (`--json` prints only JSON there); progress bars and errors go to stderr.
Every error embedlab raises on purpose prints as one paragraph and exits with code 2.
One module per group of verbs registers its commands on `app`; they share `common`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from embedlab import progress
from embedlab.cli import aliases, data, demo, quality, serve, spaces, words
from embedlab.cli.common import CliState, err
from embedlab.cli.reporter import RichReporter
from embedlab.errors import EmbedlabError

__all__ = ["app", "main"]

app = typer.Typer(
    name="embedlab",
    help="Make, check, use and see embeddings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (default: $EMBEDLAB_WORKSPACE or ./embedlab-workspace)",
        ),
    ] = None,
) -> None:
    ctx.obj = CliState(workspace_path=workspace)


for _module in (data, spaces, quality, words, aliases, serve, demo):
    _module.register(app)


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
