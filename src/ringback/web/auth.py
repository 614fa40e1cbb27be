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

if TYPE_CHECKING:
    from ringback.config import Settings

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Ringback", charset="UTF-8"'}


def check_login(settings: Settings, authorization: str | None) -> bool:
    password = settings.web_password.get_secret_value() if settings.web_password else ""
    if not password or not authorization:
        return False
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, given = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    if not sep:
        return False
    # Both compared in full, in constant time: no early exit on a wrong user name.
    user_ok = hmac.compare_digest(user.encode(), settings.web_user.encode())
    password_ok = hmac.compare_digest(given.encode(), password.encode())
    return user_ok and password_ok


def require_login(request: Request) -> None:
    """FastAPI dependency: 401 unless the request carries the web login."""
    settings: Settings = request.app.state.settings
    if not check_login(settings, request.headers.get("authorization")):
        detail = "login required"
        if not settings.web_password:
            detail += " (set RINGBACK_WEB_PASSWORD to enable the web app)"
        raise HTTPException(status_code=401, detail=detail, headers=CHALLENGE)
