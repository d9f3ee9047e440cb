"""`tokens`: every occurrence of a word as an item with its contextual vector (its senses on a
map)."""

from __future__ import annotations

from typing import Annotated

import typer

from embedlab.cli.common import JsonOption, out, print_json, workspace


def tokens(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A stored text dataset (the corpus)")],
    word: Annotated[str, typer.Option(help="The word whose occurrences to collect")],
    method: Annotated[str, typer.Option(help="minilm or elmo")] = "minilm",
    space: Annotated[
        str | None, typer.Option(help="The trained ELMo space of NAME [default: elmo]")
    ] = None,
    out_name: Annotated[
        str | None, typer.Option("--out", help="Dataset name [default: NAME-WORD]")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make a dataset of every occurrence of WORD in NAME, with a space of its contextual token
    vectors (then `project`, `cluster` or `serve` it to see the senses)."""
    from embedlab.pipeline.tokens import token_dataset

    report = token_dataset(workspace(ctx), name, word, method, space=space, out=out_name)
    if as_json:
        print_json(report.to_dict())
        return
    out.print(
        f"Dataset '{report.dataset}': {report.n_occurrences:,} occurrences of '{word}' in "
        f"{report.n_texts:,} texts of '{name}'; space '{report.space}' ({report.dim}-d "
        f"{report.method} token vectors), {report.duration_s:.1f} s"
    )
    for note in report.notes:
        out.print(f"  note: {note}")
    out.print(
        f"  next: embedlab cluster {report.dataset} {report.space}, or embedlab project "
        f"{report.dataset} {report.space}"
    )


def register(app: typer.Typer) -> None:
    """Add the `tokens` command to the embedlab app."""
    app.command()(tokens)
