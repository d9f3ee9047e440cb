"""The map: datasets, spaces, projections (binary), colour fields (binary), search, clusters and
the comparison of two spaces."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from embedlab.errors import NotFoundError
from embedlab.pipeline.cluster import cluster, compare_spaces
from embedlab.pipeline.fields import (
    CORRECTED_LABEL,
    TAG_PREFIX,
    FieldValues,
    field_values,
    list_fields,
)
from embedlab.pipeline.inventory import describe_dataset, describe_workspace
from embedlab.pipeline.project import project_space, stored_projection, to_unit_box
from embedlab.pipeline.search import search

router = APIRouter(tags=["map"])
BINARY = "application/octet-stream"


def state(request: Request) -> Any:
    return request.app.state.embedlab


def binary(array: np.ndarray, **headers: Any) -> Response:
    """A little-endian array as the body; its shape and type in X-Embedlab-* headers."""
    data = np.ascontiguousarray(array)
    info = {"X-Embedlab-Dtype": data.dtype.newbyteorder("<").str, "Cache-Control": "no-cache"}
    info.update({f"X-Embedlab-{k.replace('_', '-').title()}": str(v) for k, v in headers.items()})
    return Response(
        data.astype(data.dtype.newbyteorder("<")).tobytes(), media_type=BINARY, headers=info
    )


def cached_field(request: Request, name: str, field: str) -> FieldValues:
    """A field's values, computed once per catalog version (legend and values share them).
    Corrections are not in the catalog: their count is part of the key."""
    app_state = state(request)
    # Annotations are not in the catalog: the number of records is part of the key (records,
    # not items: a second correction of one item counts).
    kind = (
        "correction"
        if field == CORRECTED_LABEL
        else "tag"
        if field.startswith(TAG_PREFIX)
        else None
    )
    annotations = len(app_state.workspace.annotations.records(name, kind)) if kind else 0
    return app_state.cached(
        ("field", name, field, annotations),
        lambda: field_values(app_state.workspace, name, field),
    )


@router.get("/datasets")
def datasets(request: Request) -> list[dict[str, Any]]:
    """Every dataset of the workspace with its spaces."""
    return describe_workspace(state(request).workspace)


@router.get("/datasets/{name}")
def dataset(request: Request, name: str) -> dict[str, Any]:
    """One dataset: columns, spaces with their graphs and projections, runs, colour fields."""
    workspace = state(request).workspace
    info = describe_dataset(workspace, name)
    info["fields"] = [f.to_dict() for f in list_fields(workspace, name)]
    return info


@router.get("/datasets/{name}/fields")
def fields(request: Request, name: str) -> list[dict[str, Any]]:
    """What the map can be coloured by."""
    return [f.to_dict() for f in list_fields(state(request).workspace, name)]


@router.get("/datasets/{name}/fields/{field:path}/legend")
def field_legend(request: Request, name: str, field: str) -> dict[str, Any]:
    """The legend of one field: categories with counts, or the numeric range."""
    return cached_field(request, name, field).legend()


@router.get("/datasets/{name}/fields/{field:path}/values")
def field_array(request: Request, name: str, field: str) -> Response:
    """Per-item values in dataset order: uint16 category codes or float32 in [0, 1]."""
    values = cached_field(request, name, field)
    return binary(values.values, kind=values.info.kind, count=len(values.values))


@router.get("/datasets/{name}/spaces/{space}/projection")
def projection(
    request: Request,
    name: str,
    space: str,
    method: Literal["umap", "tsne", "pca"] = "umap",
    dims: int = Query(2, ge=2, le=3),
) -> Response:
    """Stored coordinates scaled into [-0.95, 0.95], float32, interleaved (x, y[, z]) per item."""
    app_state = state(request)
    app_state.warm_items(name)  # the map's first selection comes next
    stored = app_state.cached(
        ("projection", name, space, method, dims),
        lambda: stored_projection(app_state.workspace, name, space, method, dims),
    )
    if stored is None:
        raise NotFoundError(
            f"No {dims}-D {method} projection of space '{space}' of dataset '{name}'. Make it "
            f"with `embedlab project {name} {space} --method {method} --dims {dims}` or POST "
            "to this address."
        )
    scaled = app_state.cached(
        ("unit-box", name, space, method, dims), lambda: to_unit_box(stored.coords)
    )
    return binary(scaled, count=len(stored.coords), dims=dims)


@router.post("/datasets/{name}/spaces/{space}/projection")
def make_projection(
    request: Request,
    name: str,
    space: str,
    method: Literal["umap", "tsne", "pca"] = "pca",
    dims: int = Query(2, ge=2, le=3),
    seed: int = 0,
) -> dict[str, Any]:
    """Compute (or reuse) a projection; then GET the same address for the coordinates."""
    result = project_space(
        state(request).workspace, name, space, method=method, dims=dims, seed=seed
    )
    return {
        "dataset": name,
        "space": space,
        "method": method,
        "dims": dims,
        "reused": result.reused,
        "n_items": len(result.coords),
    }


@router.get("/datasets/{name}/spaces/{space}/search")
def search_space(
    request: Request,
    name: str,
    space: str,
    q: str = Query(..., min_length=1, max_length=2000),
    by: Literal["text", "id"] = "text",
    k: int = Query(25, ge=1, le=1000),
) -> dict[str, Any]:
    """Semantic search through the space's own model, or by the id of an example item."""
    app_state = state(request)
    hits = search(app_state.workspace, name, space, q, by=by, k=k)
    index = app_state.items(name)
    return {
        "query": q,
        "by": by,
        "space": hits[0].space if hits else space,
        "hits": [{**hit.to_dict(), "row": index.row(hit.id)} for hit in hits],
    }


@router.post("/datasets/{name}/spaces/{space}/clusters")
def make_clusters(
    request: Request, name: str, space: str, n_clusters: int | None = None, seed: int = 0
) -> dict[str, Any]:
    """Cluster the space (k-means by cosine); colour the map by `clusters-SPACE:cluster`."""
    result = cluster(state(request).workspace, name, space, n_clusters=n_clusters, seed=seed)
    state(request).forget(name)
    return {**result, "field": f"clusters-{space}:cluster"}


@router.post("/datasets/{name}/compare")
def compare(
    request: Request, name: str, a: str, b: str, k: int = Query(10, ge=1, le=100)
) -> dict[str, Any]:
    """Per-item neighbour agreement of spaces `a` and `b` (stored as a colour field)."""
    return compare_spaces(state(request).workspace, name, a, b, k=k)
