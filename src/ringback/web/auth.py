"""Login for everything that is not a provider webhook (those carry a signature instead).

HTTP Basic against ``RINGBACK_WEB_USER`` / ``RINGBACK_WEB_PASSWORD``. With no password
set, nothing behind the login is reachable at all: the secure default for a server whose
only public job is answering Twilio.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

from ringback.web.throttle import LoginThrottle

if TYPE_CHECKING:
    from ringback.config import Settings

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Ringback", charset="UTF-8"'}


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
    """True when ``authorization`` carries the web login (and a password is set at all)."""
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


async def require_login(request: Request) -> None:
    """FastAPI dependency: 401 unless the request carries the web login; 429 while its
    address or user name is locked out after too many failed sign-ins."""
    settings: Settings = request.app.state.settings
    if not settings.web_password:
        raise HTTPException(
            401,
            "login required (set RINGBACK_WEB_PASSWORD to enable the web app)",
            headers=CHALLENGE,
        )
    throttle: LoginThrottle = request.app.state.login_throttle
    authorization = request.headers.get("authorization")
    credentials = basic_credentials(authorization)
    user = credentials[0] if credentials else None
    address = request.client.host if request.client else "?"
    wait = throttle.locked_for(address, user)
    if wait:
        raise HTTPException(
            429, f"too many failed sign-ins: try again in {wait} s", {"Retry-After": str(wait)}
        )
    if check_login(settings, authorization):
        throttle.succeeded(address)
        return
    if authorization:  # a browser's first, credential-less request is no guess
        throttle.failed(address, user)
    raise HTTPException(status_code=401, detail="login required", headers=CHALLENGE)
