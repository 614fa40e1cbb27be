"""Users, passwords, roles and the audit trail: what the CLI and the web app both call.

Passwords are hashed with argon2id through ``argon2-cffi``'s :class:`PasswordHasher` at
its defaults (RFC 9106's second recommended profile: 3 passes over 64 MiB, 4 lanes), and
re-hashed on sign-in whenever those defaults move up. Nothing here logs or stores a
password or a token in clear.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringback.accounts.models import AuditEvent, Team, User, WebSession
from ringback.db.base import utcnow

HASHER = PasswordHasher()
MIN_PASSWORD = 10  # characters; a generated password is longer
MAX_PASSWORD = 1024  # argon2 takes any length, but a megabyte password is an attack

# Every role and what it may do; every check in the app goes through can(). Whose rows a
# role sees is ringback.accounts.scope's, from "see_all" (everyone's) and "see_team" (the
# rows of their team's users, read only): a rep sees their own and what is shared with them.
_EVERYONE = frozenset({"view", "edit", "manage_tokens"})
ROLES: dict[str, frozenset[str]] = {
    "owner": _EVERYONE
    | {"manage_users", "manage_settings", "see_all", "audit", "comment", "manage_lines"},
    "manager": _EVERYONE | {"see_team", "comment"},
    "rep": _EVERYONE,
}

# A hash to verify against when the email is unknown, so an unknown address costs the same
# time as a wrong password and sign-in does not tell which addresses exist.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A refused account operation, with a message to show as it is."""


@dataclass(frozen=True)
class UserView:
    """A user as the web layer and the CLI see it: never the password hash."""

    id: int
    email: str
    name: str
    role: str
    disabled: bool
    created_at: datetime
    team_id: int | None = None
    team: str = ""
    phone: str | None = None  # their callback number, E.164 (their profile)

    @classmethod
    def of(cls, user: User, team: str = "") -> UserView:
        """The view of a database row (``team``: its team's name, when the caller has it)."""
        return cls(
            user.id,
            user.email,
            user.name,
            user.role,
            user.disabled,
            user.created_at,
            user.team_id,
            team,
            user.phone,
        )

    @property
    def display_name(self) -> str:
        """The name to greet the user with: their name, else their email."""
        return self.name or self.email


def can(user: UserView | None, action: str) -> bool:
    """May ``user`` do ``action``? The one place roles are checked."""
    if user is None or user.disabled:
        return False
    return action in ROLES.get(user.role, frozenset())


def normalize_email(email: str) -> str:
    """The stored form of an email address: trimmed, lower-cased (unique that way)."""
    value = email.strip().lower()
    if not 3 <= len(value) <= 254 or "@" not in value[1:-1] or any(c.isspace() for c in value):
        raise AccountError(f"not an email address: {email.strip()[:80]!r}")
    return value


def check_password(password: str) -> str:
    """``password`` when it is acceptable as a new password; else AccountError saying why."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password may have at most {MAX_PASSWORD} characters")
    return password


def generate_password() -> str:
    """A random password to hand out once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return HASHER.hash(password)


def find_user(session: Session, email: str) -> User | None:
    """The user with ``email`` (any case), or None."""
    try:
        key = normalize_email(email)
    except AccountError:
        return None
    return session.scalar(select(User).where(User.email == key))


def count_users(session: Session) -> int:
    """How many users there are (the first start creates the owner when there are none)."""
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def list_users(session: Session) -> list[UserView]:
    """Every user with their team's name, oldest first."""
    query = select(User, Team.name).outerjoin(Team, Team.id == User.team_id).order_by(User.id)
    return [UserView.of(u, team or "") for u, team in session.execute(query)]


def check_role(role: str) -> str:
    """``role`` when it is one of ROLES; else AccountError naming them."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (known: {', '.join(sorted(ROLES))})")
    return role


def team_named(session: Session, name: str | None) -> Team | None:
    """The team called ``name`` (made when new); None for no team."""
    name = (name or "").strip()
    if not name:
        return None
    if len(name) > 100:
        raise AccountError("a team name may have at most 100 characters")
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def first_owner_id(session: Session) -> int | None:
    """The oldest enabled owner's id: whose the rows with no owner are."""
    query = select(func.min(User.id)).where(User.role == "owner", User.disabled.is_(False))
    found = session.scalar(query)
    return int(found) if found is not None else None


def add_user(
    session: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    role: str = "owner",
    team: str | None = None,
) -> UserView:
    """Create a user; AccountError for a taken email, an unknown role or a weak password.
    The first owner is given every row that has no owner yet (a CLI-only database)."""
    from ringback.accounts.owned import adopt_unowned

    key = normalize_email(email)
    check_role(role)
    if find_user(session, key) is not None:
        raise AccountError(f"a user with email {key} already exists")
    check_password(password)
    found = team_named(session, team)
    first = role == "owner" and first_owner_id(session) is None
    user = User(
        email=key,
        name=name.strip()[:200],
        role=role,
        password_hash=hash_password(password),
        team_id=found.id if found else None,
    )
    session.add(user)
    session.flush()
    if first:
        adopt_unowned(session, user.id)
    return UserView.of(user, found.name if found else "")


def set_password(
    session: Session, email: str, password: str, *, keep_session: int | None = None
) -> UserView:
    """Change a user's password and end every web session of theirs but ``keep_session``
    (the one that made the change, if any): whoever else held one is signed out."""
    user = find_user(session, email)
    if user is None:
        raise AccountError(f"no user with email {email.strip()[:80]!r}")
    user.password_hash = hash_password(check_password(password))
    user.password_changed_at = utcnow()
    others = select(WebSession).where(WebSession.user_id == user.id)
    if keep_session is not None:
        others = others.where(WebSession.id != keep_session)
    for row in session.scalars(others):
        session.delete(row)
    session.flush()
    return UserView.of(user)


def authenticate(session: Session, email: str, password: str) -> UserView | None:
    """The user when ``email`` and ``password`` match an enabled account; else None.

    Takes the same time whether or not the email exists (see ``_DUMMY_HASH``).
    """
    user = find_user(session, email)
    if len(password) > MAX_PASSWORD:
        return None
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return UserView.of(user)


def record(
    session: Session, action: str, *, user_id: int | None = None, ip: str = "", detail: str = ""
) -> None:
    """Add an audit event (sign-in, sign-out, a failed sign-in, ...)."""
    session.add(AuditEvent(action=action, user_id=user_id, ip=ip[:64], detail=detail[:500]))


def audit_events(
    session: Session, *, limit: int = 100, user_id: int | None = None, action: str = ""
) -> list[AuditEvent]:
    """The latest audit events, newest first; only ``user_id``'s or ``action``'s when given."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
