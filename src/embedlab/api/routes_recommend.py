"""Recommendations for a user of a ratings dataset: the same pipeline function as
`embedlab recommend`; the rows let the app highlight picks and history on the item map."""

from __future__ import annotations

from fastapi import Query, Request

from embedlab.api.models_records import Recommendations
from embedlab.api.routes_map import state
from embedlab.api.routing import api_router
from embedlab.pipeline.recommend import recommend

router = api_router(tags=["recommend"])


@router.get("/datasets/{name}/spaces/{space}/recommend")
def recommend_for_user(
    request: Request,
    name: str,
    space: str,
    user: str = Query(..., min_length=1, max_length=200),
    k: int = Query(10, ge=1, le=500),
    explain: int = Query(3, ge=0, le=20),
) -> Recommendations:
    """The top-k items the user has not seen (a collaborative space: als, bpr, svd), each with
    the seen items nearest to it; an unknown user is a 404 with the closest ids."""
    result = recommend(state(request).workspace, name, space, user, k=k, explain=explain)
    return Recommendations.model_validate(result.to_dict())
