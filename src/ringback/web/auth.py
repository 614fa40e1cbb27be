"""Who is asking: a browser session, an API token, or (``/api/`` only) HTTP Basic.

Every page and ``/api/`` route depends on :func:`current_user` (page routers get it from
:func:`signed_in_router`), so a route cannot be added without sign-in by forgetting to ask
for it; tests/test_web_routes.py lists the few public routes. The Twilio webhooks carry a
signature instead and are not here.

* A browser session is a cookie holding the session's random id (see
  :mod:`ringback.accounts.sessions` for why it is not signed), ``HttpOnly``,
  ``SameSite=Lax``, ``Secure`` when the request came over https (as uvicorn reports it:
  ``X-Forwarded-Proto`` is believed only from ``RINGBACK_WEB_FORWARDED_ALLOW_IPS``).
* A browser session's POST/PUT/PATCH/DELETE must carry its CSRF token (form field
  ``csrf_token`` or header ``X-CSRF-Token``): derived from the session id, so it is
  per-session and nothing stored reveals it. A bearer token is not sent by a browser on
  its own, so token requests are exempt.
* HTTP Basic against ``RINGBACK_WEB_USER``/``RINGBACK_WEB_PASSWORD`` still opens ``/api/``
  for existing scripts; failed attempts count in the sign-in throttle like the form's.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from ringback.accounts.service import UserView, can
from ringback.web.throttle import LoginThrottle

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Ringback", charset="UTF-8"'}
SESSION_COOKIE = "rb_session"
PRE_COOKIE = "rb_pre"  # a signed-out browser's key, for the sign-in form's CSRF token
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_HINT = (
    "sign in, or send `Authorization: Bearer TOKEN` (`ringback tokens create`); "
    "HTTP Basic needs RINGBACK_WEB_PASSWORD"
)


class SignInRequired(Exception):
    """Raised by :func:`current_user`: pages answer with a redirect to /signin, ``/api/``
    with 401 (see :mod:`ringback.web.errors`)."""


@dataclass(frozen=True)
class Principal:
    """The signed-in user and how: ``session`` (with its row id and key), ``token`` or ``basic``."""

    user: UserView | None  # None only for HTTP Basic, which is no account
    via: str
    session_id: int | None = None
    session_key: str | None = None


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) from an HTTP Basic ``Authorization`` header; None if it is not one."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, given = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (user, given) if sep else None


def check_login(settings: Settings, authorization: str | None) -> bool:
    """True when ``authorization`` carries the HTTP Basic login (and a password is set)."""
    password = settings.web_password.get_secret_value() if settings.web_password else ""
    credentials = basic_credentials(authorization)
    if not password or credentials is None:
        return False
    user, given = credentials
    # Both compared in full, in constant time: no early exit on a wrong user name.
    user_ok = hmac.compare_digest(user.encode(), settings.web_user.encode())
    password_ok = hmac.compare_digest(given.encode(), password.encode())
    return user_ok and password_ok


def login_throttle(settings: Settings) -> LoginThrottle:
    """The failed sign-in throttle for an app serving ``settings`` (one per app)."""
    return LoginThrottle.create(settings.web_login_attempts, settings.web_login_window_seconds)


def client_ip(request: Request) -> str:
    """The client's address (the proxy's X-Forwarded-For only when the proxy is trusted)."""
    return request.client.host if request.client else "?"


def is_https(request: Request) -> bool:
    """Did the browser use https? (uvicorn sets the scheme from X-Forwarded-Proto only
    when the proxy is trusted: RINGBACK_WEB_FORWARDED_ALLOW_IPS.)"""
    return request.url.scheme == "https"


def idle_limit(settings: Settings) -> timedelta:
    """How long an unused session lives."""
    return timedelta(minutes=settings.web_session_idle_minutes)


def _bearer(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _lookup(url: str, settings: Settings, key: str | None, token: str | None) -> Principal | None:
    from ringback.accounts import sessions
    from ringback.db.session import transaction

    with transaction(url) as session:
        if token is not None:
            user = sessions.resolve_token(session, token)
            return Principal(user, "token") if user else None
        if key:
            found = sessions.resolve_session(session, key, idle=idle_limit(settings))
            if found:
                return Principal(found.user, "session", found.session_id, key)
    return None


def _basic(request: Request, settings: Settings) -> Principal | None:
    """HTTP Basic on ``/api/``: counted in the sign-in throttle (429 while locked out)."""
    authorization = request.headers.get("authorization")
    credentials = basic_credentials(authorization)
    if credentials is None:
        return None
    throttle: LoginThrottle = request.app.state.login_throttle
    address = client_ip(request)
    wait = throttle.locked_for(address, credentials[0])
    if wait:
        raise HTTPException(
            429, f"too many failed sign-ins: try again in {wait} s", {"Retry-After": str(wait)}
        )
    if check_login(settings, authorization):
        throttle.succeeded(address)
        return Principal(None, "basic")
    throttle.failed(address, credentials[0])
    return None


async def identify(request: Request) -> Principal | None:
    """Who sent ``request``, or None; worked out once per request."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    settings: Settings = request.app.state.settings
    token = _bearer(request)
    key = request.cookies.get(SESSION_COOKIE)
    principal = None
    if token is not None or key:
        url = settings.effective_database_url
        principal = await run_in_threadpool(_lookup, url, settings, key, token)
    if principal is None and token is None and request.url.path.startswith("/api/"):
        principal = _basic(request, settings)
    request.state.principal = principal
    return principal


