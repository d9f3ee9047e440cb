"""Views as data: the rows of a tag (a bookmarked view names its tag) and a selection or tag
made into a new dataset."""

from __future__ import annotations

import numpy as np
from fastapi import Request

from embedlab.api.models_views import SubsetMade, SubsetRequest, TagRows
from embedlab.api.routes_map import state
from embedlab.api.routing import api_router
from embedlab.errors import NotFoundError, did_you_mean
from embedlab.pipeline.annotate import tags
from embedlab.pipeline.subset import subset

router = api_router(tags=["views"])


@router.get("/datasets/{name}/tags/{tag}/rows")
def tag_rows(request: Request, name: str, tag: str) -> TagRows:
    """The rows of the items saved under `tag`, in dataset order."""
    members = tags(state(request).workspace, name)
    if tag not in members:
        raise NotFoundError(
            f"Dataset '{name}' has no tag '{tag}'. " + did_you_mean(tag, list(members))
        )
    index = state(request).items(name)
    position = {item: row for row, item in enumerate(index.ids.tolist())}
    rows = sorted(position[i] for i in members[tag] if i in position)
    return TagRows(tag=tag, rows=rows)


@router.post("/datasets/{name}/subset", status_code=201)
def make_subset(request: Request, name: str, body: SubsetRequest) -> SubsetMade:
    """Copy the chosen items (a tag, ids or rows) into a new dataset `body.name`."""
    rows = None if body.rows is None else np.asarray(body.rows, dtype=np.int64).tolist()
    report = subset(
        state(request).workspace, name, body.name, tag=body.tag, ids=body.ids, rows=rows
    )
    return SubsetMade(
        dataset=report.dataset.name,
        n_items=report.n_items,
        source=report.dataset.meta["source"],
        columns=report.dataset.columns,
    )
