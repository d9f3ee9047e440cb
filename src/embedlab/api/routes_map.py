"""The map: datasets, spaces, projections (binary), colour fields (binary), search, clusters and
the comparison of two spaces."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response

from embedlab.api.media import ARRAY_RESPONSES, binary
from embedlab.api.models import (
    ClustersMade,
    Comparison,
    DatasetInfo,
    DatasetSummary,
    FieldInfo,
    Legend,
    NeighbourCount,
    NeighbourhoodChanges,
    ProjectionMade,
    SearchHit,
    SearchResult,
    Seed,
    Warming,
)
from embedlab.api.routing import api_router
from embedlab.errors import NotFoundError
from embedlab.pipeline.cluster import cluster, compare_spaces, neighbourhood_changes
from embedlab.pipeline.fields import (
    CORRECTED_LABEL,
    TAG_PREFIX,
    FieldValues,
    field_values,
    list_fields,
)
from embedlab.pipeline.inventory import describe_dataset, describe_workspace
from embedlab.pipeline.project import project_space, stored_projection, to_unit_box
from embedlab.pipeline.search import search_rows

router = api_router(tags=["map"])
Method = Literal["umap", "tsne", "pca"]


def state(request: Request) -> Any:
    return request.app.state.embedlab


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
def datasets(request: Request) -> list[DatasetSummary]:
    """Every dataset of the workspace with its spaces."""
    return [DatasetSummary.model_validate(d) for d in describe_workspace(state(request).workspace)]


@router.get("/datasets/{name}")
def dataset(request: Request, name: str) -> DatasetInfo:
    """One dataset: columns, spaces with their graphs and projections, runs, colour fields."""
    workspace = state(request).workspace
    fields = [f.to_dict() for f in list_fields(workspace, name)]
    return DatasetInfo.model_validate({**describe_dataset(workspace, name), "fields": fields})


@router.get("/datasets/{name}/fields")
def fields(request: Request, name: str) -> list[FieldInfo]:
    """What the map can be coloured by."""
    return [
        FieldInfo.model_validate(f.to_dict()) for f in list_fields(state(request).workspace, name)
    ]


@router.get("/datasets/{name}/fields/{field:path}/legend")
def field_legend(request: Request, name: str, field: str) -> Legend:
    """The legend of one field: categories with counts, or the numeric range."""
    return Legend.model_validate(cached_field(request, name, field).legend())


@router.get(
    "/datasets/{name}/fields/{field:path}/values",
    response_class=Response,
    responses=ARRAY_RESPONSES,
)
def field_array(request: Request, name: str, field: str) -> Response:
    """Per-item values in dataset order: uint16 category codes or float32 in [0, 1]."""
    values = cached_field(request, name, field)
    return binary(values.values, kind=values.info.kind, count=len(values.values))


@router.get(
    "/datasets/{name}/spaces/{space}/projection",
    response_class=Response,
    responses=ARRAY_RESPONSES,
)
def projection(
    request: Request,
    name: str,
    space: str,
    method: Method = "umap",
    dims: int = Query(2, ge=2, le=3),
) -> Response:
    """Stored coordinates scaled into [-0.95, 0.95], float32, interleaved (x, y[, z]) per item."""
    app_state = state(request)
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
    method: Method = "pca",
    dims: int = Query(2, ge=2, le=3),
    seed: Seed = 0,
) -> ProjectionMade:
    """Compute (or reuse) a projection; then GET the same address for the coordinates."""
    result = project_space(
        state(request).workspace, name, space, method=method, dims=dims, seed=seed
    )
    return ProjectionMade(
        dataset=name,
        space=space,
        method=method,
        dims=dims,
        reused=result.reused,
        n_items=len(result.coords),
    )


@router.post("/datasets/{name}/warm")
def warm(request: Request, name: str) -> Warming:
    """Build the item index in the background. The map asks once its first frame is drawn:
    built during the first frame's requests, it slowed them by ~1.3 s at 1M items (the index
    competes for the two cores and the interpreter)."""
    app_state = state(request)
    n_items = len(app_state.workspace.dataset(name))  # an unknown dataset: 404 here, not later
    app_state.warm_items(name)
    return Warming(dataset=name, n_items=n_items)


@router.get("/datasets/{name}/spaces/{space}/search")
def search_space(
    request: Request,
    name: str,
    space: str,
    q: str = Query(..., min_length=1, max_length=2000),
    by: Literal["text", "id"] = "text",
    k: int = Query(25, ge=1, le=1000),
) -> SearchResult:
    """Semantic search through the space's own model, or by the id of an example item."""
    app_state = state(request)
    found = search_rows(app_state.workspace, name, space, q, by, k)
    hits = app_state.items(name).search_hits(found)
    return SearchResult(
        query=q, by=by, space=found.space, hits=[SearchHit.model_validate(h) for h in hits]
    )


@router.post("/datasets/{name}/spaces/{space}/clusters")
def make_clusters(
    request: Request, name: str, space: str, n_clusters: int | None = None, seed: Seed = 0
) -> ClustersMade:
    """Cluster the space (k-means by cosine); colour the map by `clusters-SPACE:cluster`."""
    result = cluster(state(request).workspace, name, space, n_clusters=n_clusters, seed=seed)
    state(request).forget(name)
    return ClustersMade.model_validate({**result, "field": f"clusters-{space}:cluster"})


@router.post("/datasets/{name}/compare")
def compare(request: Request, name: str, a: str, b: str, k: NeighbourCount = 10) -> Comparison:
    """Per-item neighbour agreement of spaces `a` and `b` (stored as a colour field)."""
    return Comparison.model_validate(compare_spaces(state(request).workspace, name, a, b, k=k))


@router.get("/datasets/{name}/compare/changes")
def compare_changes(
    request: Request,
    name: str,
    a: str,
    b: str,
    k: NeighbourCount = 10,
    limit: int = Query(50, ge=1, le=1000),
) -> NeighbourhoodChanges:
    """The items whose k neighbours differ most between spaces `a` and `b`, with the
    neighbours each gained and lost, from the graphs POST .../compare stored."""
    workspace = state(request).workspace
    found = neighbourhood_changes(workspace, name, a, b, k=k, limit=limit, make_graphs=False)
    return NeighbourhoodChanges.model_validate(found)
