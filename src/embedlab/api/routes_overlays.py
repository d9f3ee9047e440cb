"""Overlays of a map: how far it can be trusted (per item and one mean per map)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from embedlab.api.models import NeighbourCount, TrustSummary
from embedlab.api.routes_map import Method, state
from embedlab.errors import NotFoundError
from embedlab.pipeline.graph import DEFAULT_K
from embedlab.pipeline.trust import compute_trust, stored_trust

router = APIRouter(tags=["map"])


@router.get("/datasets/{name}/spaces/{space}/trust")
def trust(
    request: Request,
    name: str,
    space: str,
    method: Method = "umap",
    dims: int = Query(2, ge=2, le=3),
) -> TrustSummary:
    """The stored trust of a map: mean and median share of kept neighbours, and its field."""
    workspace = state(request).workspace
    workspace.space(name, space)  # a missing dataset or space says so first
    found = stored_trust(workspace, name, space, method=method, dims=dims)
    if found is None:
        raise NotFoundError(
            f"No trust computed for the {dims}-D {method} map of space '{space}' of dataset "
            f"'{name}'. Compute it with `embedlab trust {name} {space} --method {method}` or "
            "POST to this address."
        )
    return TrustSummary.model_validate(found)


@router.post("/datasets/{name}/spaces/{space}/trust")
def make_trust(
    request: Request,
    name: str,
    space: str,
    method: Method = "umap",
    dims: int = Query(2, ge=2, le=3),
    k: NeighbourCount = DEFAULT_K,
) -> TrustSummary:
    """Compute the trust of a stored map from the space's neighbour graph (stored as the
    colour field `trust-SPACE-METHOD-DIMSd:trust`)."""
    result = compute_trust(state(request).workspace, name, space, method=method, dims=dims, k=k)
    return TrustSummary.model_validate(result)
