"""What an owner does to other users: change a role or team, disable an account, hand
someone's rows to someone else; and the phone lines that route a number's voicemail to
its user. Every change is written to the audit trail. The last enabled owner can never be
disabled or demoted: someone must always be able to manage the rest."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringback.accounts.models import PhoneLine, User, WebSession
from ringback.accounts.owned import move_rows
from ringback.accounts.service import (
    AccountError,
    UserView,
    check_role,
    find_user,
    first_owner_id,
    record,
    team_named,
)


def user_named(session: Session, email: str) -> User:
    """The user with ``email``; AccountError saying how to list them when there is none."""
    user = find_user(session, email)
    if user is None:
        raise AccountError(f"no user with email {email.strip()[:80]!r} (see `ringback users list`)")
    return user


def _other_enabled_owners(session: Session, user: User) -> int:
    query = select(func.count()).select_from(User)
    query = query.where(User.role == "owner", User.disabled.is_(False), User.id != user.id)
    return int(session.scalar(query) or 0)


def _keep_an_owner(session: Session, user: User) -> None:
    if user.role == "owner" and not user.disabled and not _other_enabled_owners(session, user):
        raise AccountError(
            f"{user.email} is the last enabled owner; make another user an owner first"
        )


def set_role(
    session: Session, email: str, role: str, *, team: str | None = None, by: UserView | None = None
) -> UserView:
    """Give ``email`` the role ``role`` (and ``team`` when given: "" for none); audited."""
    user = user_named(session, email)
    check_role(role)
    if role != "owner":
        _keep_an_owner(session, user)
    before = (user.role, user.team_id)
    user.role = role
    found = None
    if team is not None:
        found = team_named(session, team)
        user.team_id = found.id if found else None
    session.flush()
    detail = {"user": user.email, "role": [before[0], role], "team": team}
    record(session, "role_change", user_id=by.id if by else None, detail=json.dumps(detail))
    return UserView.of(user, found.name if found else "")


def disable_user(session: Session, email: str, *, by: UserView | None = None) -> UserView:
    """Disable ``email``: they cannot sign in, their sessions end and their API tokens stop
    working; their data stays (reassign it with :func:`reassign`). Audited."""
    user = user_named(session, email)
    _keep_an_owner(session, user)
    user.disabled = True
    for row in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
        session.delete(row)
    session.flush()
    record(
        session, "disable", user_id=by.id if by else None, detail=json.dumps({"user": user.email})
    )
    return UserView.of(user)


def enable_user(session: Session, email: str, *, by: UserView | None = None) -> UserView:
    """Let a disabled user sign in again. Audited."""
    user = user_named(session, email)
    user.disabled = False
    session.flush()
    record(
        session, "enable", user_id=by.id if by else None, detail=json.dumps({"user": user.email})
    )
    return UserView.of(user)


def reassign(
    session: Session, from_email: str, to_email: str, *, by: UserView | None = None
) -> dict[str, int]:
    """Move every row ``from_email`` owns (contacts, voicemails, calls ... and phone lines)
    to ``to_email``: {table: rows moved}. Audited."""
    source, target = user_named(session, from_email), user_named(session, to_email)
    if source.id == target.id:
        raise AccountError("reassign needs two different users")
    if target.disabled:
        raise AccountError(f"{target.email} is disabled; enable them or pick another user")
    moved = move_rows(
        session, source.id, target.id, unowned_too=source.id == first_owner_id(session)
    )
    lines = list(session.scalars(select(PhoneLine).where(PhoneLine.user_id == source.id)))
    for line in lines:
        line.user_id = target.id
    moved["phone_lines"] = len(lines)
    detail = {"from": source.email, "to": target.email, "moved": moved}
    record(session, "reassign", user_id=by.id if by else None, detail=json.dumps(detail))
    return moved
