"""Request guards: a token when the server is reachable from other machines, and a limit on
the size of request bodies (counted as they arrive, so a missing Content-Length cannot dodge it).
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_COOKIE = "embedlab_token"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def needs_token(host: str) -> bool:
    return host not in LOOPBACK_HOSTS


def new_token() -> str:
    return secrets.token_urlsafe(24)


class _TooLarge(Exception):
    pass


class GuardMiddleware:
    """Refuses requests without the token (when one is set) and bodies over `max_body_bytes`."""

    def __init__(self, app: ASGIApp, *, token: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        set_cookie = False
        if self.token is not None:
            given, from_query = _token_of(scope, headers)
            if given is None or not secrets.compare_digest(given, self.token):
                await _reject(
                    send,
                    401,
                    "This embedlab server needs its token: open the URL it "
                    "printed (with ?token=...) or send 'Authorization: Bearer TOKEN'.",
                )
                return
            set_cookie = from_query  # a browser opened the printed URL: remember it
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await _reject(send, 413, self._too_large(int(length)))
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _TooLarge
            return message

        started = False

        async def send_with_cookie(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if set_cookie:
                    cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                    message = {
                        **message,
                        "headers": [*message["headers"], (b"set-cookie", cookie.encode())],
                    }
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_cookie)
        except _TooLarge:
            if not started:
                await _reject(send, 413, self._too_large(received))

    def _too_large(self, size: int) -> str:
        return (
            f"The request body is too large: {size:,} bytes; the limit is "
            f"{self.max_body_bytes:,} bytes."
        )


def _token_of(scope: Scope, headers: dict[str, str]) -> tuple[str | None, bool]:
    """The token a request carries, and whether it came in the query string."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    if "x-embedlab-token" in headers:
        return headers["x-embedlab-token"], False
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            return value, False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    given = query.get("token", [None])[0]
    return given, given is not None


async def _reject(send: Send, status: int, message: str) -> None:
    body: dict[str, Any] = {"error": {"status": status, "type": "HTTPError", "message": message}}
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
