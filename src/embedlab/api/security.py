"""Request guards, in one ASGI middleware:

- a token when the server is reachable from other machines (header, cookie or ?token=; a token
  in the URL wins over an old cookie, and sets the cookie for the page's later requests);
- the Host header must name this server when it is bound to loopback (a DNS-rebinding page
  cannot read the API through a name of its own);
- every request that changes something (POST, PUT, PATCH, DELETE) must carry the
  `X-Embedlab: 1` header, which a cross-site form or simple request cannot send (CSRF);
- request bodies are read here, up to `max_body_bytes`, before the app sees them, so a body
  without Content-Length cannot dodge the limit.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_COOKIE = "embedlab_token"
CSRF_HEADER = "x-embedlab"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def needs_token(host: str) -> bool:
    return host not in LOOPBACK_HOSTS


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same_token(given: str, token: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


class GuardMiddleware:
    """Token, Host, CSRF header and body size: see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body_bytes: int,
        allowed_hosts: set[str] | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self._refusal(scope, headers)
        if problem is not None:
            await _reject(send, *problem)
            return
        body = b""
        if scope["method"] in WRITES:
            try:
                body = await self._read_body(receive, headers)
            except _TooLarge as error:
                await _reject(send, 413, self._too_large(error.size))
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        in_url = _query_token(scope)
        set_cookie = (
            self.token is not None and in_url is not None and same_token(in_url, self.token)
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and set_cookie:
                cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {
                    **message,
                    "headers": [*message["headers"], (b"set-cookie", cookie.encode())],
                }
            await send(message)

        await self.app(scope, replay if scope["method"] in WRITES else receive, send_with_cookie)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if self.allowed_hosts is not None:
            host = _host_name(headers.get("host", ""))
            if host not in self.allowed_hosts:
                return 403, (
                    f"Host '{host}' is not this embedlab server; open it as "
                    f"{' or '.join(sorted(self.allowed_hosts))}."
                )
        if self.token is not None and not any(
            same_token(given, self.token) for given in _tokens_of(scope, headers)
        ):
            return 401, (
                "This embedlab server needs its token: open the URL it printed (with "
                "?token=...) or send 'Authorization: Bearer TOKEN'."
            )
        if scope["method"] in WRITES and headers.get(CSRF_HEADER) != "1":
            return 403, (
                f"Requests that change the workspace need the header '{CSRF_HEADER}: 1' (the "
                "web app sends it; a page of another site cannot)."
            )
        return None

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes:
        length = headers.get("content-length", "")
        if length.isascii() and length.isdigit() and int(length) > self.max_body_bytes:
            raise _TooLarge(int(length))
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge(size)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self, size: int) -> str:
        return (
            f"The request body is too large: {size:,} bytes or more; the limit is "
            f"{self.max_body_bytes:,} bytes."
        )


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _host_name(host: str) -> str:
    if host.startswith("["):  # [::1]:5757
        return host[1 : host.find("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _query_token(scope: Scope) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("token", [None])[0]


def _tokens_of(scope: Scope, headers: dict[str, str]) -> list[str]:
    """Every token the request carries, the URL's first (it beats a stale cookie)."""
    found = [_query_token(scope) or ""]
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found.append(auth[7:].strip())
    found.append(headers.get("x-embedlab-token", ""))
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            found.append(value)
    return [token for token in found if token]


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
