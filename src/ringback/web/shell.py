"""What every page shares, installed by ``create_app``: the packaged static files, the
error pages, and the security headers on every answer."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ringback.web.errors import install_error_pages
from ringback.web.render import STATIC_DIR

# Scripts and styles only from our own files: an injected <script> or inline handler does
# not run even if a template ever failed to escape. blob: media is for recordings made in
# the browser (issue 15 §3).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """ASGI middleware: the headers above on every response, the CSP on HTML ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if any(
                    n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers
                ):
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_shell(app: FastAPI) -> None:
    """Static files under ``/static`` (public: the sign-in page needs them), error pages
    and security headers."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR, follow_symlink=False), name="static")
    install_error_pages(app)
    app.add_middleware(SecurityHeaders)
