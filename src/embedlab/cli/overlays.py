"""Overlay verbs: `trust` (how far a map keeps the space's neighbours)."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from embedlab.cli.common import JsonOption, int_option, out, print_json, workspace

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


def register(app: typer.Typer) -> None:
    """Add the overlay verbs to the embedlab app."""
    app.command()(trust)
