"""Word verbs: `words`, `analogy`, `similarity`, `odd-one-out` and `bias`, and the printers
of `neighbors NAME SPACE WORD` and `evaluate --benchmark` (ranked words, benchmark tables)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from embedlab.cli.common import (
    JsonOption,
    int_option,
    out,
    parse_params,
    print_json,
    workspace,
)


def words(
    ctx: typer.Context,
    corpus: Annotated[str, typer.Argument(help="A stored text dataset (the corpus)")],
    method: Annotated[str, typer.Option(help="word2vec, glove, onehot or pretrained")] = "word2vec",
    param: Annotated[list[str] | None, typer.Option(help="Method parameter KEY=VALUE")] = None,
    space: Annotated[str | None, typer.Option(help="Space name [default: the method]")] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Words dataset name [default: CORPUS-words]")
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Replace a words dataset made with other vocabulary options")
    ] = False,
    force: Annotated[bool, typer.Option(help="Retrain even if an identical space exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Train word vectors on the texts of CORPUS; store the words dataset and a space."""
    from embedlab.pipeline.words import train_words

    report = train_words(
        workspace(ctx),
        corpus,
        method,
        params=parse_params(param),
        space=space,
        words_dataset=dataset,
        replace=replace,
        force=force,
    )
    if as_json:
        print_json(report.to_dict())
        return
    info = report.to_dict()
    state = "reused (already computed)" if report.reused else f"{info['duration_s']} s"
    if report.space:
        out.print(
            f"Space '{report.space}' of '{report.dataset}': {report.n_words:,} words x "
            f"{report.dim} ({report.method}), {state}"
        )
    else:
        out.print(f"Words dataset '{report.dataset}': {report.n_words:,} words, {state}")
    if report.note:
        out.print(report.note, style="yellow")
    if report.dropped_spaces:
        out.print(
            f"The vocabulary changed: dropped spaces {', '.join(report.dropped_spaces)}.",
            style="yellow",
        )
    for key, value in info["method_report"].items():
        out.print(f"  {key}: {value}")


def print_similar_words(title: str, hits: list[Any], as_json: bool) -> None:
    """A ranked word list (WordScore) as a table, or JSON."""
    if as_json:
        print_json([h.to_dict() for h in hits])
        return
    table = Table("#", "word", "score", title=title)
    for rank, hit in enumerate(hits, start=1):
        table.add_row(str(rank), hit.word, f"{hit.score:.3f}")
    out.print(table)


def analogy(
    ctx: typer.Context,
    name: str,
    space: str,
    a: Annotated[str, typer.Argument(help="e.g. king")],
    b: Annotated[str, typer.Argument(help="e.g. man")],
    c: Annotated[str, typer.Argument(help="e.g. woman")],
    k: Annotated[int, int_option("-k", help="Number of answers", low=1)] = 5,
    method: Annotated[str, typer.Option(help="3cosadd or 3cosmul")] = "3cosadd",
    as_json: JsonOption = False,
) -> None:
    """A - B + C: 'king man woman' asks what is to woman as king is to man."""
    from embedlab.pipeline.words import analogy as run_analogy

    hits = run_analogy(workspace(ctx), name, space, a, b, c, k=k, method=method)  # type: ignore[arg-type]
    print_similar_words(f"{a} - {b} + {c} in {space} ({method})", hits, as_json)


def similarity(
    ctx: typer.Context, name: str, space: str, a: str, b: str, as_json: JsonOption = False
) -> None:
    """Cosine similarity of two words."""
    from embedlab.pipeline.words import word_vectors

    value = word_vectors(workspace(ctx), name, space).similarity(a, b)
    if as_json:
        print_json({"a": a, "b": b, "similarity": round(value, 6)})
        return
    out.print(f"similarity('{a}', '{b}') = {value:.4f} in {space}")


