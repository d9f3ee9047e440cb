"""Older names of verbs that now live elsewhere: `similar` and `word-benchmarks`."""

from __future__ import annotations

from typing import Annotated

import typer

from embedlab.cli.common import JsonOption, workspace
from embedlab.cli.words import print_similar_words, print_word_benchmarks


def similar(
    ctx: typer.Context,
    name: str,
    space: str,
    word: str,
    k: Annotated[int, typer.Option("-k", help="Number of words")] = 10,
    as_json: JsonOption = False,
) -> None:
    """The words nearest to WORD in a words space."""
    from embedlab.pipeline.words import similar_words

    hits = similar_words(workspace(ctx), name, space, word, k=k)
    print_similar_words(f"Nearest to '{word}' in {space}", hits, as_json)


def word_benchmarks(
    ctx: typer.Context,
    name: str,
    spaces: Annotated[list[str] | None, typer.Argument(help="Spaces [default: all]")] = None,
    benchmark: Annotated[
        str, typer.Option(help="Comma-separated: analogy, wordsim353, simlex999")
    ] = "analogy,wordsim353,simlex999",
    analogy_method: Annotated[str, typer.Option(help="3cosadd or 3cosmul")] = "3cosadd",
    as_json: JsonOption = False,
) -> None:
    """Word benchmarks of a words dataset's spaces (same as `evaluate NAME --benchmark`)."""
    from embedlab.pipeline.words import evaluate_words

    rows = evaluate_words(
        workspace(ctx),
        name,
        spaces or None,
        benchmarks=[b.strip() for b in benchmark.split(",") if b.strip()],
        analogy_method=analogy_method,  # type: ignore[arg-type]
    )
    print_word_benchmarks(name, rows, as_json)


def register(app: typer.Typer) -> None:
    """Add the older verb names to the embedlab app."""
    app.command()(similar)
    app.command("word-benchmarks")(word_benchmarks)
