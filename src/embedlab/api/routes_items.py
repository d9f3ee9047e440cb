"""Items: pages of a selection (rows sent as binary uint32), details, neighbours, media by id,
tags and label corrections."""

from __future__ import annotations

import json

import numpy as np
from fastapi import Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from embedlab.api.media import CSV_RESPONSES, IMAGE_RESPONSES, csv_file
from embedlab.api.models import (
    MAX_ROW,
    CorrectionRequest,
    CorrectionsSaved,
    GraphNeighbours,
    ItemDetails,
    Neighbour,
    SelectionPage,
    TagRequest,
    TagSaved,
)
from embedlab.api.routes_map import state
from embedlab.api.routing import api_router
from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.pipeline.annotate import (
    correct_labels,
    corrections_csv,
    ids_csv,
    label_corrections,
    tag_items,
    tags,
)

router = api_router(tags=["items"])
SELECTION_BODY = {
    "requestBody": {
        "description": 'Rows as little-endian uint32, or JSON {"rows": [int, ...]}.',
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "rows": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 0, "maximum": MAX_ROW},
                        }
                    },
                    "required": ["rows"],
                }
            },
        },
    }
}


async def selected_rows(request: Request) -> np.ndarray:
    """Rows of a selection: a binary body of little-endian uint32, or JSON {"rows": [...]}."""
    body = await request.body()
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json") or (
        not kind.startswith("application/octet-stream") and _is_json(body)
    ):
        return json_rows(body)
    if len(body) % 4:
        raise InvalidInputError(
            f"A binary selection must be little-endian uint32 rows (a multiple of 4 bytes). "
            f"Got {len(body)} bytes instead."
        )
    return np.frombuffer(body, dtype="<u4").astype(np.int64)


def _is_json(body: bytes) -> bool:
    """A JSON object sent without its content type (`curl -d` sends a form's): its bytes read as
    uint32 rows were "Row 1869750907 is not an item". Binary rows that spell a JSON object would
    need a dataset of over 500 million items."""
    if not body.lstrip()[:1] == b"{":
        return False
    try:
        return isinstance(json.loads(body), dict)
    except (ValueError, RecursionError):
        return False


def json_rows(body: bytes) -> np.ndarray:
    """The rows of a JSON selection, each an int in [0, MAX_ROW] (a row of a uint32 body)."""
    try:
        parsed = json.loads(body or b"{}")
        rows = parsed.get("rows", [])
    except RecursionError:
        raise InvalidInputError(
            'A JSON selection is nested too deeply; it must be {"rows": [int, ...]}.'
        ) from None
    except (ValueError, AttributeError):
        rows = None
    if not isinstance(rows, list):
        raise InvalidInputError('A JSON selection must be {"rows": [int, ...]}.')
    stray = sorted(set(parsed) - {"rows"})
    if stray:  # {"ids": [...]} was an empty selection, {"rows": [0], "ids": ...} row 0 alone
        raise InvalidInputError(
            f'A JSON selection takes only "rows"; got {", ".join(map(repr, stray))}. '
            'Expected {"rows": [int, ...]} (row numbers, as the map gives them).'
        )
    for position, row in enumerate(rows):
        if type(row) is not int:
            raise InvalidInputError(
                f"Selection rows must be ints (row numbers). Got {_short(row)} at position "
                f"{position}."
            )
        if not 0 <= row <= MAX_ROW:
            raise InvalidInputError(
                f"Selection rows must be ints in [0, {MAX_ROW}]. Got {row} at position {position}."
            )
    return np.asarray(rows, dtype=np.int64)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


@router.post("/datasets/{name}/selection", openapi_extra=SELECTION_BODY)
async def selection_page(
    request: Request,
    name: str,
    offset: int = Query(0, ge=0),
    limit: int = Query(60, ge=1, le=500),
) -> SelectionPage:
    """One page of the selected items with the count of selected items per label."""
    rows = await selected_rows(request)
    return SelectionPage.model_validate(
        state(request).items(name).page(rows, offset=offset, limit=limit)
    )


