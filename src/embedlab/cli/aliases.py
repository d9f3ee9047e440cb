"""Older names of verbs that now live elsewhere, kept hidden so scripts keep working: each warns
on stderr, naming its replacement, then runs it. `similar` is `neighbors NAME SPACE WORD`;
`word-benchmarks` is `evaluate NAME --benchmark`."""

from __future__ import annotations

from typing import Annotated

import typer

from embedlab.cli.common import JsonOption, int_option, warn_deprecated
from embedlab.cli.evaluate import evaluate
from embedlab.cli.spaces import neighbors

ALL_BENCHMARKS = "analogy,wordsim353,simlex999"


def similar(
    ctx: typer.Context,
    name: str,
    space: str,
    word: str,
    k: Annotated[int, int_option("-k", help="Number of words", low=1)] = 10,
    as_json: JsonOption = False,
) -> None:
    """The words nearest to WORD (deprecated: use `neighbors NAME SPACE WORD`)."""
    warn_deprecated("similar", "neighbors NAME SPACE WORD")
    neighbors(ctx, name, space, word, k=k, method="auto", force=False, as_json=as_json)


def word_benchmarks(
    ctx: typer.Context,
    name: str,
    spaces: Annotated[list[str] | None, typer.Argument(help="Spaces [default: all]")] = None,
    benchmark: Annotated[
        str, typer.Option(help="Comma-separated: analogy, wordsim353, simlex999")
    ] = ALL_BENCHMARKS,
    analogy_method: Annotated[str, typer.Option(help="3cosadd or 3cosmul")] = "3cosadd",
    as_json: JsonOption = False,
) -> None:
    """Word benchmarks (deprecated: use `evaluate NAME --benchmark`)."""
    warn_deprecated("word-benchmarks", f"evaluate NAME [SPACE...] --benchmark {ALL_BENCHMARKS}")
    evaluate(
        ctx,
        name,
        spaces,
        label=None,
        k=10,
        pixels=False,
        benchmark=benchmark,
        analogy_method=analogy_method,
        as_json=as_json,
    )


def register(app: typer.Typer) -> None:
    """Add the older verb names to the embedlab app, hidden from --help."""
    app.command(hidden=True)(similar)
    app.command("word-benchmarks", hidden=True)(word_benchmarks)
