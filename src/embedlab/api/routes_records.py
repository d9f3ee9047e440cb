"""Tabular records: the learned vectors of a categorical column as a dataset of its values,
and one-hot against entity embeddings predicting a column: the same pipeline functions as
`embedlab categories` and `embedlab evaluate NAME --target`."""

from __future__ import annotations

from fastapi import Request

from embedlab.api.models_records import (
    CategoriesRequest,
    CategoriesResult,
    EncodingsRequest,
    EncodingsResult,
)
from embedlab.api.routes_map import state
from embedlab.api.routing import api_router
from embedlab.pipeline.entity import categories, evaluate_target

router = api_router(tags=["records"])


@router.post("/datasets/{name}/spaces/{space}/categories")
def make_categories(
    request: Request, name: str, space: str, body: CategoriesRequest
) -> CategoriesResult:
    """Store the values of a categorical column as a dataset (default NAME-COLUMN) whose space
    SPACE holds each value's learned entity vector, so the map shows which values sit together."""
    report = categories(state(request).workspace, name, space, body.column, into=body.into)
    return CategoriesResult.model_validate(report.to_dict())


@router.post("/datasets/{name}/encodings")
def compare_encodings(request: Request, name: str, body: EncodingsRequest) -> EncodingsResult:
    """One-hot vs entity embeddings vs numeric PCA of the records predicting `target`, with the
    same ridge/logistic and gradient-boosting models on one seeded held-out split."""
    comparison = evaluate_target(
        state(request).workspace,
        name,
        body.target,
        columns=body.columns,
        seed=body.seed,
        entity_params=dict(body.entity) or None,
    )
    return EncodingsResult.model_validate(comparison.to_dict())
