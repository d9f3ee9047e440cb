"""The `embedlab` command line: thin wrappers over the pipeline functions.

Results go to stdout (`--json` prints only JSON there); progress bars and errors go to stderr.
Every error, a usage error included, prints as one paragraph and exits with code 2; Ctrl+C
exits with 130 and says what was kept. One module per group of verbs registers its commands on
`app`; they share `common`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from embedlab import progress
from embedlab.cli import (
    aliases,
    data,
    demo,
    entity,
    overlays,
    quality,
    recommend,
    serve,
    spaces,
    tokens,
    words,
)
from embedlab.cli.common import CliState, err
from embedlab.cli.reporter import RichReporter
from embedlab.errors import EmbedlabError

__all__ = ["app", "main"]

#: commands whose interrupted run picks up where it stopped when run again
RESUMABLE = {"embed": "committed batches are kept; run the same command again to resume"}
NOT_RESUMABLE = "what was stored before this command is intact"


class Interrupted(Exception):
    """Ctrl+C during a command, carried past typer (which turns it into a silent exit 130)."""

    def __init__(self, command: str | None) -> None:
        super().__init__(f"Interrupted: {RESUMABLE.get(command or '', NOT_RESUMABLE)}.")


class EmbedlabGroup(TyperGroup):
    """The top-level group: remembers which command Ctrl+C interrupted."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted(ctx.invoked_subcommand) from None


app = typer.Typer(
    name="embedlab",
    cls=EmbedlabGroup,
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


_MODULES = (data, spaces, overlays, quality, words, tokens, aliases, serve, demo, recommend, entity)
for _module in _MODULES:
    _module.register(app)


def _print_error(message: str) -> None:
    err.print(f"[bold red]Error:[/bold red] {escape(message)}", highlight=False)


def _run_app() -> int:
    """Run the app; usage errors print as one paragraph. Returns the exit code."""
    try:
        result = app(prog_name="embedlab", standalone_mode=False)
    except typer.TyperException as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # the help is already printed
            return error.exit_code
        ctx = getattr(error, "ctx", None)
        hint = f" See `{ctx.command_path} --help`." if ctx is not None else ""
        _print_error(error.format_message() + hint)
        return error.exit_code
    return result if isinstance(result, int) else 0


def main() -> None:
    """Entry point: runs the app with progress bars and turns embedlab errors into exit code 2."""
    try:
        with progress.use_reporter(RichReporter(err)):
            code = _run_app()
    except EmbedlabError as error:
        _print_error(str(error))
        sys.exit(2)
    except Interrupted as stop:
        err.print(str(stop), markup=False, highlight=False)
        sys.exit(130)
    except KeyboardInterrupt:  # outside any command (starting up, parsing)
        err.print(Interrupted(None), markup=False, highlight=False)
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
    sys.exit(code)
