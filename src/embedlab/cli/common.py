"""What every command module of the CLI shares: the consoles, the workspace on typer's context,
JSON printing, --param parsing and the option types with their ranges."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from embedlab.errors import InvalidInputError
from embedlab.store.workspace import Workspace, default_workspace_path

# markup off: user text (labels, column names, texts) is printed as it is, never as rich markup
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True)

#: numpy's and scikit-learn's seeds are unsigned 32-bit ints.
MAX_SEED = 2**32 - 1

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]
SeedOption = Annotated[int, typer.Option(help="Random seed", min=0, max=MAX_SEED)]


@dataclass
class CliState:
    """What the top-level options set, kept on `ctx.obj` for the commands (no module globals).
    The workspace is opened on first use so that a usage error creates nothing."""

    workspace_path: Path | None = None
    _workspace: Workspace | None = field(default=None, repr=False)

    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = Workspace(self.workspace_path or default_workspace_path())
        return self._workspace


def workspace(ctx: typer.Context) -> Workspace:
    """The workspace chosen with --workspace (or the default) for this invocation."""
    state = ctx.find_object(CliState)
    return (state or CliState()).workspace()


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout, nothing else (values JSON lacks become strings)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def parse_params(values: list[str] | None) -> dict[str, str]:
    """Repeated KEY=VALUE options (--param, --threshold) as a dict; the values stay text."""
    params: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"--param expects KEY=VALUE; got {item!r}.")
        params[key.strip()] = value
    return params


def warn_deprecated(old: str, replacement: str) -> None:
    """One line on stderr: `old` still works but is going away in favour of `replacement`."""
    err.print(
        f"Warning: `embedlab {old}` is deprecated; use `embedlab {replacement}` instead.",
        style="yellow",
        markup=False,
        highlight=False,
    )
