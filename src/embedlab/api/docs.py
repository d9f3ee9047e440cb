"""/docs: Swagger UI served from the package (no CDN), so the API's docs work offline and under
the app's Content-Security-Policy. The assets come from npm `swagger-ui-dist` (`make frontend`
copies them into embedlab/app/docs, where they are committed)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from embedlab.api.headers import content_security_policy, inline_script_hashes

DOCS_ASSETS = Path(__file__).resolve().parent.parent / "app" / "docs"
ASSETS_URL = "/docs/assets"
ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


def docs_page(openapi_url: str, title: str) -> HTMLResponse:
    """Swagger UI over `openapi_url`, every asset from this server, its inline start script
    allowed by hash."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title}: API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},  # else a badge from validator.swagger.io
    )
    policy = content_security_policy(scripts=inline_script_hashes(page.body))
    page.headers["Content-Security-Policy"] = policy
    return page


def install_docs(app: FastAPI) -> None:
    """GET /docs and its assets; a 503 with the build command where the assets are missing."""
    if all((DOCS_ASSETS / name).is_file() for name in ASSET_FILES):
        app.mount(ASSETS_URL, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        if not all((DOCS_ASSETS / name).is_file() for name in ASSET_FILES):
            return HTMLResponse(
                "<h1>embedlab API</h1><p>Swagger UI is not in this install; the schema is at "
                "<a href='/openapi.json'>/openapi.json</a>. Add it with <code>make "
                "frontend</code>.</p>",
                status_code=503,
            )
        return docs_page(app.openapi_url or "/openapi.json", app.title)
