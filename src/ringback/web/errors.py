"""Error answers: an HTML page saying what to do next for a browser, JSON for ``/api/``,
the webhooks and scripts (FastAPI's own shapes, which API clients already parse)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.accounts.scope import NotYours
from ringback.db.reachable import is_unreachable, unreachable_message
from ringback.web.api import errors as api_errors
from ringback.web.auth import API_HINT, CHALLENGE, SignInRequired, identify
from ringback.web.render import redirect, render, safe_next
from ringback.web.statuses import (
    DATABASE_RETRY_SECONDS,
    DATABASE_UNREACHABLE,
    Meaning,
    page_meaning,
)

log = logging.getLogger("ringback.web")

METRICS = "/metrics"  # for a scraper: refused with the API's error body, never a page
METRICS_HINT = (
    "send `Authorization: Bearer TOKEN` with an owner's token"
    " (make one with `ringback tokens create --name metrics`)"
)


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not ``/api/``, not a webhook, accepts HTML)."""
    path = request.url.path
    if path.startswith(("/api/", "/telephony/", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


async def error_page(
    request: Request,
    status: int,
    detail: str = "",
    shown: Meaning | None = None,
    retry: str = "",
) -> Response:
    """The HTML error page for ``status`` (worded as ``shown``, else as the status's
    row), with the navigation when signed in; ``retry``: a "Try again" link's target."""
    if shown is DATABASE_UNREACHABLE:  # asking the database who this is would fail again
        principal = getattr(request.state, "principal", None)
        request.state.user = principal.user if principal else None
    else:
        try:
            principal = await identify(request)
            request.state.user = principal.user if principal else None
        except Exception:  # the database may be why we are here: a page without the nav
            request.state.user = None
    shown = shown or page_meaning(status)
    if detail == HTTPStatus(status).phrase:  # "Not Found" says nothing the title does not
        detail = ""
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=shown.title,
        advice=shown.advice,
        detail=detail,
        retry=retry,
    )


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    page = request.url.path == api_errors.DOCS_PATH  # a page: to the sign-in form
    if api_errors.is_api(request) and not page:
        return api_errors.error_response(401, "no valid credentials came with the request")
    if request.url.path == METRICS:  # a scraper, not a browser: no sign-in page
        return api_errors.error_response(
            401, "no valid credentials came with the request", hint=METRICS_HINT
        )
    if request.url.path.startswith("/api/") and not page:
        headers = CHALLENGE if request.app.state.settings.web_password else {}
        return JSONResponse({"detail": API_HINT}, 401, headers=headers)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/signin" if target == "/" else f"/signin?next={quote(target, safe='/')}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if api_errors.is_api(request) or request.url.path == METRICS:
        return api_errors.from_http(request, exc)
    if not wants_html(request):
        return await http_exception_handler(request, exc)
    response = await error_page(request, exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if api_errors.is_api(request):
        return api_errors.from_validation(list(exc.errors()))
    if not wants_html(request):
        return await request_validation_exception_handler(request, exc)
    fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
    return await error_page(request, 422, f"Check: {fields}." if fields else "")


async def _not_yours(request: Request, exc: Exception) -> Response:
    """A write to another user's row (``ringback.accounts.scope.NotYours``) is a 404 like
    any row the user cannot see: nothing says it exists."""
    return await _http_error(request, StarletteHTTPException(404, "Not Found"))


async def database_unreachable(request: Request, exc: Exception) -> Response:
    """503 with Retry-After when the database cannot be reached (its transaction rolled
    back, so nothing was saved), logged as one warning line, not a traceback each time."""
    url = request.app.state.settings.effective_database_url
    first_line = unreachable_message(url, exc).splitlines()[0]
    log.warning("%s (%s %s answered 503)", first_line, request.method, request.url.path)
    said = DATABASE_UNREACHABLE
    headers = {"Retry-After": str(DATABASE_RETRY_SECONDS)}
    if api_errors.is_api(request) or request.url.path == METRICS:
        return api_errors.error_response(
            503, said.title, code=said.code, hint=said.hint, headers=headers
        )
    if not wants_html(request):
        return JSONResponse({"detail": f"{said.title}: {said.hint}"}, 503, headers=headers)
    response = await error_page(request, 503, shown=said, retry=_retry_target(request))
    response.headers.update(headers)
    return response


def _retry_target(request: Request) -> str:
    """Where "Try again" goes: this page again; after a form, the page it was sent from
    (when that is this site), where it can be sent again."""
    if request.method in ("GET", "HEAD"):
        came_from = request.url.path, request.url.query
    else:
        referer = urlsplit(request.headers.get("referer", ""))
        if referer.netloc != request.headers.get("host"):
            return "/"
        came_from = referer.path, referer.query
    path, query = came_from
    return safe_next(path + (f"?{query}" if query else ""))


async def _database_error(request: Request, exc: Exception) -> Response:
    """A database error: 503 when the database could not be reached, else a bug (500)."""
    if is_unreachable(exc):
        return await database_unreachable(request, exc)
    raise exc  # to the catch-all below: logged with its traceback, answered 500


async def _crash(request: Request, exc: Exception) -> Response:
    if is_unreachable(exc):  # met outside the routes (a middleware)
        return await database_unreachable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if api_errors.is_api(request):
        return api_errors.error_response(500, "internal error")
    if not wants_html(request):
        return JSONResponse({"detail": "internal error"}, 500)
    return await error_page(request, 500)


def install_error_pages(app: FastAPI) -> None:
    """Answer errors as above."""
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(NotYours, _not_yours)
    for kind in (DBAPIError, SQLAlchemyTimeoutError, DisconnectionError):
        app.add_exception_handler(kind, _database_error)
    app.add_exception_handler(Exception, _crash)
