"""Overlay verbs: `trust` (how far a map keeps the space's neighbours) and `labels` (names
of a map's regions)."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from embedlab.cli.common import JsonOption, SeedOption, int_option, out, print_json, workspace

MapMethod = Literal["umap", "tsne", "pca"]


def trust(
    ctx: typer.Context,
    name: str,
    space: str,
    method: Annotated[MapMethod, typer.Option(help="The map's projection method")] = "umap",
    dims: Annotated[int, int_option(help="The map's dimensions", low=2, high=3)] = 2,
    k: Annotated[int, int_option("-k", help="Neighbours compared per item", low=1, high=100)] = 15,
    as_json: JsonOption = False,
) -> None:
    """Per item, the share of its k neighbours in the space (the stored graph) that are still
    among its k nearest on the map; stored as a field the app colours the map by."""
    from embedlab.pipeline.trust import compute_trust

    result = compute_trust(workspace(ctx), name, space, method=method, dims=dims, k=k)
    if as_json:
        print_json(result)
        return
    out.print(
        f"Trust of the {dims}-D {method} map of '{space}' (k={result['k']}): mean "
        f"{result['mean_trust']:.3f}, median {result['median_trust']:.3f} (a shuffled map: "
        f"{result['random_map_trust']:.4f}); {result['no_neighbour_kept']:,} item(s) keep no "
        f"neighbour; stored as {result['field']}"
    )


def labels(
    ctx: typer.Context,
    name: str,
    space: str,
    method: Annotated[MapMethod, typer.Option(help="The map's projection method")] = "umap",
    dims: Annotated[int, int_option(help="The map's dimensions", low=2, high=3)] = 2,
    fine: Annotated[int, int_option(help="Fine clusters (zoomed in)", low=2, high=200)] = 40,
    coarse: Annotated[int, int_option(help="Coarse clusters", low=2, high=50)] = 10,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Name the regions of a map at two zoom levels: clusters of the map named from their
    items (texts: top c-TF-IDF terms; labels: the dominant label; word spaces: the words)."""
    from embedlab.pipeline.map_labels import name_map_regions

    result = name_map_regions(
        workspace(ctx), name, space, method=method, dims=dims,
        n_fine=fine, n_coarse=coarse, seed=seed,
    )  # fmt: skip
    if as_json:
        print_json(result)
        return
    coarse_names = [r for r in result["labels"] if r["level"] == "coarse"]
    out.print(f"{len(result['labels'])} regions of the {method} map of '{space}' named from "
              f"{result['source']}; coarse:")  # fmt: skip
    for region in coarse_names:
        out.print(f"  {region['size']:>10,}  {region['name']}")


def register(app: typer.Typer) -> None:
    """Add the overlay verbs to the embedlab app."""
    app.command()(trust)
    app.command()(labels)
