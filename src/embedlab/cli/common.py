"""What every command module of the CLI shares: the consoles, the workspace on typer's context,
JSON printing, --param parsing and the option types with their ranges."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from embedlab.checks import MAX_SEED
from embedlab.errors import InvalidInputError
from embedlab.store.workspace import Workspace, default_workspace_path

# markup off: user text (labels, column names, texts) is printed as it is, never as rich markup
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True)

#: numpy's and scikit-learn's seeds are unsigned 32-bit ints.
MAX_PORT = 65535

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


def int_in_range(low: int, high: int | None = None) -> Callable[[int | None], int | None]:
    """A typer option callback refusing ints outside [low, high] (no upper bound when `high` is
    None) with a usage error that gives the range and the value (typer's own omits the value)."""
    expected = f"an int >= {low}" if high is None else f"an int in [{low}, {high}]"

    def check(value: int | None) -> int | None:
        if value is not None and (value < low or (high is not None and value > high)):
            raise typer.BadParameter(f"expected {expected}; got {value}.")
        return value

    return check


def int_option(
    *names: str, help: str, low: int, high: int | None = None, show_default: bool = True
) -> Any:
    """A typer.Option for an int with a range: checked by `int_in_range`, shown in --help."""
    bounds = f">= {low}" if high is None else f"{low} to {high}"
    return typer.Option(
        *names,
        help=f"{help} ({bounds})",
        callback=int_in_range(low, high),
        show_default=show_default,
    )


SeedOption = Annotated[int, int_option(help="Random seed", low=0, high=MAX_SEED)]


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


def parse_params(values: list[str] | None, option: str = "--param") -> dict[str, str]:
    """Repeated KEY=VALUE options (--param, --threshold) as a dict; the values stay text. A key
    given twice is refused: which of its values was meant?"""
    params: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"{option} expects KEY=VALUE; got {item!r}.")
        if key.strip() in params:
            raise InvalidInputError(
                f"{option} {key.strip()} is given twice ({params[key.strip()]!r} and {value!r}); "
                "expected each KEY once."
            )
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
