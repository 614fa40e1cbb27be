"""What happened with a contact and what they are owed: interactions and follow-ups.

Like :mod:`ringback.contacts.service`, these functions never commit; the caller's
transaction does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ringback.contacts.models import (
    Contact,
    Direction,
    FollowUp,
    Interaction,
    InteractionKind,
)
from ringback.contacts.records import ContactDetail, FollowUpRecord, InteractionRecord
from ringback.db.base import utcnow


class FollowUpNotFound(LookupError):
    pass


def _utc(value: datetime) -> datetime:
    # Stored as UTC anyway; converting here makes the returned row read back the same.
    return value.astimezone(UTC)


def add_interaction(
    session: Session,
    *,
    contact: Contact,
    kind: InteractionKind,
    direction: Direction,
    occurred_at: datetime | None = None,
    outcome: str | None = None,
    text: str | None = None,
) -> Interaction:
    item = Interaction(
        kind=kind,
        direction=direction,
        occurred_at=_utc(occurred_at) if occurred_at else utcnow(),
        outcome=(outcome or "").strip() or None,
        text=(text or "").strip() or None,
    )
    contact.interactions.append(item)
    session.flush()
    return item


def add_follow_up(
    session: Session, *, contact: Contact, title: str, due_at: datetime | None = None
) -> FollowUp:
    if not title.strip():
        raise ValueError("the follow-up title is empty")
    item = FollowUp(title=title.strip(), due_at=_utc(due_at) if due_at else None)
    contact.follow_ups.append(item)
    session.flush()
    return item


def complete_follow_up(session: Session, *, follow_up_id: int) -> tuple[FollowUp, bool]:
    """Mark done; returns (the follow-up, whether it was open until now)."""
    item = session.get(FollowUp, follow_up_id)
    if item is None:
        raise FollowUpNotFound(f"no follow-up with id {follow_up_id}")
    if item.done_at is not None:
        return item, False
    item.done_at = utcnow()
    session.flush()
    return item, True


def interaction_dict(item: Interaction) -> dict[str, Any]:
    return InteractionRecord.of(item).as_json()


def follow_up_dict(item: FollowUp) -> dict[str, Any]:
    return FollowUpRecord.of(item).as_json()


def contact_detail(contact: Contact, *, recent: int = 10) -> dict[str, Any]:
    """Everything ``contacts show`` prints (see :class:`ContactDetail`), as JSON."""
    return ContactDetail.of(contact, recent=recent).as_json()
