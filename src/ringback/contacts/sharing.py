"""Shared contacts (issue 16 §1): a company account worked by two reps is shared
explicitly, never by accident. The user it is shared with sees and edits the contact as if
it were theirs; its owner stays who it was. Only whoever may change the contact shares it
(``ringback.accounts.scope``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.accounts.scope import actor_of
from ringback.accounts.service import AccountError, find_user, record
from ringback.contacts.models import ContactShare
from ringback.contacts.service import get_contact


@dataclass(frozen=True)
class Share:
    contact_id: int
    contact: str
    user: str
    changed: bool


def _user_id(session: Session, email: str) -> tuple[int, str]:
    user = find_user(session, email)
    if user is None or user.disabled:
        raise AccountError(f"no enabled user with email {email.strip()[:80]!r}")
    return user.id, user.email


def share_contact(session: Session, *, ref: str | int, email: str, region: str) -> Share:
    """Share the contact ``ref`` with the user ``email``; audited."""
    contact = get_contact(session, ref=ref, region=region)
    user_id, address = _user_id(session, email)
    key = {"contact_id": contact.id, "user_id": user_id}
    exists = session.get(ContactShare, (contact.id, user_id)) is not None
    if not exists:
        session.add(ContactShare(**key))
        session.flush()
    _audit(session, "share", contact.id, address)
    return Share(contact.id, contact.name, address, not exists)


def unshare_contact(session: Session, *, ref: str | int, email: str, region: str) -> Share:
    """Stop sharing the contact ``ref`` with ``email``; audited."""
    contact = get_contact(session, ref=ref, region=region)
    user_id, address = _user_id(session, email)
    row = session.get(ContactShare, (contact.id, user_id))
    if row is not None:
        session.delete(row)
        session.flush()
    _audit(session, "unshare", contact.id, address)
    return Share(contact.id, contact.name, address, row is not None)


def shared_with(session: Session, contact_id: int) -> list[int]:
    """The ids of the users ``contact_id`` is shared with."""
    query = select(ContactShare.user_id).where(ContactShare.contact_id == contact_id)
    return list(session.scalars(query))


def _audit(session: Session, action: str, contact_id: int, email: str) -> None:
    actor = actor_of(session)
    detail = json.dumps({"contact": contact_id, "with": email})
    record(session, action, user_id=actor.id if actor else None, detail=detail)
