"""`embedlab evaluate`: how good a space is for the task at hand (probes on the label,
word benchmarks, link prediction on a graph, recommendations, output sizes)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from embedlab.cli.common import (
    JsonOption,
    SeedOption,
    int_option,
    out,
    parse_params,
    print_json,
    workspace,
)
from embedlab.cli.words import print_word_benchmarks
from embedlab.errors import InvalidInputError


def evaluate(
    ctx: typer.Context,
    name: str,
    spaces: Annotated[list[str] | None, typer.Argument(help="Spaces [default: all]")] = None,
    label: Annotated[
        str | None, typer.Option(help="Column to predict [default: the label]")
    ] = None,
    k: Annotated[int, int_option("-k", help="Neighbours for the kNN probe", low=1)] = 10,
    pixels: Annotated[bool, typer.Option(help="Add the raw-pixel baseline for images")] = True,
    benchmark: Annotated[
        str | None,
        typer.Option(help="Word benchmarks instead, e.g. analogy,wordsim353,simlex999"),
    ] = None,
    analogy_method: Annotated[
        str, typer.Option(help="With --benchmark analogy: 3cosadd or 3cosmul")
    ] = "3cosadd",
    links: Annotated[
        bool,
        typer.Option("--links", help="A graph: link prediction on 10% held-out edges (ROC AUC)"),
    ] = False,
    spectral: Annotated[
        bool, typer.Option(help="Add the Laplacian-eigenmaps baseline for graphs")
    ] = True,
    recommend: Annotated[
        bool,
        typer.Option("--recommend", help="Ratings: precision/recall/NDCG@k vs popularity"),
    ] = False,
    target: Annotated[
        str | None,
        typer.Option(help="A column to predict from the records: one-hot vs entity vs PCA"),
    ] = None,
    columns: Annotated[
        str | None, typer.Option(help="With --target: comma-separated input columns")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="With --target: entity parameter KEY=VALUE")
    ] = None,
    dims: Annotated[
        str | None,
        typer.Option(
            help="Sizes, e.g. 256,128,64,32: retrieval (label precision@k), kNN accuracy and "
            "bytes per item of one space projected to each (PCA)"
        ),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option(
            help="'pca': each space beside PCA of the same input at the same dimension "
            "(reconstruction error, linear probe, kNN)"
        ),
    ] = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Linear-probe and kNN accuracy of spaces predicting a label (downstream validation); with
    --dims, the same space at fewer dimensions; with --against pca, PCA at the same dimension;
    with --links, link prediction on a graph; with --benchmark, intrinsic word-vector benchmarks
    of a words dataset; with --recommend, top-k ranking of held-out ratings (k from -k); with
    --target, one-hot vs entity embeddings vs numeric PCA of the records with the same models on
    held-out rows."""
    _one_mode(
        recommend=recommend,
        target=target is not None,
        links=links,
        benchmark=benchmark is not None,
        dims=dims is not None or against is not None,
    )
    _no_options_outside_their_mode(
        ctx,
        {
            "analogy_method": benchmark is not None,
            "columns": target is not None,
            "param": target is not None,
            "label": not (recommend or links or target is not None or benchmark is not None),
            "k": not (links or target is not None or benchmark is not None),
            "seed": benchmark is None,
        },
    )
    if recommend:
        from embedlab.cli.recommend import print_recommend_evaluation
        from embedlab.pipeline.recommend import evaluate_recommendations

        report = evaluate_recommendations(workspace(ctx), name, spaces or None, k=k, seed=seed)
        print_recommend_evaluation(report, as_json)
        return
    from embedlab.pipeline.evaluate import evaluate as run_evaluate

    if target is not None:
        _evaluate_target(ctx, name, spaces, target, columns, param, seed, as_json)
        return

    if dims is not None or against is not None:
        _evaluate_sizes(ctx, name, spaces or [], dims, against, label, k, seed, as_json)
        return
    if links:
        from embedlab.pipeline.links import evaluate_links

        rows = evaluate_links(
            workspace(ctx), name, spaces or None, seed=seed, spectral_baseline=spectral
        )
        _print_links(name, rows, as_json)
        return

    if benchmark is not None:
        from embedlab.pipeline.words import evaluate_words

        names = [b.strip() for b in benchmark.split(",") if b.strip()]
        rows = evaluate_words(
            workspace(ctx),
            name,
            spaces or None,
            benchmarks=names,
            analogy_method=analogy_method,  # type: ignore[arg-type]
        )
        print_word_benchmarks(name, rows, as_json)
        return

    results = run_evaluate(
        workspace(ctx),
        name,
        spaces or None,
        label=label,
        k=k,
        pixels_baseline=pixels,
        seed=seed,
        spectral_baseline=spectral,
    )
    _print_probes(name, results, k, as_json)


def _one_mode(**given: bool) -> None:
    """Refuse two evaluations asked for at once (only one of them would run)."""
    chosen = [f"--{mode}" for mode, on in given.items() if on]
    if len(chosen) > 1:
        shown = " and ".join(chosen).replace("--dims", "--dims/--against")
        raise InvalidInputError(
            f"evaluate runs one kind of evaluation at a time; got {shown}. Run them one by one."
        )


