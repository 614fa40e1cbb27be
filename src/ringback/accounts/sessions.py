"""Server-side web sessions and personal API tokens.

The browser's cookie holds the session's random id itself (32 bytes from ``secrets``), not
a signed value: an id that cannot be guessed needs no signature, there is then no signing
key to generate, keep secret and rotate, and ending a session is deleting its row. Only
the id's SHA-256 is stored, so a copy of the database (a backup, a dump) signs nobody in.
API tokens work the same way and are shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ringback.accounts.models import ApiToken, User, WebSession
from ringback.accounts.service import AccountError, UserView, can, record
from ringback.db.base import utcnow

TOKEN_PREFIX = "rb_"  # tells a Ringback token apart in a config file or a leak scanner
# A session's last-seen time is written at most this often: not one UPDATE per page view.
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    """The SHA-256 hex digest stored in place of a session id or a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def derived_token(secret: str, purpose: str) -> str:
    """A value derived from a secret session key (e.g. the CSRF token): stable for the
    session, and not computable from anything stored."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A live session: its row id (to keep it on a password change) and its user."""

    session_id: int
    user: UserView


def start_session(
    session: Session,
    user: UserView,
    *,
    lifetime: timedelta,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """A new web session for ``user``; returns its key, for the cookie (never stored)."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    row = WebSession(
        key_hash=digest(key),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    session.add(row)
    session.flush()
    return key


def resolve_session(
    session: Session, key: str, *, idle: timedelta, now: datetime | None = None
) -> SignedIn | None:
    """The live session with ``key``, its last-seen time moved on; None (and the row
    deleted) when it has passed its absolute expiry or been idle longer than ``idle``."""
    now = now or utcnow()
    row = session.scalar(select(WebSession).where(WebSession.key_hash == digest(key)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled or now >= row.expires_at or now - row.last_seen_at > idle:
        session.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return SignedIn(row.id, UserView.of(user))


def end_session(session: Session, key: str) -> int | None:
    """Delete the session with ``key``; its user's id, or None when there was none."""
    row = session.scalar(select(WebSession).where(WebSession.key_hash == digest(key)))
    if row is None:
        return None
    session.delete(row)
    return row.user_id


def purge_expired(session: Session, *, idle: timedelta, now: datetime | None = None) -> int:
    """Delete every session past its absolute or idle expiry; how many were deleted."""
    now = now or utcnow()
    gone = delete(WebSession).where(
        (WebSession.expires_at <= now) | (WebSession.last_seen_at < now - idle)
    )
    return int(session.execute(gone).rowcount or 0)  # type: ignore[attr-defined]


def create_token(session: Session, user: UserView, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row and the token itself (shown once, never stored)."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise AccountError("a token needs a name of 1 to 100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=digest(token), user_id=user.id)
    session.add(row)
    session.flush()
    record(
        session, "token_create", user_id=user.id, detail=json.dumps({"id": row.id, "name": name})
    )
    return row, token


def resolve_token(session: Session, token: str, *, now: datetime | None = None) -> UserView | None:
    """The user an unrevoked API token belongs to, its last use noted; else None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    row.last_used_at = now or utcnow()
    return UserView.of(user)


def list_tokens(session: Session, *, by: UserView | None = None) -> list[tuple[ApiToken, str]]:
    """The API tokens ``by`` may see, each with its user's email, oldest first (hashes
    only, no tokens): an owner's (or the system's, ``by`` None) are every token, anyone
    else's are their own, as :func:`revoke_token` lets them revoke."""
    query = select(ApiToken, User.email).join(User).order_by(ApiToken.id)
    if by is not None and not can(by, "manage_users"):
        query = query.where(ApiToken.user_id == by.id)
    return [(token, email) for token, email in session.execute(query)]


def revoke_token(session: Session, token_id: int, *, by: UserView | None = None) -> ApiToken:
    """Revoke the token with ``token_id`` (kept, marked revoked); AccountError if unknown,
    or (``by``: who asks) another user's and ``by`` is no owner."""
    row = session.get(ApiToken, token_id)
    if row is not None and by is not None and row.user_id != by.id and not can(by, "manage_users"):
        row = None  # another user's token is not there for them
    if row is None:
        raise AccountError(f"no API token with id {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        detail = json.dumps({"id": row.id, "name": row.name})
        record(session, "token_revoke", user_id=row.user_id, detail=detail)
    return row
