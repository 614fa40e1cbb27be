"""A contact's timeline as their page shows it: calls, voicemails (left and received),
emails, meetings and notes, newest first, in one list.

Interactions are what was logged; a voicemail the contact left that has not been captured
yet has no interaction, so it comes from the inbox, linked to its page. A captured one
(an interaction of kind ``voicemail_received`` at the message's time) is shown once, with
the link. It lives in ``voicemail`` because it reads both rooms' tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import load_only

from ringback.contacts.models import Interaction, InteractionKind
from ringback.voicemail.followup import facts_of
from ringback.voicemail.models import Voicemail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LIMIT = 100
LABELS = {
    "call": "Call",
    "voicemail_left": "Voicemail left",
    "voicemail_received": "Voicemail",
    "email": "Email",
    "meeting": "Meeting",
    "note": "Note",
}


@dataclass(frozen=True)
class TimelineEntry:
    """One moment with the contact."""

    kind: str  # an interaction kind
    label: str
    direction: str  # inbound, outbound or none
    at: datetime
    text: str
    outcome: str | None
    voicemail_id: int | None  # the message's page, for a voicemail received


@dataclass(frozen=True)
class Timeline:
    """The latest ``entries`` (newest first) and whether older ones exist."""

    entries: tuple[TimelineEntry, ...]
    more: bool


def contact_timeline(session: Session, *, contact_id: int, limit: int = LIMIT) -> Timeline:
    """The contact's latest ``limit`` moments, newest first: two queries, whatever the
    history's length."""
    interactions = session.scalars(
        select(Interaction)
        .where(Interaction.contact_id == contact_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit + 1)
    ).all()
    messages = session.scalars(
        select(Voicemail)
        .options(
            load_only(
                Voicemail.id,
                Voicemail.received_at,
                Voicemail.transcript,
                Voicemail.facts,
                Voicemail.status,
            )
        )
        .where(Voicemail.contact_id == contact_id)
        .order_by(Voicemail.received_at.desc(), Voicemail.id.desc())
        .limit(limit + 1)
    ).all()
    by_time = {m.received_at: m for m in messages}
    entries: list[TimelineEntry] = []
    shown: set[int] = set()
    for item in interactions:
        message = (
            by_time.get(item.occurred_at)
            if item.kind == InteractionKind.VOICEMAIL_RECEIVED
            else None
        )
        if message is not None:
            shown.add(message.id)
        entries.append(
            TimelineEntry(
                kind=item.kind.value,
                label=LABELS.get(item.kind.value, item.kind.value.replace("_", " ").title()),
                direction=item.direction.value,
                at=item.occurred_at,
                text=item.text or "",
                outcome=item.outcome,
                voicemail_id=message.id if message is not None else None,
            )
        )
    entries += [_message(m) for m in messages if m.id not in shown]
    entries.sort(key=lambda e: e.at, reverse=True)
    return Timeline(tuple(entries[:limit]), len(entries) > limit)


def _message(row: Voicemail) -> TimelineEntry:
    facts = facts_of(row)
    missed = str(row.status) == "no_message"
    text = "Missed call, no message left." if missed else facts.summary or row.transcript or ""
    return TimelineEntry(
        kind="voicemail_received",
        label=LABELS["voicemail_received"],
        direction="inbound",
        at=row.received_at,
        text=text,
        outcome="not captured yet",
        voicemail_id=row.id,
    )