def expected_csrf(request: Request) -> str | None:
    """The CSRF token this browser's forms carry: derived from its session's key when
    signed in, else from its signed-out key cookie; None when it has neither."""
    from ringback.accounts.sessions import derived_token

    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None and principal.session_key:
        return derived_token(principal.session_key, "csrf")
    pre = request.cookies.get(PRE_COOKIE)
    return derived_token(pre, "csrf") if pre else None


def csrf_token(request: Request) -> str:
    """The CSRF token to put in a form; a new signed-out key is made when there is none
    (:func:`ringback.web.render.render` sets it as a cookie)."""
    from ringback.accounts.sessions import derived_token

    expected = expected_csrf(request)
    if expected:
        return expected
    if not getattr(request.state, "new_pre", None):
        import secrets

        request.state.new_pre = secrets.token_urlsafe(32)
    return derived_token(request.state.new_pre, "csrf")


class CsrfRefused(HTTPException):
    """A signed-in browser's unsafe request without its CSRF token; ``hint`` (shown in the
    API's error body) says how a script sends it."""

    hint = (
        "send the X-CSRF-Token header with the token of this session's pages "
        '(<meta name="csrf-token">), or use an API token: Authorization: Bearer TOKEN'
    )

    def __init__(self) -> None:
        super().__init__(403, "The form's security token is missing or out of date.")


async def check_csrf(request: Request) -> None:
    """403 unless an unsafe request carries this browser's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    expected = expected_csrf(request)
    if not given or not expected or not hmac.compare_digest(given, expected):
        raise CsrfRefused()


async def current_user(request: Request) -> UserView:
    """FastAPI dependency: the signed-in user (a session or an API token), else
    :class:`SignInRequired`. A session's unsafe requests must carry the CSRF token."""
    principal = await identify(request)
    if principal is None:
        raise SignInRequired()
    if principal.via == "session":
        await check_csrf(request)
    request.state.user = principal.user
    return principal.user  # type: ignore[return-value]  # None only via basic, on /api/


CurrentUser = Annotated[UserView, Depends(current_user)]


def require(action: str) -> Any:
    """A dependency refusing (403) a signed-in user whose role may not do ``action``."""

    async def allowed(request: Request, user: CurrentUser) -> UserView:
        if getattr(request.state, "principal", None) and request.state.principal.via == "basic":
            return user
        if not can(user, action):
            raise HTTPException(403, "your account may not do this")
        return user

    return Depends(allowed)


def signed_in_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose every route needs a signed-in user: what page modules use."""
    return APIRouter(dependencies=[Depends(current_user)], **kwargs)


require_login = current_user  # the name the API routes were written with


def user_transaction(request: Request) -> AbstractContextManager[Session]:
    """One transaction acting as the request's signed-in user: what they may see and
    change is limited in one place (``ringback.accounts.scope``). Only a route that asked
    for :func:`current_user` may open one (else RuntimeError: never the system by mistake)."""
    from ringback.accounts.scope import acting_transaction

    if not hasattr(request.state, "user"):
        raise RuntimeError("a database session for a request nobody signed in to")
    url = request.app.state.settings.effective_database_url
    return acting_transaction(url, request.state.user)
