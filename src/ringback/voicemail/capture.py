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

from dataclasses import dataclass
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
    from ringback.contacts.models import BackStoryItem, Contact, Interaction
    from ringback.voicemail.models import Voicemail


class NotCapturable(ValueError):
    """The message has nothing to capture yet (still processing, or rejected)."""


@dataclass(frozen=True)
class CapturedTask:
    """The callback task a captured message has (its due time in the user's timezone)."""

    id: int
    title: str
    due_at: str | None


@dataclass(frozen=True)
class Captured:
    """What capturing a message did: the contact it was filed under (None for a hang-up
    without caller ID), the back story and task it has, when it was handled."""

    voicemail_id: int
    already: bool
    handled_at: datetime | None
    contact_id: int | None = None
    contact_name: str | None = None
    created_contact: bool = False
    interaction_id: int | None = None
    back_story: tuple[tuple[str, str], ...] = ()  # (kind, text)
    follow_up: CapturedTask | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``ringback inbox capture --json`` contract."""
        task = self.follow_up
        return {
            "voicemail_id": self.voicemail_id,
            "already_captured": self.already,
            "contact_id": self.contact_id,
            "contact_name": self.contact_name,
            "created_contact": self.created_contact,
            "interaction_id": self.interaction_id,
            "back_story": [{"kind": kind, "text": text} for kind, text in self.back_story],
            "follow_up": (
                {"id": task.id, "title": task.title, "due_at": task.due_at} if task else None
            ),
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
    """File a message under its caller's contact (new if unknown): numbers, back story,
    interaction and callback task; then mark it handled. Capturing twice changes nothing."""
    row = get_voicemail(session, voicemail_id)
    if row.status not in ("done", "no_message"):
        why = row.status_reason or "not processed yet"
        raise NotCapturable(f"voicemail #{row.id} is {row.status} ({why.splitlines()[0]})")
    region = settings.default_region
    already = row.handled_at is not None
    from ringback.lines import LineKind, line_kind

    prospect = line_kind(row.to_number, settings) is LineKind.PROSPECT
    contact, created = contact_for(session, row, region=region, lead=prospect)
    if contact is None:  # a hang-up without caller ID: nobody to file it under
        row.handled_at = row.handled_at or utcnow()  # reading it is handling it
        return Captured(voicemail_id=row.id, already=already, handled_at=row.handled_at)
    row.contact_id = contact.id
    stored = _file_under(session, settings, row, contact, already=already)
    interaction = _interaction(session, row, contact)
    task = _callback_task(session, settings, row, contact, interaction.id)
    row.handled_at = row.handled_at or utcnow()
    return Captured(
        voicemail_id=row.id,
        already=already,
        handled_at=row.handled_at,
        contact_id=contact.id,
        contact_name=contact.name,
        created_contact=created,
        interaction_id=interaction.id,
        back_story=tuple((str(b.kind), b.text) for b in stored),
        follow_up=task,
    )


def _file_under(
    session: Session, settings: Settings, row: Voicemail, contact: Contact, *, already: bool
) -> list[BackStoryItem]:
    """The caller's numbers and spelled emails onto the contact, and the message's facts
    as back story (once); returns the back-story items this message gave."""
    from ringback.contacts.models import BackStoryItem, BackStoryKind
    from ringback.contacts.service import add_known_numbers

    source = marker(row.id)
    if not already:
        add_known_numbers(
            session,
            contact=contact,
            phones=caller_numbers(row, settings.default_region),
            emails=[(str(address), "voicemail") for address in facts_of(row).emails],
        )
    stored = [b for b in contact.back_story if b.source == source]
    if not stored and not already:
        noted = row.received_at.astimezone(settings.tz).date()
        for kind, text in story_items(row):
            item = BackStoryItem(kind=BackStoryKind(kind), text=text, source=source, noted_on=noted)
            contact.back_story.append(item)
            stored.append(item)
        session.flush()
    return stored


def _callback_task(
    session: Session, settings: Settings, row: Voicemail, contact: Contact, interaction_id: int
) -> CapturedTask | None:
    """The message's callback task (made now if it wants one), tied to the interaction."""
    missed = row.status == "no_message"
    task = callback_task(session, row)
    if task is None and wants_task(row, missed=missed):
        task, _ = ensure_task(session, row, contact, settings, missed=missed)
    if task is None:
        return None
    if task.interaction_id is None:
        task.interaction_id = interaction_id
    due = task.due_at.astimezone(settings.tz).isoformat() if task.due_at else None
    return CapturedTask(task.id, task.title, due)
