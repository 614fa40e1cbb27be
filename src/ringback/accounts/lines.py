"""The team's phone numbers and whose each one is (``ringback lines``): a call to a line
is its user's voicemail, in their inbox and their email. A number with no line is the
first owner's, as every number was before teams."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.accounts.admin import user_named
from ringback.accounts.models import PhoneLine, User
from ringback.accounts.service import AccountError, UserView, first_owner_id, record

KINDS = ("personal", "prospect")


@dataclass(frozen=True)
class Line:
    id: int
    number: str
    kind: str
    user_id: int
    email: str


def _e164(number: str, region: str) -> str:
    from ringback.phones import e164_or_none

    found = e164_or_none(number.strip(), region)
    if not found:
        raise AccountError(f"not a phone number: {number.strip()[:40]!r}")
    return found


def add_line(
    session: Session,
    number: str,
    email: str,
    *,
    kind: str = "personal",
    region: str,
    by: UserView | None = None,
) -> Line:
    """Route ``number`` to ``email`` (a line already there moves to them). Audited."""
    if kind not in KINDS:
        raise AccountError(f"unknown line kind {kind!r} (known: {', '.join(KINDS)})")
    key = _e164(number, region)
    user = user_named(session, email)
    line = session.scalar(select(PhoneLine).where(PhoneLine.number == key))
    if line is None:
        line = PhoneLine(number=key, user_id=user.id, kind=kind)
        session.add(line)
    line.user_id, line.kind = user.id, kind
    session.flush()
    detail = json.dumps({"number": key, "user": user.email, "kind": kind})
    record(session, "line", user_id=by.id if by else None, detail=detail)
    return Line(line.id, key, kind, user.id, user.email)


def list_lines(session: Session) -> list[Line]:
    """Every line with its user, by number."""
    query = select(PhoneLine, User.email).join(User).order_by(PhoneLine.number)
    return [Line(p.id, p.number, p.kind, p.user_id, e) for p, e in session.execute(query)]


def line_owner(
    session: Session, number: str | None, *, region: str, fallback: bool = True
) -> UserView | None:
    """Whose is the line ``number`` (the number a caller dialled, read as ``region``'s when
    written without +country): its user, else (with ``fallback``) the first owner; None
    when there is no such user."""
    from ringback.phones import e164_or_none

    key = e164_or_none((number or "").strip(), region) if number else None
    user = None
    if key:
        query = select(User).join(PhoneLine, PhoneLine.user_id == User.id)
        user = session.scalar(query.where(PhoneLine.number == key, User.disabled.is_(False)))
    if user is None and fallback:
        first = first_owner_id(session)
        user = session.get(User, first) if first is not None else None
    return UserView.of(user) if user is not None else None


def prospect_numbers(session: Session, *, user_id: int | None = None) -> frozenset[str]:
    """The team's prospect lines (``lines add NUMBER --prospect``), E.164: what
    :func:`ringback.lines.line_kind` takes as ``team_prospects``; with ``user_id`` only
    that user's. A line's kind is the number's, whoever (even a disabled user) it is
    routed to."""
    query = select(PhoneLine.number).where(PhoneLine.kind == "prospect")
    if user_id is not None:
        query = query.where(PhoneLine.user_id == user_id)
    return frozenset(session.scalars(query))


def is_prospect_line(session: Session, number: str | None, *, region: str) -> bool:
    """Whether ``number`` (the number a caller dialled, read as ``region``'s when written
    without +country) is one of the team's prospect lines."""
    from ringback.phones import e164_or_none

    key = e164_or_none(number.strip(), region) if number else None
    return key is not None and key in prospect_numbers(session)
