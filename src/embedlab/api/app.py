"""`create_app(workspace)`: the FastAPI app behind `embedlab serve`.

Every page of the web app is drawn from these JSON endpoints (its JSON twin); coordinates and
colour values travel as little-endian binary arrays, not JSON lists, because a million points
as JSON would be ~30 MB and slow to parse. The routes only translate HTTP to the same library
functions the CLI calls.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from embedlab.api.docs import install_docs
from embedlab.api.errors import install_error_handlers
from embedlab.api.headers import APP_POLICY, SecurityHeadersMiddleware
from embedlab.api.media import ERROR_RESPONSES
from embedlab.api.routes_analysis import router as analysis_router
from embedlab.api.routes_items import router as items_router
from embedlab.api.routes_map import router as map_router
from embedlab.api.routes_overlays import router as overlays_router
from embedlab.api.routes_quality import router as quality_router
from embedlab.api.routes_recommend import router as recommend_router
from embedlab.api.routes_records import router as records_router
from embedlab.api.routes_views import router as views_router
from embedlab.api.security import GuardMiddleware
from embedlab.pipeline.items_view import ItemIndex
from embedlab.store.workspace import Workspace

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"
DEFAULT_MAX_BODY = 8 * 1024 * 1024  # a selection of 2M rows as uint32
CACHE_ENTRIES = 16


class AppState:
    """The workspace and what the app reads again and again: item indexes (one per dataset
    version), colour fields and scaled projections (keyed by the catalog's version, so any new
    result or correction invalidates them)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._items: dict[str, ItemIndex] = {}
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def items(self, name: str) -> ItemIndex:
        version = self.workspace.dataset(name).version
        with self._lock:
            index = self._items.get(name)
            if index is None or index.version != version:
                index = ItemIndex(self.workspace, name)
                self._items[name] = index
            return index

    def warm_items(self, name: str) -> None:
        """Build the item index of `name` in the background (the first selection then needs
        no wait)."""

        def build() -> None:
            index = self.items(name)
            _ = (index.row_of, index.texts, index.labels, index.label_column)

        threading.Thread(target=build, daemon=True).start()

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """`make()` once per key and catalog version; the 16 latest are kept."""
        full_key = (self.workspace.catalog.version(), *key)
        with self._lock:
            if full_key in self._cache:
                self._cache.move_to_end(full_key)
                return self._cache[full_key]
        value = make()
        with self._lock:
            self._cache[full_key] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value

    def forget(self, name: str) -> None:
        """Drop cached data of `name` (e.g. after a correction changed what it shows)."""
        with self._lock:
            self._items.pop(name, None)
            self._cache.clear()


def _warm_store(workspace: Workspace) -> None:
    """Import LanceDB and read the catalog while the server starts (about a second on a cold
    process), so the first page does not wait for it. An error here is left for the first
    request to meet and report."""
    with contextlib.suppress(Exception):
        workspace.dataset_names()


def create_app(
    workspace: Workspace | str | Path,
    *,
    token: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    allowed_hosts: set[str] | None = None,
) -> FastAPI:
    """The web app and its JSON API over `workspace`; `token`, when given, is required on
    every request (header, cookie or ?token=); `allowed_hosts`, when given, are the only Host
    names answered (a loopback server's own names, against DNS rebinding)."""
    if not isinstance(workspace, Workspace):
        workspace = Workspace(workspace)
    app = FastAPI(
        title="embedlab",
        description="Embedding maps, search and data quality over an embedlab workspace.",
        version="0.1.0",
        docs_url=None,  # install_docs serves Swagger UI from the package, not a CDN
        redoc_url=None,
    )
    app.state.embedlab = AppState(workspace)
    threading.Thread(target=_warm_store, args=(workspace,), daemon=True).start()
    install_error_handlers(app)
    routers = (
        map_router,
        overlays_router,
        items_router,
        quality_router,
        analysis_router,
        recommend_router,
        records_router,
        views_router,
    )
    for router in routers:
        app.include_router(router, prefix="/api", responses=ERROR_RESPONSES)
    install_docs(app)
    app.add_middleware(
        GuardMiddleware, token=token, max_body_bytes=max_body_bytes, allowed_hosts=allowed_hosts
    )
    app.add_middleware(SecurityHeadersMiddleware)  # last added, outermost: on refusals too
    if (STATIC / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=STATIC / "assets"), name="assets")

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = STATIC / "index.html"
        if not page.is_file():
            return HTMLResponse(
                "<h1>embedlab</h1><p>The web app is not built in this install; the JSON API is "
                "at <a href='/docs'>/docs</a>. Build it with <code>npm --prefix frontend "
                "ci && npm --prefix frontend run build</code>.</p>",
                status_code=503,
            )
        return HTMLResponse(
            page.read_text(encoding="utf-8"),
            headers={"Cache-Control": "no-cache", "Content-Security-Policy": APP_POLICY},
        )

    return app