#: each option that only one kind of evaluation reads, and the flag that asks for that kind
MODE_OF_OPTION = {
    "analogy_method": "--benchmark",
    "columns": "--target",
    "param": "--target",
    "label": "the label probes or --dims/--against",
    "k": "the label probes, --recommend or --dims/--against",
    "seed": "the evaluations that split or fit (every one but --benchmark)",
}


def _no_options_outside_their_mode(ctx: typer.Context, used: dict[str, bool]) -> None:
    """Refuse an option given on the command line that the evaluation asked for does not read
    (it would be silently ignored)."""
    for option, read in used.items():
        source = ctx.get_parameter_source(option)
        if not read and source is not None and source.name == "COMMANDLINE":
            flag = ("-" if len(option) == 1 else "--") + option.replace("_", "-")
            raise InvalidInputError(
                f"{flag} only applies with {MODE_OF_OPTION[option]}; this evaluation would "
                "ignore it."
            )


def _evaluate_target(
    ctx: typer.Context,
    name: str,
    spaces: list[str] | None,
    target: str,
    columns: str | None,
    param: list[str] | None,
    seed: int,
    as_json: bool,
) -> None:
    from embedlab.cli.entity import print_encodings
    from embedlab.pipeline.entity import evaluate_target

    if spaces:
        raise InvalidInputError(
            "--target compares encodings of the dataset's own columns; it takes no spaces "
            f"(got {', '.join(spaces)})."
        )
    comparison = evaluate_target(
        workspace(ctx),
        name,
        target,
        columns=None if columns is None else columns.split(","),  # "" names no column
        seed=seed,
        entity_params=parse_params(param),
    )
    print_encodings(name, comparison, as_json)


def _print_probes(
    name: str, results: list[Any], k: int, as_json: bool, reconstruction: bool = False
) -> None:
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    first = results[0] if results else None
    title = f"{name}: train {first.n_train:,} / test {first.n_test:,}" if first else name
    used = min(k, first.n_train) if first else k  # the vote has at most the training items
    if used < k:  # the column said kNN@10 for a vote of the 5 training items
        title += f" (-k {k} cut to the {used} training items)"
    extra = ["recon MSE"] if reconstruction else []
    table = Table(
        "space", "dim", *extra, "linear probe", f"kNN@{used}", "embed s", "probe s", title=title
    )
    for r in results:
        embed_s = f"{r.embed_seconds:.1f}" if r.embed_seconds is not None else ""
        mse = r.reconstruction_mse
        cells = [f"{mse:.5f}" if mse is not None else "n/a"] if reconstruction else []
        table.add_row(
            r.name,
            f"{r.dim:,}",
            *cells,
            f"{r.linear_probe:.3f}",
            f"{r.knn:.3f}",
            embed_s,
            f"{r.seconds:.1f}",
        )
    out.print(table)


def _evaluate_sizes(
    ctx: typer.Context,
    name: str,
    spaces: list[str],
    dims: str | None,
    against: str | None,
    label: str | None,
    k: int,
    seed: int,
    as_json: bool,
) -> None:
    """`evaluate --dims` (one space at several sizes) and `evaluate --against pca`."""
    from embedlab.pipeline import evaluate_dims as sizes

    if dims is not None and against is not None:
        raise InvalidInputError("Use --dims or --against, not both.")
    if against is not None:
        if against != "pca":
            raise InvalidInputError(f"--against takes 'pca'; got {against!r}.")
        results = sizes.evaluate_against_pca(
            workspace(ctx), name, spaces, label=label, k=k, seed=seed
        )
        _print_probes(name, results, k, as_json, reconstruction=True)
        return
    if len(spaces) != 1:
        raise InvalidInputError(f"--dims evaluates one space; got {len(spaces)}: name one.")
    rows = sizes.evaluate_dims(
        workspace(ctx), name, spaces[0], parse_sizes(dims or ""), label=label, k=k, seed=seed
    )
    if as_json:
        print_json([r.to_dict() for r in rows])
        return
    first = rows[0]
    title = (
        f"{name} / {first.space}: precision@{k} of {first.n_queries:,} test queries' "
        f"neighbours, kNN@{k} on {first.n_test:,} test items"
    )
    table = Table("dims", "bytes/item", f"precision@{k}", f"kNN@{k}", "PCA variance", title=title)
    for r in rows:
        variance = f"{r.explained_variance:.3f}" if r.explained_variance is not None else "(full)"
        table.add_row(
            f"{r.dims:,}",
            f"{r.bytes_per_item:,}",
            f"{r.precision_at_k:.3f}",
            f"{r.knn:.3f}",
            variance,
        )
    out.print(table)


def parse_sizes(text: str) -> list[int]:
    """'256,128,64' as ints; the error names the part that is not one."""
    sizes = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise InvalidInputError(f"--dims expects comma-separated ints; got {part!r}.")
        sizes.append(int(part))
    return sizes


def _print_links(name: str, rows: list[Any], as_json: bool) -> None:
    if as_json:
        print_json([r.to_dict() for r in rows])
        return
    held = rows[0].n_test_edges if rows else 0
    title = f"{name}: link prediction, {held:,} held-out edges vs as many non-edges (ROC AUC)"
    table = Table("space", "dim", "cosine AUC", "Hadamard AUC", "seconds", title=title)
    for r in rows:
        table.add_row(
            r.name, f"{r.dim:,}", f"{r.cosine_auc:.3f}", f"{r.hadamard_auc:.3f}", f"{r.seconds:.1f}"
        )
    out.print(table)
