"""Run the app with uvicorn: loopback by default, a token whenever it is reachable from other
machines, the browser opened where there is a display."""

from __future__ import annotations

import errno
import os
import socket
import sys
import webbrowser
from dataclasses import dataclass

from embedlab.api.security import LOOPBACK_HOSTS, needs_token, new_token
from embedlab.errors import InvalidInputError
from embedlab.store.workspace import Workspace

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5757


@dataclass
class ServeSettings:
    host: str
    port: int
    token: str | None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"/?token={self.token}" if self.token else "/"
        return f"http://{host}:{self.port}{query}"


def serve_settings(host: str, port: int, token: str | None) -> ServeSettings:
    """Checked settings; a token is made up when the host is not loopback and none was given."""
    if not 1 <= port <= 65535:
        raise InvalidInputError(f"The port must be an int in [1, 65535]. Got {port} instead.")
    if token is not None and len(token) < 8:
        raise InvalidInputError(
            f"The token must have at least 8 characters. Got {len(token)} instead."
        )
    if token is None and needs_token(host):
        token = new_token()
    return ServeSettings(host, port, token)


def ensure_port_free(settings: ServeSettings) -> None:
    """Bind the address once and let it go, so that a busy port is an error before anything
    says the app is served there (uvicorn would fail only after starting up)."""
    where = f"port {settings.port} of {settings.host}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            settings.host, settings.port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror as error:
        raise InvalidInputError(
            f"Cannot serve on {where}: the host is unknown ({error.strerror})."
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            reasons = {
                errno.EADDRINUSE: "it is in use by another program",
                errno.EACCES: "permission denied (ports below 1024 need privileges)",
                errno.EADDRNOTAVAIL: "the address is not one of this machine's",
            }
            reason = reasons.get(error.errno or 0, error.strerror or str(error))
            raise InvalidInputError(
                f"Cannot serve on {where}: {reason}. Stop the other server or choose another "
                "port with --port."
            ) from None


def has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def run_server(workspace: Workspace, settings: ServeSettings, *, open_browser: bool) -> None:
    """Serve until interrupted (blocking)."""
    import uvicorn

    from embedlab.api.app import create_app

    hosts = None if needs_token(settings.host) else LOOPBACK_HOSTS
    app = create_app(workspace, token=settings.token, allowed_hosts=hosts)
    if open_browser and has_display():
        webbrowser.open(settings.url)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
