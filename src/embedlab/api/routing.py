"""The API's route class: a write whose route reads no body refuses one that came with it.

FastAPI ignores a JSON body sent to a route whose parameters are all in the query string, so
`POST .../clusters` with `{"n_clusters": 5}` would silently cluster with the default count.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from embedlab.api.errors import error_response

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
EMPTY_BODIES = {b"", b"{}", b"null"}

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class QueryOnlyWriteRoute(APIRoute):
    """An APIRoute that, for a write taking no body (none declared, none read by hand through
    `openapi_extra`), answers 422 naming its query parameters when a body is sent."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if not self._takes_no_body():
            return handler
        names = [param.alias for param in self.dependant.query_params]

        async def refusing_stray_body(request: Request) -> Response:
            body = (await request.body()).strip()
            if body not in EMPTY_BODIES:
                return error_response(422, "ValidationError", self._stray_body(request, names))
            return await handler(request)

        return refusing_stray_body

    def _takes_no_body(self) -> bool:
        declared = self.body_field is not None or "requestBody" in (self.openapi_extra or {})
        return not declared and bool(self.methods & WRITES)

    @staticmethod
    def _stray_body(request: Request, names: list[str]) -> str:
        where = f"{request.method} {request.url.path}"
        if not names:
            return f"{where} takes no request body, but one was sent; send the request without it."
        listed = ", ".join(names)
        return (
            f"{where} takes its parameters in the query string ({listed}), not in the request "
            f"body, which was not read; send them as ?{names[0]}=..."
        )


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes refuse a body they would ignore (QueryOnlyWriteRoute)."""
    return APIRouter(route_class=QueryOnlyWriteRoute, **kwargs)
