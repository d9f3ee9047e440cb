"""Operations the CLI has that store new columns: auto-labelling and imputation over a space's
neighbour graph, and image quality checks. Each calls the same pipeline function as the CLI and
names the field the map can then be coloured by."""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder

from embedlab.api.models import (
    AutolabelRequest,
    AutolabelResult,
    ImageCheckSummary,
    ImageQualityRequest,
    ImageQualityResult,
    ImputeRequest,
    ImputeResult,
    ScoredId,
)
from embedlab.api.routes_map import state
from embedlab.api.routing import api_router
from embedlab.pipeline.autolabel import autolabel
from embedlab.pipeline.image_quality import image_quality
from embedlab.pipeline.impute import impute

router = api_router(tags=["analysis"])


@router.post("/datasets/{name}/spaces/{space}/autolabel")
def run_autolabel(
    request: Request, name: str, space: str, body: AutolabelRequest
) -> AutolabelResult:
    """Label every item by spreading the known labels over the space's graph; stored as the
    `autolabel-SPACE` columns."""
    report = autolabel(
        state(request).workspace,
        name,
        space,
        label=body.label,
        known=body.known,
        k=body.k,
        seed=body.seed,
    )
    state(request).forget(name)
    field = f"autolabel-{space}:auto_label"
    return AutolabelResult.model_validate({**report.to_dict(), "field": field})


@router.post("/datasets/{name}/spaces/{space}/impute")
def run_impute(request: Request, name: str, space: str, body: ImputeRequest) -> ImputeResult:
    """Estimate the missing values of a column from each item's neighbours, and how well that
    works on hidden known values; stored as the `impute-SPACE-COLUMN` columns."""
    report = impute(state(request).workspace, name, space, body.column, k=body.k, seed=body.seed)
    state(request).forget(name)
    field = f"impute-{space}-{body.column}:{body.column}_filled"
    return ImputeResult.model_validate({**jsonable_encoder(report), "field": field})


@router.post("/datasets/{name}/image-quality")
def run_image_quality(request: Request, name: str, body: ImageQualityRequest) -> ImageQualityResult:
    """Check every image (dark, bright, low contrast, blurry, odd colour or shape, exact
    duplicates); stored as the dataset's `image-quality` columns."""
    report = image_quality(
        state(request).workspace, name, thresholds=body.thresholds or None, fence=body.fence
    )
    state(request).forget(name)
    checks = {
        check: ImageCheckSummary.model_validate(
            {
                **jsonable_encoder(summary),
                "worst": [ScoredId(id=i, score=s) for i, s in summary["worst"]],
            }
        )
        for check, summary in report.to_dict()["checks"].items()
    }
    return ImageQualityResult(dataset=report.dataset, n_items=len(report.ids), checks=checks)
