"""Space verbs: `embed`, `neighbors`, `project`, `search`, `cluster`, `compare` and `methods`;
`evaluate` lives in cli/evaluate.py and is registered here, in its place among them."""

from __future__ import annotations

import json
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
from embedlab.cli.evaluate import evaluate
from embedlab.cli.words import print_similar_words
from embedlab.errors import InvalidInputError

#: the HTTP API's bound too: past 100 neighbours the agreement says little and costs much
MAX_COMPARE_K = 100

EngineOption = Annotated[str, typer.Option(help="local (this process) or ray (Ray Data actors)")]
AddressOption = Annotated[
    str | None, typer.Option(help="Ray cluster to join, HOST:PORT [default: a local Ray]")
]
WorkersOption = Annotated[
    int | None, int_option(help="Ray workers [default: all CPUs]", low=1, show_default=False)
]


def embed(
    ctx: typer.Context,
    name: str,
    method: Annotated[str, typer.Option(help="Embedding method (see `embedlab methods`)")],
    space: Annotated[str | None, typer.Option(help="Space name [default: the method]")] = None,
    param: Annotated[list[str] | None, typer.Option(help="Method parameter KEY=VALUE")] = None,
    columns: Annotated[str | None, typer.Option(help="Comma-separated input columns")] = None,
    batch_rows: Annotated[int, int_option(help="Rows per committed batch", low=1)] = 2048,
    force: Annotated[
        bool, typer.Option(help="Recompute even if an identical space exists")
    ] = False,
    engine: EngineOption = "local",
    address: AddressOption = None,
    workers: WorkersOption = None,
    as_json: JsonOption = False,
) -> None:
    """Embed every item of dataset NAME into a space (resumes an interrupted run)."""
    from embedlab.pipeline.embed import embed as run_embed

    with _engine(engine, address, workers, method) as row_engine:
        report = run_embed(
            workspace(ctx),
            name,
            method,
            space=space,
            params=parse_params(param),
            columns=None if columns is None else columns.split(","),  # "" names no column
            batch_rows=batch_rows,
            force=force,
            engine=row_engine,
        )
    if as_json:
        print_json(report.to_dict())
        return
    info = report.to_dict()
    state = "reused (already computed)" if report.reused else f"{info['duration_s']} s"
    if report.resumed_rows:
        state += f", resumed after {report.resumed_rows:,} committed rows"
    if report.grown_from is not None:
        state += f", {report.embedded_rows:,} new items embedded ({report.grown_from:,} kept)"
    out.print(
        f"Space '{info['space']}' of '{name}': {info['n_items']:,} x {info['dim']} "
        f"({info['method']}), {state}"
    )
    for key, value in info["method_report"].items():
        out.print(f"  {key}: {value}")


def _engine(
    engine: str, address: str | None, workers: int | None, method: str | None = None
) -> Any:
    """A context giving the engine that does the work: None for this process, or a started
    RayEngine (joined or local Ray, shut down on leaving) that can run embedding `method`."""
    import contextlib

    if engine not in ("local", "ray"):
        raise InvalidInputError(f"--engine must be 'local' or 'ray'; got {engine!r}.")
    if engine == "local":
        if address is not None or workers is not None:
            raise InvalidInputError("--address and --workers need --engine ray.")
        return contextlib.nullcontext(None)
    from embedlab.pipeline.ray_engine import RayEngine, check_method

    if method is not None:
        check_method(method)
    return RayEngine(address=address, workers=workers)


