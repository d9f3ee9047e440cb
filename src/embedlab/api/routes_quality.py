"""The Data Quality and Label Quality pages' data, and running the checks from the app."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from embedlab.api.routes_map import state
from embedlab.pipeline.quality import quality
from embedlab.pipeline.quality_view import data_quality, label_quality

router = APIRouter(tags=["quality"])


@router.get("/datasets/{name}/spaces/{space}/quality")
def quality_page(request: Request, name: str, space: str) -> dict[str, Any]:
    """Histograms of every score, the worst items per check, duplicate groups."""
    return data_quality(state(request).workspace, name, space)


@router.post("/datasets/{name}/spaces/{space}/quality")
def run_quality(
    request: Request, name: str, space: str, label: str | None = None
) -> dict[str, Any]:
    """Run outliers, near-duplicates and (with labels) label issues; results are stored."""
    report = quality(state(request).workspace, name, space, label=label)
    state(request).forget(name)
    return report.to_dict(worst=5)


@router.get("/datasets/{name}/spaces/{space}/label-quality")
def label_page(
    request: Request,
    name: str,
    space: str,
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """Suspected label errors (given, suggested, score, correction), confusion, rates."""
    return label_quality(state(request).workspace, name, space, offset=offset, limit=limit)
