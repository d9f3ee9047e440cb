"""The HTTP API and the web app: `create_app(workspace)` (FastAPI)."""

from embedlab.api.app import create_app

__all__ = ["create_app"]
