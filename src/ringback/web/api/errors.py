"""The API's error body, one shape for every refusal under ``/api/v1``::

    {"error": {"code": "not_found", "message": "no contact with id 7", "hint": "..."}}

``code`` is stable (scripts branch on it), ``message`` says what went wrong, ``hint``
what to do next (each status's code and default hint: :mod:`ringback.web.statuses`).
:mod:`ringback.web.errors` answers every ``/api/v1`` error with it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.web.statuses import MEANINGS, meaning

PREFIX = "/api/v1"
DOCS_PATH = PREFIX + "/docs"  # the one page under PREFIX (HTML, a sign-in redirect)


class ErrorDetail(BaseModel):
    code: str
    message: str
    hint: str


class ErrorBody(BaseModel):
    """Every API error."""

    error: ErrorDetail


class ApiError(HTTPException):
    """An API refusal with its own code and hint (else the status's)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.code = code
        self.hint = hint


def is_api(request: Request) -> bool:
    """Is ``request`` for the v1 API (whose errors take the shape above)?"""
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The JSON answer for an error ``status``."""
    known = meaning(status)
    body = {"error": {"code": code or known.code, "message": message, "hint": hint or known.hint}}
    return JSONResponse(body, status, headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method the request's path takes, across the routes that share it (the router
    names only the first route's in its 405)."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Match

    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE and route.methods:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def from_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTPException (an :class:`ApiError` or FastAPI's own) as the API's error."""
    detail = exc.detail if isinstance(exc.detail, str) else "the request was refused"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return error_response(
        exc.status_code,
        detail,
        code=getattr(exc, "code", None),
        hint=getattr(exc, "hint", None),
        headers=headers,
    )


JSON_HINT = 'send one JSON object, e.g. {"name": "Ann Lee"}, with Content-Type: application/json'
NOT_AN_OBJECT = ("model_attributes_type", "dict_type")


def from_validation(errors: list[Any]) -> JSONResponse:
    """A request that does not fit the schema, every field that is wrong named."""
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:  # its "field" is a character position: say what is wrong
        reason = (broken.get("ctx") or {}).get("error", "it cannot be parsed")
        place = [str(p) for p in broken.get("loc", ()) if p != "body"]
        at = f" at character {place[0]}" if place else ""
        return error_response(422, f"the body is not valid JSON{at}: {reason}", hint=JSON_HINT)
    if any(tuple(e.get("loc", ())) == ("body",) and e.get("type") in NOT_AN_OBJECT for e in errors):
        return error_response(422, "the body is not a JSON object", hint=JSON_HINT)
    parts = []
    for error in errors[:10]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_response(422, "; ".join(parts) or "the request is not valid")


# The error answers every API route documents (schemathesis checks answers against them).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": MEANINGS[status].code.replace("_", " ")}
    for status in (400, 401, 403, 404, 409, 413, 422, 429)
}


def router_for(tag: str, prefix: str = "") -> APIRouter:
    """A v1 router: its routes grouped under ``tag`` in the spec, each documenting the
    error body for the statuses in :data:`ERROR_RESPONSES`."""
    return APIRouter(prefix=prefix, tags=[tag], responses=ERROR_RESPONSES)
