"""Overlays of a map: how far it can be trusted (per item and one mean per map) and the names
of its regions at two zoom levels."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import Query, Request

from embedlab.api.models import MapRegionNames, NeighbourCount, Seed, TrustSummary
from embedlab.api.routes_map import Method, state
from embedlab.api.routing import api_router
from embedlab.errors import NotFoundError
from embedlab.pipeline.graph import DEFAULT_K
from embedlab.pipeline.map_labels import name_map_regions, stored_map_labels
from embedlab.pipeline.project import stored_projection, to_unit_box
from embedlab.pipeline.trust import compute_trust, stored_trust

router = api_router(tags=["map"])


@router.get("/datasets/{name}/spaces/{space}/trust")
def trust(
    request: Request,
    name: str,
    space: str,
    method: Method = "umap",
    dims: int = Query(2, ge=2, le=3),
) -> TrustSummary:
    """The stored trust of a map: mean and median share of kept neighbours, and its field."""
    workspace = state(request).workspace
    workspace.space(name, space)  # a missing dataset or space says so first
    found = stored_trust(workspace, name, space, method=method, dims=dims)
    if found is None:
        raise NotFoundError(
            f"No trust computed for the {dims}-D {method} map of space '{space}' of dataset "
            f"'{name}'. Compute it with `embedlab trust {name} {space} --method {method}` or "
            "POST to this address."
        )
    return TrustSummary.model_validate(found)


@router.post("/datasets/{name}/spaces/{space}/trust")
def make_trust(
    request: Request,
    name: str,
    space: str,
    method: Method = "umap",
    dims: int = Query(2, ge=2, le=3),
    k: NeighbourCount = DEFAULT_K,
) -> TrustSummary:
    """Compute the trust of a stored map from the space's neighbour graph (stored as the
    colour field `trust-SPACE-METHOD-DIMSd:trust`)."""
    result = compute_trust(state(request).workspace, name, space, method=method, dims=dims, k=k)
    return TrustSummary.model_validate(result)


def drawn(request: Request, found: dict[str, Any]) -> MapRegionNames:
    """Region centres moved into the drawn coordinates, as the projection is sent."""
    app_state = state(request)
    args = (found["dataset"], found["space"], found["method"], found["dims"])
    stored = app_state.cached(
        ("projection", *args), lambda: stored_projection(app_state.workspace, *args)
    )
    points = np.array([[label["x"], label["y"]] for label in found["labels"]])
    box = to_unit_box(points, frame=stored.coords[:, :2])
    labels = [
        {**label, "x": float(x), "y": float(y)}
        for label, (x, y) in zip(found["labels"], box, strict=True)
    ]
    return MapRegionNames.model_validate({**found, "labels": labels})


@router.get("/datasets/{name}/spaces/{space}/labels")
def region_names(
    request: Request,
    name: str,
    space: str,
    method: Method = "umap",
    dims: int = Query(2, ge=2, le=3),
) -> MapRegionNames:
    """The stored names of a map's regions (coarse and fine clusters of the map)."""
    workspace = state(request).workspace
    workspace.space(name, space)
    found = stored_map_labels(workspace, name, space, method=method, dims=dims)
    if found is None:
        raise NotFoundError(
            f"No region names for the {dims}-D {method} map of space '{space}' of dataset "
            f"'{name}'. Make them with `embedlab labels {name} {space} --method {method}` or "
            "POST to this address."
        )
    return drawn(request, found)


@router.post("/datasets/{name}/spaces/{space}/labels")
def make_region_names(
    request: Request,
    name: str,
    space: str,
    method: Method = "umap",
    dims: int = Query(2, ge=2, le=3),
    fine: int = Query(40, ge=2, le=200),
    coarse: int = Query(10, ge=2, le=50),
    seed: Seed = 0,
) -> MapRegionNames:
    """Cluster the map at two levels and name each cluster from its items (texts: c-TF-IDF
    terms; labels: the dominant label; word spaces: the words)."""
    found = name_map_regions(
        state(request).workspace, name, space, method=method, dims=dims,
        n_fine=fine, n_coarse=coarse, seed=seed,
    )  # fmt: skip
    return drawn(request, found)
