"""What happened with a contact and what they are owed: interactions and follow-ups.

Like :mod:`ringback.contacts.service`, these functions never commit; the caller's
transaction does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ringback.contacts.models import (
    BackStoryKind,
    Contact,
    Direction,
    FollowUp,
    Interaction,
    InteractionKind,
)
from ringback.contacts.service import contact_dict
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
    return {
        "id": item.id,
        "contact_id": item.contact_id,
        "kind": item.kind.value,
        "direction": item.direction.value,
        "at": item.occurred_at,
        "outcome": item.outcome,
        "text": item.text,
    }


def follow_up_dict(item: FollowUp) -> dict[str, Any]:
    return {
        "id": item.id,
        "contact_id": item.contact_id,
        "title": item.title,
        "due": item.due_at,
        "done": item.done_at is not None,
        "done_at": item.done_at,
    }


def contact_detail(contact: Contact, *, recent: int = 10) -> dict[str, Any]:
    """Everything ``contacts show`` prints: the contact, its back story grouped by kind
    (every kind present, empty or not, so scripts need no key checks), the most recent
    interactions (oldest first) and the follow-ups still open."""
    story: dict[str, list[dict[str, Any]]] = {kind.value: [] for kind in BackStoryKind}
    for item in contact.back_story:
        story[item.kind.value].append(
            {
                "id": item.id,
                "text": item.text,
                "phrase": item.phrase,
                "source": item.source,
                "date": item.noted_on,
            }
        )
    interactions = sorted(contact.interactions, key=lambda i: i.occurred_at)
    open_items = [f for f in contact.follow_ups if f.done_at is None]
    return {
        **contact_dict(contact),
        "back_story": story,
        "interactions": [interaction_dict(i) for i in interactions[-recent:]],
        "interaction_count": len(interactions),
        "open_follow_ups": [follow_up_dict(f) for f in open_items],
    }