def odd_one_out(
    ctx: typer.Context,
    name: str,
    space: str,
    words_: Annotated[list[str], typer.Argument(metavar="WORDS", help="Three or more words")],
    as_json: JsonOption = False,
) -> None:
    """The word that does not belong with the others."""
    from embedlab.pipeline.words import word_vectors

    odd = word_vectors(workspace(ctx), name, space).odd_one_out(words_)
    if as_json:
        print_json({"words": words_, "odd_one_out": odd})
        return
    out.print(f"Odd one out of {', '.join(words_)}: {odd}")


def print_word_benchmarks(name: str, rows: list[dict[str, Any]], as_json: bool) -> None:
    """The comparison table of `evaluate NAME --benchmark ...`, or JSON."""
    if as_json:
        print_json(rows)
        return
    benchmarks = list(rows[0]["scores"]) if rows else []
    table = Table("space", "method", "words", "dim", *benchmarks, title=f"Word benchmarks: {name}")
    for row in rows:
        cells = []
        for bench in benchmarks:
            score = row["scores"][bench]
            value = "n/a" if score["score"] != score["score"] else f"{score['score']:.3f}"
            cells.append(f"{value} ({score['used']:,} used, {score['out_of_vocabulary']:,} OOV)")
        table.add_row(row["space"], row["method"], f"{row['n_words']:,}", str(row["dim"]), *cells)
    out.print(table)
    out.print(
        "analogy: accuracy on Google's questions; wordsim353, simlex999: Spearman's rho "
        "against human scores. Items with a word outside the vocabulary are skipped (OOV)."
    )


def bias(
    ctx: typer.Context,
    name: str,
    space: str,
    test: Annotated[
        str,
        typer.Option(
            help="weat-gender-career, weat-gender-math, weat-gender-science, weat-flowers-insects"
        ),
    ] = "weat-gender-career",
    debias: Annotated[
        str | None, typer.Option(help="'hard': de-bias, measure again, store SPACE-debiased")
    ] = None,
    permutations: Annotated[int, int_option(help="Permutations for the p-value", low=1)] = 10_000,
    as_json: JsonOption = False,
) -> None:
    """WEAT bias test, gender direction and occupation projections; optionally hard de-biasing."""
    from embedlab.pipeline.words import measure_bias

    report = measure_bias(
        workspace(ctx),
        name,
        space,
        test=test,
        debias=debias,
        permutations=permutations,  # type: ignore[arg-type]
    )
    if as_json:
        print_json(report.to_dict())
        return
    table = Table("", "effect size", "p-value", "permutations", title=f"{test} in {space}")
    for label, result in (("before", report.before), ("after hard de-biasing", report.after)):
        if result is not None:
            kind = "exact" if result.exact else "sampled"
            table.add_row(
                label,
                f"{result.effect_size:+.3f}",
                f"{result.p_value:.4f}",
                f"{result.permutations:,} ({kind})",
            )
    out.print(table)
    missing = sum(len(v) for v in report.before.missing.values())
    if missing:
        out.print(f"{missing} test word(s) not in the vocabulary were left out.")
    items = list(report.projections.items())
    out.print(
        f"Gender direction (explains {report.direction_explained:.0%} of the definitional pairs' "
        "variance; + leans male, - female)."
    )
    shown = items[:5] + items[-5:] if len(items) > 10 else items
    after = report.projections_after or {}
    proj = Table("occupation", "projection", *(["after"] if after else []))
    for word, value in shown:
        proj.add_row(word, f"{value:+.3f}", *([f"{after[word]:+.3f}"] if after else []))
    out.print(proj)
    if report.debiased_space:
        out.print(f"De-biased vectors stored as space '{report.debiased_space}'.")


def register(app: typer.Typer) -> None:
    """Add the word commands to the embedlab app."""
    app.command()(words)
    app.command()(analogy)
    app.command()(similarity)
    app.command("odd-one-out")(odd_one_out)
    app.command()(bias)
