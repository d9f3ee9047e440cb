"""Responses that are not JSON (little-endian arrays, CSV files, images) and what /openapi.json
says about them, so every route's 200 is described."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi.responses import Response

from embedlab.api.models import ErrorBody

BINARY = "application/octet-stream"
CSV = "text/csv"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp")
FILE_SCHEMA = {"type": "string", "format": "binary"}
#: Every 4xx answer has the app's one error body (see api/errors.py).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "The request was refused (one error body)."}
}


def described(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses=` of a route whose 200 is a file of one of `media_types` (its
    `response_class` stays a plain Response, so its errors are still described as JSON)."""
    content = {media_type: {"schema": FILE_SCHEMA} for media_type in media_types}
    return {200: {"description": description, "content": content}}


ARRAY_RESPONSES = described(
    "Little-endian values; X-Embedlab-Dtype, -Count (and -Dims or -Kind) give their layout.",
    BINARY,
)
CSV_RESPONSES = described("A CSV file (a header row first).", CSV)
IMAGE_RESPONSES = described("The image or its thumbnail, as registered at ingest.", *IMAGE_TYPES)


def binary(array: np.ndarray, **headers: Any) -> Response:
    """A little-endian array as the body; its shape and type in X-Embedlab-* headers."""
    data = np.ascontiguousarray(array)
    info = {"X-Embedlab-Dtype": data.dtype.newbyteorder("<").str, "Cache-Control": "no-cache"}
    info.update({f"X-Embedlab-{k.replace('_', '-').title()}": str(v) for k, v in headers.items()})
    body = data.astype(data.dtype.newbyteorder("<")).tobytes()
    return Response(body, media_type=BINARY, headers=info)


def csv_file(text: str, filename: str) -> Response:
    """`text` as a CSV download named `filename` (made safe for the header)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    return Response(
        text,
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
