"""Items: pages of a selection (rows sent as binary uint32), details, neighbours, media by id,
tags and label corrections."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from embedlab.api.routes_map import state
from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.pipeline.annotate import (
    correct_labels,
    corrections_csv,
    ids_csv,
    label_corrections,
    tag_items,
    tags,
)

router = APIRouter(tags=["items"])


async def selected_rows(request: Request) -> np.ndarray:
    """Rows of a selection: a binary body of little-endian uint32, or JSON {"rows": [...]}."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            rows = json.loads(body or b"{}").get("rows", [])
        except (ValueError, AttributeError):
            rows = None
        if not isinstance(rows, list):
            raise InvalidInputError('A JSON selection must be {"rows": [int, ...]}.')
        bad = next((r for r in rows if type(r) is not int), None)
        if bad is not None:
            raise InvalidInputError(
                f"Selection rows must be ints (row numbers). Got {bad!r} at position "
                f"{rows.index(bad)}."
            )
        return np.asarray(rows, dtype=np.int64)
    if len(body) % 4:
        raise InvalidInputError(
            f"A binary selection must be little-endian uint32 rows (a multiple of 4 bytes). "
            f"Got {len(body)} bytes instead."
        )
    return np.frombuffer(body, dtype="<u4").astype(np.int64)


@router.post("/datasets/{name}/selection")
async def selection_page(
    request: Request,
    name: str,
    offset: int = Query(0, ge=0),
    limit: int = Query(60, ge=1, le=500),
) -> dict[str, Any]:
    """One page of the selected items with the count of selected items per label."""
    rows = await selected_rows(request)
    return state(request).items(name).page(rows, offset=offset, limit=limit)


@router.post("/datasets/{name}/selection/ids.csv")
async def selection_csv(request: Request, name: str) -> Response:
    """The ids of the selected items as CSV."""
    index = state(request).items(name)
    rows = index.check_rows(await selected_rows(request))
    return _csv(ids_csv(index.ids[rows].tolist()), f"{name}-selection.csv")


@router.get("/datasets/{name}/item")
def item(request: Request, name: str, id: str) -> dict[str, Any]:
    """Every field of one item, its derived columns and its correction if any."""
    return state(request).items(name).details(id)


@router.get("/datasets/{name}/item/neighbors")
def item_neighbours(
    request: Request, name: str, id: str, space: str, k: int = Query(12, ge=1, le=200)
) -> list[dict[str, Any]]:
    """The item's nearest neighbours in `space` (from the stored graph)."""
    return state(request).items(name).neighbours(id, space, k)


@router.get("/datasets/{name}/media/{kind}")
def media(request: Request, name: str, kind: str, id: str) -> Response:
    """The image or thumbnail of the item `id`. Only media registered at ingest are served."""
    data, media_type = state(request).items(name).media(id, kind)
    return Response(
        data,
        media_type=media_type,
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


class TagRequest(BaseModel):
    tag: str = Field(..., min_length=1, max_length=100)
    rows: list[int] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list)


@router.get("/datasets/{name}/tags")
def list_tags(request: Request, name: str) -> dict[str, Any]:
    """Every tag with its item count."""
    return {tag: len(ids) for tag, ids in tags(state(request).workspace, name).items()}


@router.post("/datasets/{name}/tags")
def save_tag(request: Request, name: str, body: TagRequest) -> dict[str, Any]:
    """Save items (by row or id) under a named tag."""
    index = state(request).items(name)
    ids = index.ids[index.check_rows(np.asarray(body.rows, dtype=np.int64))].tolist()
    count = tag_items(state(request).workspace, name, body.tag, [*ids, *body.ids])
    return {"tag": body.tag, "tagged": count}


@router.get("/datasets/{name}/tags/{tag}.csv")
def tag_csv(request: Request, name: str, tag: str) -> Response:
    members = tags(state(request).workspace, name)
    if tag not in members:
        raise NotFoundError(
            f"Dataset '{name}' has no tag '{tag}'. " + did_you_mean(tag, list(members))
        )
    return _csv(ids_csv(members[tag]), f"{name}-{tag}.csv")


class CorrectionRequest(BaseModel):
    corrections: dict[str, str] = Field(..., min_length=1, max_length=100_000)


@router.get("/datasets/{name}/corrections")
def corrections(request: Request, name: str) -> dict[str, str]:
    """The current label correction of every corrected item."""
    return label_corrections(state(request).workspace, name)


@router.post("/datasets/{name}/corrections")
def correct(request: Request, name: str, body: CorrectionRequest) -> dict[str, Any]:
    """Record label corrections (id -> label); the given labels stay as they were."""
    count = correct_labels(state(request).workspace, name, body.corrections)
    return {"corrected": count, "total": len(label_corrections(state(request).workspace, name))}


@router.get("/datasets/{name}/corrections.csv")
def corrections_file(request: Request, name: str) -> Response:
    return _csv(corrections_csv(state(request).workspace, name), f"{name}-corrections.csv")


def _csv(text: str, filename: str) -> Response:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
