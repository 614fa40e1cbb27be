"""What a request may be before anyone is authenticated (issue 12).

The layers, outermost first:

* uvicorn (:mod:`ringback.web.server`): the request line plus headers are capped in bytes
  by h11 (``web_max_header_kb``); too many connections at once get 503.
* :class:`RequestGuard` here, outermost in the app: too many headers get 431, and any 413
  closes the connection so an over-long body is not read to its end.
* FastAPI's ``max_body_size`` (``web_max_body_kb``, set in :func:`guarded_app`):
  a declared ``Content-Length`` over the limit is answered 413 before a byte is read, and a
  chunked body is cut off once it passes the limit. A route that takes uploads raises its
  own limit with ``max_body_size=`` on the route, never the app's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from fastapi import FastAPI
from python_multipart.multipart import parse_options_header
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Lifespan, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from ringback.config import Settings

CLOSE = (b"connection", b"close")


def media_type(content_type: str | None) -> str:
    """The ``type/subtype`` of a Content-Type header, lower-cased, parameters dropped.

    ``audio/wav; codecs=1`` is ``audio/wav``; ``audio/wavxyz`` stays itself, so comparing
    the result exactly against an allow-list never lets a look-alike through.
    """
    kind, _ = parse_options_header(content_type or "")
    return kind.decode("latin-1")


def is_media_type(content_type: str | None, allowed: Iterable[str]) -> bool:
    """True when the header's media type is exactly one of ``allowed``."""
    return media_type(content_type) in allowed


API_PREFIX = "/api/v1/"


class RequestGuard:
    """ASGI middleware: refuse a request with more than ``max_headers`` headers (431), and
    close the connection after any 413 instead of draining the rest of a huge body."""

    def __init__(self, app: ASGIApp, max_headers: int) -> None:
        self.app = app
        self.max_headers = max_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope["headers"]) > self.max_headers:
            detail = f"too many request headers (limit {self.max_headers})"
            refusal = JSONResponse({"detail": detail}, 431, headers={"Connection": "close"})
            await refusal(scope, receive, send)
            return

        wants_page = b"text/html" in dict(scope["headers"]).get(b"accept", b"")
        is_api = str(scope.get("path", "")).startswith(API_PREFIX)
        replaced = False

        async def closing_send(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                if (wants_page or is_api) and _is_plain_text(message):
                    # The framework's bare "Content Too Large": a person gets a page that
                    # says what to do instead, the API its error body (a route's own 413
                    # answer is kept).
                    replaced = True
                    await (_too_large_json(send) if is_api else _too_large_page(send))
                    return
                message = {**message, "headers": [*message.get("headers", ()), CLOSE]}
            elif replaced and message["type"] == "http.response.body":
                return
            await send(message)

        await self.app(scope, receive, closing_send)


TOO_LARGE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>That file is too large - Ringback</title></head>
<body><main>
<h1>That file is too large</h1>
<p>Nothing was stored. Choose a smaller file (a shorter recording), or ask whoever runs
Ringback to raise <code>RINGBACK_WEB_MAX_UPLOAD_MB</code>.</p>
<p>Use your browser's Back button to try again, or <a href="/">go to Today</a>.</p>
</main></body></html>
"""


def _is_plain_text(start: Message) -> bool:
    headers = dict(start.get("headers", ()))
    return headers.get(b"content-type", b"").startswith(b"text/plain")


async def _too_large_json(send: Send) -> None:
    from ringback.web.api.errors import error_response

    answer = error_response(413, "the request body is larger than this route takes")
    headers = [*answer.raw_headers, CLOSE]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


async def _too_large_page(send: Send) -> None:
    body = TOO_LARGE_PAGE.encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        CLOSE,
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardedApp(FastAPI):
    """FastAPI with :class:`RequestGuard` outermost: FastAPI puts its own body limit outside
    anything ``add_middleware`` adds, and the guard must see that limit's 413 to close."""

    max_headers = 100

    def build_middleware_stack(self) -> ASGIApp:
        return RequestGuard(super().build_middleware_stack(), self.max_headers)


def guarded_app(settings: Settings, lifespan: Lifespan[FastAPI]) -> FastAPI:
    """An empty FastAPI app with the limits above and the sign-in throttle; no docs or
    schema routes. ``app.state.settings`` is ``settings``."""
    from ringback.web.auth import login_throttle

    app = GuardedApp(
        title="Ringback",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        max_body_size=settings.web_max_body_kb * 1024,
    )
    app.max_headers = settings.web_max_headers
    app.state.settings = settings
    app.state.login_throttle = login_throttle(settings)
    return app
