"""`embedlab serve`: the web app over the workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from embedlab.api.server import DEFAULT_HOST, DEFAULT_PORT
from embedlab.cli.common import MAX_PORT, int_option, out, workspace


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default)")] = (
        DEFAULT_HOST
    ),
    port: Annotated[int, int_option(help="Port", low=1, high=MAX_PORT)] = DEFAULT_PORT,
    token: Annotated[
        str | None,
        typer.Option(
            help="Token every request must carry (made up when --host is not "
            "loopback and none is given)"
        ),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL; do not open a browser")
    ] = False,
) -> None:
    """Open the web app: embedding maps, selections, search, Data and Label Quality."""
    from embedlab.api.server import ensure_port_free, run_server, serve_settings

    settings = serve_settings(host, port, token)
    ensure_port_free(settings)
    ws = workspace(ctx)
    out.print(f"embedlab serving {ws.path} at {settings.url}  (Ctrl+C stops)")
    run_server(ws, settings, open_browser=not no_browser)


def register(app: typer.Typer) -> None:
    """Add `serve` to the embedlab app."""
    app.command()(serve)
