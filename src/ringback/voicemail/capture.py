"""``inbox capture``: file what a message said under the caller's contact, once.

Capturing a message matches the caller to a contact by number (a new contact for an
unknown caller), adds what they said to the contact's back story and interaction log,
links the callback task to that interaction (creating the task if the pipeline did not),
and marks the message handled. Capturing again changes nothing.

Back-story kinds, chosen for what a salesperson reads before the call back:
what they want (the summary, with any times they named) is an *interest*; money they
mentioned is a *financial goal*; an address is an *interest* too (a property, a site).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ringback.db.base import utcnow
from ringback.voicemail.followup import (
    callback_task,
    caller_numbers,
    contact_for,
    ensure_task,
    facts_of,
    marker,
    wants_task,
)
from ringback.voicemail.service import get_voicemail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.contacts.models import Contact, Interaction
    from ringback.voicemail.models import Voicemail


class NotCapturable(ValueError):
    """The message has nothing to capture yet (still processing, or rejected)."""


@dataclass
class Captured:
    voicemail_id: int
    already: bool
    contact_id: int | None = None
    contact_name: str | None = None
    created_contact: bool = False
    interaction_id: int | None = None
    back_story: list[dict[str, str]] = field(default_factory=list)
    follow_up: dict[str, Any] | None = None
    handled_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "voicemail_id": self.voicemail_id,
            "already_captured": self.already,
            "contact_id": self.contact_id,
            "contact_name": self.contact_name,
            "created_contact": self.created_contact,
            "interaction_id": self.interaction_id,
            "back_story": self.back_story,
            "follow_up": self.follow_up,
            "handled_at": self.handled_at.isoformat() if self.handled_at else None,
        }


def story_items(row: Voicemail) -> list[tuple[str, str]]:
    """(kind, text) for the facts worth keeping about the caller."""
    facts = facts_of(row)
    items: list[tuple[str, str]] = []
    need = facts.summary.strip()
    dates = [f"{d.text} ({d.iso})" for d in facts.dates]
    if need:
        text = need[0].upper() + need[1:]
        if dates:
            text += "; times mentioned: " + ", ".join(dates)
        items.append(("interest", text))
    elif dates:
        items.append(("interest", "Times mentioned: " + ", ".join(dates)))
    if facts.amounts:
        items.append(("financial_goal", "Amounts mentioned: " + ", ".join(facts.amounts)))
    for address in facts.addresses:
        items.append(("interest", f"Address mentioned: {address}"))
    return items


def _interaction(session: Session, row: Voicemail, contact: Contact) -> Interaction:
    from ringback.contacts.models import Direction, Interaction, InteractionKind

    existing = session.scalars(
        select(Interaction).where(
            Interaction.contact_id == contact.id,
            Interaction.kind == InteractionKind.VOICEMAIL_RECEIVED,
            Interaction.occurred_at == row.received_at,
        )
    ).first()
    if existing is not None:
        return existing
    missed = row.status == "no_message"
    item = Interaction(
        contact_id=contact.id,
        kind=InteractionKind.VOICEMAIL_RECEIVED,
        direction=Direction.INBOUND,
        occurred_at=row.received_at,
        outcome="no message" if missed else "message",
        text=row.transcript or ("Missed call, no message left." if missed else None),
    )
    session.add(item)
    session.flush()
    return item


def capture(session: Session, settings: Settings, voicemail_id: int) -> Captured:
    from ringback.contacts.models import BackStoryItem, BackStoryKind
    from ringback.contacts.service import add_known_numbers

    row = get_voicemail(session, voicemail_id)
    if row.status not in ("done", "no_message"):
        why = row.status_reason or "not processed yet"
        raise NotCapturable(f"voicemail #{row.id} is {row.status} ({why.splitlines()[0]})")
    region = settings.default_region
    already = row.handled_at is not None
    from ringback.lines import LineKind, line_kind

    prospect = line_kind(row.to_number, settings) is LineKind.PROSPECT
    contact, created = contact_for(session, row, region=region, lead=prospect)
    result = Captured(voicemail_id=row.id, already=already, handled_at=row.handled_at)
    if contact is None:
        # A hang-up without caller ID: nobody to file it under; reading it is handling it.
        row.handled_at = row.handled_at or utcnow()
        result.handled_at = row.handled_at
        return result
    row.contact_id = contact.id
    result.contact_id, result.contact_name, result.created_contact = (
        contact.id,
        contact.name,
        created,
    )
    source = marker(row.id)
    if not already:
        spelled = facts_of(row).emails
        add_known_numbers(
            session,
            contact=contact,
            phones=caller_numbers(row, region),
            emails=[(str(address), "voicemail") for address in spelled],
        )
    stored = [b for b in contact.back_story if b.source == source]
    if not stored and not already:
        noted = row.received_at.astimezone(settings.tz).date()
        for kind, text in story_items(row):
            item = BackStoryItem(kind=BackStoryKind(kind), text=text, source=source, noted_on=noted)
            contact.back_story.append(item)
            stored.append(item)
        session.flush()
    result.back_story = [{"kind": str(b.kind), "text": b.text} for b in stored]
    interaction = _interaction(session, row, contact)
    result.interaction_id = interaction.id
    missed = row.status == "no_message"
    task = callback_task(session, row)
    if task is None and wants_task(row, missed=missed):
        task, _ = ensure_task(session, row, contact, settings, missed=missed)
    if task is not None:
        if task.interaction_id is None:
            task.interaction_id = interaction.id
        result.follow_up = {
            "id": task.id,
            "title": task.title,
            "due_at": task.due_at.astimezone(settings.tz).isoformat() if task.due_at else None,
        }
    row.handled_at = row.handled_at or utcnow()
    result.handled_at = row.handled_at
    return result
