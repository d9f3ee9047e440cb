"""The HTTP API and the web app: `create_app(workspace)` (FastAPI).

FastAPI is imported on first use of `create_app`, so `embedlab` commands other than `serve`
do not pay for it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from embedlab.api.app import create_app

        return create_app
    raise AttributeError(f"module 'embedlab.api' has no attribute {name!r}")