@router.post(
    "/datasets/{name}/selection/ids.csv",
    openapi_extra=SELECTION_BODY,
    response_class=Response,
    responses=CSV_RESPONSES,
)
async def selection_csv(request: Request, name: str) -> Response:
    """The ids of the selected items as CSV."""
    index = state(request).items(name)
    rows = index.check_rows(await selected_rows(request))
    return csv_file(ids_csv(index.ids[rows].tolist()), f"{name}-selection.csv")


@router.get("/datasets/{name}/item")
def item(request: Request, name: str, id: str) -> ItemDetails:
    """Every field of one item, its derived columns and its correction if any."""
    details = state(request).items(name).details(id)
    return ItemDetails.model_validate(jsonable_encoder(details))


@router.get("/datasets/{name}/item/neighbors")
def item_neighbours(
    request: Request, name: str, id: str, space: str, k: int = Query(12, ge=1, le=200)
) -> list[Neighbour]:
    """The item's nearest neighbours in `space` (from the stored graph)."""
    found = state(request).items(name).neighbours(id, space, k)
    return [Neighbour.model_validate(n) for n in found]


@router.get("/datasets/{name}/item/graph-neighbors")
def item_graph_neighbours(
    request: Request, name: str, id: str, limit: int = Query(100, ge=1, le=1000)
) -> GraphNeighbours:
    """The nodes linked to the item by an edge (graph datasets only)."""
    return GraphNeighbours.model_validate(state(request).items(name).graph_neighbours(id, limit))


@router.get("/datasets/{name}/media/{kind}", response_class=Response, responses=IMAGE_RESPONSES)
def media(request: Request, name: str, kind: str, id: str) -> Response:
    """The image or thumbnail of the item `id`. Only media registered at ingest are served."""
    data, media_type = state(request).items(name).media(id, kind)
    return Response(
        data,
        media_type=media_type,
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/datasets/{name}/tags")
def list_tags(request: Request, name: str) -> dict[str, int]:
    """Every tag with its item count."""
    return {tag: len(ids) for tag, ids in tags(state(request).workspace, name).items()}


@router.post("/datasets/{name}/tags")
def save_tag(request: Request, name: str, body: TagRequest) -> TagSaved:
    """Save items (by row or id) under a named tag."""
    index = state(request).items(name)
    ids = index.ids[index.check_rows(np.asarray(body.rows, dtype=np.int64))].tolist()
    count = tag_items(state(request).workspace, name, body.tag, [*ids, *body.ids])
    return TagSaved(tag=body.tag, tagged=count)


@router.get("/datasets/{name}/tags/{tag}.csv", response_class=Response, responses=CSV_RESPONSES)
def tag_csv(request: Request, name: str, tag: str) -> Response:
    """The ids of the items saved under `tag` as CSV."""
    members = tags(state(request).workspace, name)
    if tag not in members:
        raise NotFoundError(
            f"Dataset '{name}' has no tag '{tag}'. " + did_you_mean(tag, list(members))
        )
    return csv_file(ids_csv(members[tag]), f"{name}-{tag}.csv")


@router.get("/datasets/{name}/corrections")
def corrections(request: Request, name: str) -> dict[str, str]:
    """The current label correction of every corrected item."""
    return label_corrections(state(request).workspace, name)


@router.post("/datasets/{name}/corrections")
def correct(request: Request, name: str, body: CorrectionRequest) -> CorrectionsSaved:
    """Record label corrections (id -> label); the given labels stay as they were."""
    count = correct_labels(state(request).workspace, name, body.corrections)
    total = len(label_corrections(state(request).workspace, name))
    return CorrectionsSaved(corrected=count, total=total)


@router.get("/datasets/{name}/corrections.csv", response_class=Response, responses=CSV_RESPONSES)
def corrections_file(request: Request, name: str) -> Response:
    """Every correction as CSV: id, given label, corrected label."""
    return csv_file(corrections_csv(state(request).workspace, name), f"{name}-corrections.csv")
