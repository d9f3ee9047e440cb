"""One error body for every failure: {"error": {"status", "type", "message"}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from embedlab.errors import (
    EmbedlabError,
    InvalidInputError,
    MissingDependencyError,
    NotFittedError,
    NotFoundError,
    WorkspaceError,
)

LOG = logging.getLogger("embedlab.api")
STATUS_OF = {
    NotFoundError: 404,
    InvalidInputError: 400,
    NotFittedError: 409,
    WorkspaceError: 409,
    MissingDependencyError: 501,
}


def error_response(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"status": status, "type": kind, "message": message}}, status_code=status
    )


def status_of(error: EmbedlabError) -> int:
    for cls, status in STATUS_OF.items():
        if isinstance(error, cls):
            return status
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EmbedlabError)
    async def embedlab_error(_: Request, error: EmbedlabError) -> JSONResponse:
        return error_response(status_of(error), type(error).__name__, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        response = error_response(error.status_code, "HTTPError", str(error.detail))
        response.headers.update(error.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in error.errors()
        )
        return error_response(422, "ValidationError", f"Invalid request: {problems}")

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        # The details (paths, data) stay in the server's log, not in a response to a client.
        LOG.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return error_response(
            500, "InternalError", f"Internal error ({type(error).__name__}); see the server log."
        )
