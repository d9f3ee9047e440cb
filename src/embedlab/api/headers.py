"""Security headers on every response: no framing by any site (clickjacking), a Content-Security
-Policy that lets a page load only what this server serves, and no content-type sniffing.

A page that needs more sets its own policy, built here from the same base (the web app: regl
compiles its draw commands with `Function`, so 'unsafe-eval'; /docs: the hash of Swagger UI's
inline start script); the middleware keeps a policy a route has set.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BASE_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'", "'unsafe-inline'"),  # Swagger UI and the app set inline styles
    "img-src": ("'self'", "data:", "blob:"),
    "font-src": ("'self'", "data:"),
    "worker-src": ("'self'", "blob:"),  # regl-scatterplot starts its worker from a blob
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(*, scripts: tuple[str, ...] = ()) -> str:
    """The base policy, with `scripts` (sources such as a hash) added to script-src."""
    directives = {**BASE_DIRECTIVES, "script-src": (*BASE_DIRECTIVES["script-src"], *scripts)}
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def inline_script_hashes(html: bytes) -> tuple[str, ...]:
    """The CSP sources ('sha256-...') that allow exactly the inline scripts of `html`."""
    return tuple(
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in INLINE_SCRIPT.findall(html)
    )


BASE_POLICY = content_security_policy()
APP_POLICY = content_security_policy(scripts=("'unsafe-eval'",))
ALWAYS = {
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response (refusals of the guards included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = {**ALWAYS, b"content-security-policy": BASE_POLICY.encode()}
                headers += [(k, v) for k, v in wanted.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