def neighbors(
    ctx: typer.Context,
    name: str,
    space: str,
    word: Annotated[
        str | None, typer.Argument(help="A word of a words dataset: list its nearest words")
    ] = None,
    k: Annotated[int, int_option("-k", help="Neighbours per item", low=1)] = 15,
    method: Annotated[str, typer.Option(help="auto, exact or hnsw")] = "auto",
    force: Annotated[bool, typer.Option(help="Recompute even if stored")] = False,
    engine: EngineOption = "local",
    address: AddressOption = None,
    workers: WorkersOption = None,
    item: Annotated[
        str | None, typer.Option("--id", help="An item (a node of a graph): its nearest items")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Build (or show) the stored k-nearest-neighbour graph of a space; with WORD, the words
    nearest to it; with --id, the items nearest to an item (and a node's graph neighbours)."""
    from embedlab.pipeline.graph import neighbors as run_neighbors

    if (item is not None or word is not None) and (engine != "local" or address or workers):
        raise InvalidInputError(
            "--engine, --address and --workers apply to building the graph, not to a lookup "
            "of one item or word."
        )
    if item is not None:
        from embedlab.pipeline.search import item_neighbours

        _print_item_neighbours(
            space, item_neighbours(workspace(ctx), name, space, item, k=k), as_json
        )
        return

    if word is not None:
        from embedlab.pipeline.words import similar_words

        hits = similar_words(workspace(ctx), name, space, word, k=k)
        print_similar_words(f"Nearest to '{word}' in {space}", hits, as_json)
        return

    # not entered here: the graph starts (or joins) Ray only if it has a graph to build
    graph_engine = _engine(engine, address, workers)
    graph = run_neighbors(
        workspace(ctx),
        name,
        space,
        k=k,
        method=method,  # type: ignore[arg-type]
        force=force,
        engine=graph_engine if engine == "ray" else None,
    )
    info = {
        "dataset": name,
        "space": space,
        "k": graph.k,
        "method": graph.method,
        "recall": graph.recall,
        "params": graph.params,
    }
    if as_json:
        print_json(info)
        return
    out.print(f"Neighbour graph of '{space}': k={graph.k}, {graph.method}, recall {graph.recall}")


def _print_item_neighbours(space: str, result: Any, as_json: bool) -> None:
    if as_json:
        print_json(result.to_dict())
        return
    linked = set(result.graph_neighbours or [])
    texts = any(hit.text for hit in result.hits)  # e.g. a film's title beside its id
    columns = ["#", "score", "id", *(["text"] if texts else []), "label"] + (
        ["edge"] if result.graph_neighbours is not None else []
    )
    table = Table(*columns, title=f"Nearest to item {result.item!r} in {space}")
    for hit in result.hits:
        text = [(hit.text or "")[:60]] if texts else []
        row = [str(hit.rank), f"{hit.score:.3f}", hit.id, *text, str(hit.label or "")]
        table.add_row(*row, *(["yes" if hit.id in linked else ""] if columns[-1] == "edge" else []))
    if result.hits:
        out.print(table)
    else:  # the only item of its dataset: an empty table said nothing
        out.print(f"Item {result.item!r} is the only item of space '{space}': no neighbours.")
    if result.graph_neighbours is not None:
        shown = ", ".join(result.graph_neighbours[:30]) or "none (no edge to another node)"
        more = len(result.graph_neighbours) - 30
        out.print(
            f"Graph neighbours of {result.item!r} ({len(result.graph_neighbours)}): {shown}"
            + (f" and {more} more" if more > 0 else "")
        )


def project(
    ctx: typer.Context,
    name: str,
    space: str,
    method: Annotated[str, typer.Option(help="umap, tsne or pca")] = "umap",
    dims: Annotated[int, int_option(help="Dimensions of the map", low=2, high=3)] = 2,
    seed: SeedOption = 0,
    force: Annotated[bool, typer.Option(help="Recompute even if stored")] = False,
    update: Annotated[
        bool, typer.Option("--update", help="Place the new items; old points stay put")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Project a space to 2-D or 3-D (stored; the same seed gives the same map); --update
    gives the space's new items coordinates on the existing map."""
    from embedlab.pipeline.project import project_space

    if update:
        from embedlab.cli.grow import update_map

        update_map(workspace(ctx), name, space, method, dims, force, as_json)
        return

    result = project_space(
        workspace(ctx),
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
        print_json(info)
        return
    out.print(
        f"{method.upper()} {dims}-D projection of '{space}': {info['n_items']:,} points"
        + (" (reused)" if result.reused else "")
    )


def search(
    ctx: typer.Context,
    name: str,
    space: str,
    query: Annotated[
        str,
        typer.Argument(
            help="A text, an item id (--by id) or a JSON vector / .npy file (--by vector)"
        ),
    ],
    k: Annotated[int, int_option("-k", help="Number of results", low=1)] = 10,
    by: Annotated[str, typer.Option(help="text, id or vector")] = "text",
    as_json: JsonOption = False,
) -> None:
    """Find the items of a space nearest to a text, an item or a vector."""
    from embedlab.pipeline.search import search as run_search

    value: Any = read_vector(query) if by == "vector" else query
    hits = run_search(workspace(ctx), name, space, value, by=by, k=k)  # type: ignore[arg-type]
    if as_json:
        print_json([h.to_dict() for h in hits])
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


def read_vector(query: str) -> Any:
    """The query vector of `search --by vector`: a JSON list of numbers or a .npy file."""
    import numpy as np

    if query.endswith(".npy"):
        magic = b""
        try:
            with open(query, "rb") as handle:
                magic = handle.read(6)
            vector = np.load(query, allow_pickle=False)
        except (OSError, ValueError) as error:
            npy = magic == b"\x93NUMPY" or isinstance(error, OSError)
            reason = error if npy else "it is not a NumPy .npy file"
            raise InvalidInputError(
                f"Cannot read the query vector file '{query}': {reason}. Expected one vector "
                "saved with numpy.save."
            ) from None
        if vector.ndim > 1 and vector.shape[0] != 1:
            raise InvalidInputError(
                f"The query vector file '{query}' holds an array of shape {vector.shape}; "
                "expected one vector (shape (d,) or (1, d))."
            )
        return vector
    try:
        return json.loads(query)
    except json.JSONDecodeError:
        raise InvalidInputError(
            f"--by vector expects a JSON list of numbers or a .npy file; got {query[:60]!r}."
        ) from None


def cluster(
    ctx: typer.Context,
    name: str,
    space: str,
    k: Annotated[
        int | None, int_option("-k", help="Number of clusters [default: by data size]", low=2)
    ] = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Cluster the items of a space (k-means by cosine), stored as the `clusters-SPACE:cluster`
    field the app colours the map by."""
    from embedlab.pipeline.cluster import cluster as run_cluster

    result = run_cluster(workspace(ctx), name, space, n_clusters=k, seed=seed)
    result = {**result, "field": f"clusters-{space}:cluster"}
    if as_json:
        print_json(result)
        return
    sizes = ", ".join(f"{n:,}" for n in result["sizes"])
    out.print(f"{result['n_clusters']} clusters of '{space}' (sizes {sizes}): {result['field']}")


def compare(
    ctx: typer.Context,
    name: str,
    space_a: Annotated[str, typer.Argument(metavar="SPACE_A")],
    space_b: Annotated[str, typer.Argument(metavar="SPACE_B")],
    k: Annotated[
        int, int_option("-k", help="Neighbours compared per item", low=1, high=MAX_COMPARE_K)
    ] = 10,
    as_json: JsonOption = False,
) -> None:
    """How far two spaces of a dataset agree: per item, the share of its k nearest neighbours
    they have in common (Jaccard), stored as a field the app colours the map by."""
    from embedlab.pipeline.cluster import compare_spaces

    result = compare_spaces(workspace(ctx), name, space_a, space_b, k=k)
    if as_json:
        print_json(result)
        return
    out.print(
        f"Neighbour agreement of '{space_a}' and '{space_b}' (k={result['k']}): mean Jaccard "
        f"{result['mean_jaccard']:.3f}, {result['no_shared_neighbour']:,} item(s) share no "
        f"neighbour; stored as {result['field']}"
    )


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
        print_json(rows)
        return
    table = Table("method", "input", "parameters (defaults)", "what")
    for row in rows:
        params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
        table.add_row(row["name"], row["modality"], params, row["summary"])
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the space verbs to the embedlab app."""
    app.command()(embed)
    app.command()(neighbors)
    app.command()(project)
    app.command()(search)
    app.command()(evaluate)
    app.command()(cluster)
    app.command()(compare)
    app.command()(methods)
