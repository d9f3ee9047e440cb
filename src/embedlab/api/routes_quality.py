"""The Data Quality and Label Quality pages' data, and running the checks from the app."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import Query, Request
from fastapi.encoders import jsonable_encoder

from embedlab.api.models import DataQualityPage, LabelQualityPage, QualityRun
from embedlab.api.routes_map import state
from embedlab.api.routing import api_router
from embedlab.pipeline.items_view import ItemIndex
from embedlab.pipeline.quality import quality
from embedlab.pipeline.quality_view import data_quality, label_quality

router = api_router(tags=["quality"])


def with_items(index: ItemIndex, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each record (which has a `row`) joined with what a card shows: text snippet, label,
    whether there is an image."""
    summaries = index.summaries(np.asarray([r["row"] for r in records], dtype=np.int64))
    return [{**summary, **record} for summary, record in zip(summaries, records, strict=True)]


@router.get("/datasets/{name}/spaces/{space}/quality")
def quality_page(request: Request, name: str, space: str) -> DataQualityPage:
    """Histograms of every check's statistic, the worst items per check, duplicate groups."""
    page = data_quality(state(request).workspace, name, space)
    index = state(request).items(name)
    for check in page["checks"]:
        check["worst"] = with_items(index, check["worst"])
    for group in page["duplicate_groups"]:
        group["items"] = with_items(index, [{"row": r} for r in group["rows"][:8]])
    return DataQualityPage.model_validate(page)


@router.post("/datasets/{name}/spaces/{space}/quality")
def run_quality(request: Request, name: str, space: str, label: str | None = None) -> QualityRun:
    """Run outliers, near-duplicates and (with labels) label issues; results are stored."""
    report = quality(state(request).workspace, name, space, label=label)
    state(request).forget(name)
    return QualityRun.model_validate(jsonable_encoder(report.to_dict(worst=5)))


@router.get("/datasets/{name}/spaces/{space}/label-quality")
def label_page(
    request: Request,
    name: str,
    space: str,
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> LabelQualityPage:
    """Suspected label errors (given, suggested, score, correction), confusion, rates."""
    page = label_quality(state(request).workspace, name, space, offset=offset, limit=limit)
    page["issues"] = with_items(state(request).items(name), page["issues"])
    return LabelQualityPage.model_validate(jsonable_encoder(page))
