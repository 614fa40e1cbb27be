"""What every v1 route shares: who is asking (a token or a session, never the shared HTTP
Basic login, which is no account), their database session, pages with a ``next`` link,
and creates under an ``Idempotency-Key``.

Every database session of the API is opened with
:func:`ringback.accounts.scope.acting_transaction` and the asking user, so what a route
reads is limited to what that user may see in one place, not route by route.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ringback.accounts.service import UserView, can
from ringback.db.paging import Page, Window
from ringback.web.api.errors import ApiError
from ringback.web.auth import SignInRequired, current_user

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

T = TypeVar("T")
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
# An id in a path: a number past any id is a 422, not a database overflow.
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="The object's id.")]
MAX_LIMIT = 200  # rows one page answers at most
DEFAULT_LIMIT = 50


async def api_user(request: Request) -> UserView:
    """The asking user (401 without a token or a session; the HTTP Basic login opens
    only the old ``/api/`` routes: it is nobody's account, so it sees nobody's data)."""
    user = await current_user(request)
    if user is None:
        raise SignInRequired()
    return user


ApiUser = Annotated[UserView, Depends(api_user)]


def allowed(action: str) -> Any:
    """A dependency: the asking user, when their role may do ``action`` (else 403)."""

    async def check(user: ApiUser) -> UserView:
        if not can(user, action):
            raise ApiError(403, f"your account ({user.role}) may not {action.replace('_', ' ')}")
        return user

    return Depends(check)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@contextmanager
def acting(request: Request, user: UserView) -> Iterator[Session]:
    """A transaction acting for ``user`` (see the module's docstring)."""
    from ringback.accounts.scope import acting_transaction

    with acting_transaction(settings_of(request).effective_database_url, user) as session:
        yield session


async def in_db(request: Request, user: UserView, work: Callable[[Session], T]) -> T:
    """``work(session)`` in a transaction acting for ``user``, off the event loop."""

    def run() -> T:
        with acting(request, user) as session:
            return work(session)

    return await run_in_threadpool(run)


def iso_time(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 time given as a parameter (UTC when it has no offset); 422 for anything
    else (a bare number is not a time, whatever a lenient parser makes of it)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(
            422,
            f"{name}: {value[:40]!r} is not an ISO 8601 time",
            hint="send e.g. 2026-11-24T15:00:00Z",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- pages ------------------------------------------------------------------------------


def encode_cursor(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor resumes after; 400 when it is not one this API gave out."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "after" and value.isdigit() and len(value) < 19:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ApiError(
        400,
        "the cursor is not one this API gave out",
        code="bad_cursor",
        hint="follow the `next` link of the previous page, or leave `cursor` out to start",
    )


def time_query(description: str) -> Any:
    """A query parameter holding an ISO 8601 time (read with :func:`iso_time`)."""
    return Query(max_length=40, json_schema_extra={"format": "date-time"}, description=description)


def creates(router: APIRouter, path: str, model: type[BaseModel], summary: str) -> Any:
    """The decorator of a route that creates ``model``: 201, for roles that may edit."""
    return router.post(
        path, status_code=201, response_model=model, summary=summary, dependencies=[allowed("edit")]
    )


def acts(router: APIRouter, path: str, model: type[BaseModel], summary: str) -> Any:
    """The decorator of a route that acts on an object (capture, mark done): 200 with
    ``model``, for roles that may edit."""
    return router.post(path, response_model=model, summary=summary, dependencies=[allowed("edit")])


def deletes(router: APIRouter, path: str, summary: str, **documented: Any) -> Any:
    """The decorator of a route that deletes: 204 and no body, for roles that may edit;
    ``documented``: more of the route's OpenAPI (e.g. ``responses``)."""
    from fastapi.responses import Response

    return router.delete(
        path,
        status_code=204,
        response_class=Response,
        summary=summary,
        dependencies=[allowed("edit")],
        **documented,
    )


class Paging:
    """The query parameters of every list: ``limit``, ``cursor``, ``updated_since``."""

    def __init__(
        self,
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (at most {MAX_LIMIT}).")
        ] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None,
            Query(max_length=64, description="Where to resume: the `next` link carries it."),
        ] = None,
        updated_since: Annotated[
            str | None,
            time_query("Only items changed at or after this ISO 8601 time (UTC if no offset)."),
        ] = None,
    ) -> None:
        self.limit = limit
        self.cursor = cursor
        self.updated_since = iso_time(updated_since, "updated_since")

    @property
    def window(self) -> Window:
        after = decode_cursor(self.cursor) if self.cursor else 0
        return Window(self.limit, after, self.updated_since)


PagingParams = Annotated[Paging, Depends()]


def page_body(request: Request, page: Page[Any], items: list[Any]) -> dict[str, Any]:
    """``{"items": [...], "next": URL or null}``: ``next`` keeps the request's filters."""
    next_url = None
    if page.next_after is not None:
        next_url = str(request.url.include_query_params(cursor=encode_cursor(page.next_after)))
    return {"items": items, "next": next_url}


# -- idempotent creates -------------------------------------------------------------------

REPLAYED = "Idempotent-Replayed"  # on an answer given again for a repeated key
IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Send the same key when retrying a create or an action: you get the "
        "first answer again, not a second object or a second change. A key is kept "
        "RINGBACK_IDEMPOTENCY_HOURS (24 by default); after that it makes a new request.",
    ),
]


def created(
    request: Request,
    user: UserView,
    *,
    key: str | None,
    payload: Any,
    make: Callable[[Session], BaseModel],
    status: int = 201,
) -> JSONResponse:
    """Run the create ``make`` (in a transaction acting for ``user``) and answer its
    result with ``status``; under an Idempotency-Key, the same request again gets the
    stored answer and a different one 409 (nothing created either way), for
    ``RINGBACK_IDEMPOTENCY_HOURS``: a key older than that is new again."""
    from sqlalchemy.exc import IntegrityError

    from ringback.accounts import idempotency

    fingerprint = idempotency.request_fingerprint(request.method, request.url.path, payload)
    asked = idempotency.KeyedRequest(user.id, key or "", fingerprint)
    max_age = timedelta(hours=settings_of(request).idempotency_hours)
    try:
        with acting(request, user) as session:
            if key:
                stored = idempotency.recall(session, asked, max_age=max_age)
                if stored is not None:
                    return JSONResponse(stored.body, stored.status, headers={REPLAYED: "true"})
            body = make(session).model_dump(mode="json")
            if key:
                answer = idempotency.StoredAnswer(status, body)
                idempotency.remember(session, asked, answer, max_age=max_age)
    except idempotency.KeyReused as exc:
        raise ApiError(409, str(exc), code="idempotency_key_reused") from None
    except IntegrityError:  # the same key sent twice at once: the other one won
        if not key:
            raise
        raise ApiError(
            409,
            "a request with this Idempotency-Key is being handled",
            code="idempotency_key_in_use",
            hint="send it again in a moment to get its answer",
        ) from None
    return JSONResponse(body, status)


async def create_from_body(
    request: Request,
    user: UserView,
    body: BaseModel | None,
    *,
    key: str | None,
    make: Callable[[Session], BaseModel],
    status: int = 201,
) -> JSONResponse:
    """:func:`created` for a JSON ``body`` (its fingerprint), run off the event loop. An
    action on an existing object (:func:`acts`) answers ``status`` 200 the same way, so a
    retry after a lost answer gets what the first request did, not "already done"."""
    payload = body.model_dump(mode="json") if body is not None else None
    return await run_in_threadpool(
        created, request, user, key=key, payload=payload, make=make, status=status
    )
