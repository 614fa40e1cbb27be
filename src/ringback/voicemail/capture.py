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

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ringback.db.base import utcnow
from ringback.voicemail.callers import (
    Filing,
    add_heard_numbers,
    file_message,
    fill_from_message,
    matches_for,
)
from ringback.voicemail.followup import (
    callback_task,
    caller_numbers,
    ensure_task,
    facts_of,
    marker,
    wants_task,
)
from ringback.voicemail.service import CallbackTask, get_voicemail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.contacts.matching import ContactMatch
    from ringback.contacts.models import BackStoryItem, Contact, Interaction
    from ringback.voicemail.models import Voicemail


# The statuses of a processed message: a transcript, or a hang-up with nothing said.
CAPTURABLE = ("done", "no_message")


class NotCapturable(ValueError):
    """The message has nothing to capture yet (still processing, or rejected)."""


# How a proposed item's kind is written on the message's page.
STORY_LABELS = {"interest": "Interest", "financial_goal": "Financial goal"}


@dataclass(frozen=True)
class ProposedItem:
    """A back-story item capturing would add; ``index`` names it in the page's form and in
    ``keep`` (the API's, :func:`capture_message`'s)."""

    index: int
    kind: str
    label: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "label": self.label, "text": self.text}


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
    follow_up: CallbackTask | None = None
    # Contacts the caller probably is, kept apart: merge with `contacts merge KEEP THIS`.
    proposed: tuple[ContactMatch, ...] = ()
    merged: tuple[tuple[str, int], ...] = ()  # what a --merge-into moved, (what, count)

    def to_json(self) -> dict[str, Any]:
        """The ``ringback inbox capture --json`` contract."""
        return {
            "voicemail_id": self.voicemail_id,
            "already_captured": self.already,
            "contact_id": self.contact_id,
            "contact_name": self.contact_name,
            "created_contact": self.created_contact,
            "interaction_id": self.interaction_id,
            "back_story": [{"kind": kind, "text": text} for kind, text in self.back_story],
            "follow_up": self.follow_up.as_json() if self.follow_up else None,
            "handled_at": self.handled_at.isoformat() if self.handled_at else None,
            "proposed_merge": [m.as_json() for m in self.proposed],
            "merged": dict(self.merged),
        }


def story_items(row: Voicemail, tz: tzinfo) -> list[tuple[str, str]]:
    """(kind, text) for the facts worth keeping about the caller. A time mentioned is
    written in words in the user's timezone ``tz`` (:mod:`ringback.timefmt`), never
    "tomorrow": the note is read on other days."""
    from ringback.extract.summary import NO_ACTION
    from ringback.timefmt import format_mentioned

    facts = facts_of(row)
    items: list[tuple[str, str]] = []
    need = facts.summary.strip()
    if need.startswith(NO_ACTION):  # "left a message (, mentions ...)": nothing to keep
        need = ""
    dates = [
        f"{d.text} ({format_mentioned(d.iso, tz, relative=False)})" if d.iso else d.text
        for d in facts.dates
    ]
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


def proposed_items(row: Voicemail, tz: tzinfo) -> tuple[ProposedItem, ...]:
    """:func:`story_items` numbered as ``keep`` names them, each with its kind's label."""
    return tuple(
        ProposedItem(i, kind, STORY_LABELS.get(kind, kind.replace("_", " ").title()), text)
        for i, (kind, text) in enumerate(story_items(row, tz))
    )


def _filed_call(session: Session, row: Voicemail, contact_id: int) -> Interaction | None:
    """The message's call in the contact's timeline, if capturing put it there."""
    from ringback.contacts.models import Interaction, InteractionKind

    return session.scalars(
        select(Interaction).where(
            Interaction.contact_id == contact_id,
            Interaction.kind == InteractionKind.VOICEMAIL_RECEIVED,
            Interaction.occurred_at == row.received_at,
        )
    ).first()


def still_to_file(session: Session, row: Voicemail, *, region: str) -> bool:
    """Whether capturing would file something: a processed message not captured yet, with
    someone to file it under (its contact, or a number to make one from) or, for a hang-up
    without either, not yet handled."""
    if row.status not in CAPTURABLE:
        return False
    if row.contact_id is not None:
        return _filed_call(session, row, row.contact_id) is None
    return row.handled_at is None or bool(caller_numbers(row, region))


def _interaction(session: Session, row: Voicemail, contact: Contact) -> tuple[Interaction, bool]:
    """The message as a call in the contact's timeline, and whether it was there before."""
    from ringback.contacts.models import Direction, Interaction, InteractionKind

    existing = _filed_call(session, row, contact.id)
    if existing is not None:
        return existing, True
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
    return item, False


def merge_proposals(
    session: Session, *, settings: Settings, voicemail_id: int
) -> tuple[ContactMatch, ...]:
    """The contacts this message's caller probably is, besides the one it is filed under:
    what ``inbox capture`` offers to merge ("This looks like Karen Lopez (#12): merge?")."""
    row = get_voicemail(session, voicemail_id)
    if row.status != "done":  # a hang-up is never matched by name: it has none
        return ()
    return matches_for(session, row, region=settings.default_region, exclude=row.contact_id)


def capture_message(
    session: Session,
    *,
    settings: Settings,
    voicemail_id: int,
    merge_into: int | None = None,
    keep: Collection[int] | None = None,
) -> Captured:
    """File a message under its caller's contact (new if nobody resembles them): numbers,
    back story, interaction and callback task; then mark it handled and read (``inbox
    capture``, the message page's Capture). ``merge_into``: the
    caller is that contact (a contact made for them before is merged into it). ``keep``:
    the indexes of the proposed back-story items (:func:`story_items`) to file; all of
    them when None. Capturing twice changes nothing."""
    row = get_voicemail(session, voicemail_id)
    if row.status not in CAPTURABLE:
        why = row.status_reason or "not processed yet"
        raise NotCapturable(f"voicemail #{row.id} is {row.status} ({why.splitlines()[0]})")
    merged = _merge_into(session, row, merge_into) if merge_into is not None else ()
    filing = _filing(session, settings, row)
    contact = filing.contact
    # Handling a message is reading it: a captured message is not "unread" anywhere
    # (the inbox's bold line, Today's count), whichever way it was captured.
    row.read_at = row.read_at or utcnow()
    if contact is None:  # a hang-up without a contact: its missed-call task is the record
        already = row.handled_at is not None
        row.handled_at = row.handled_at or utcnow()
        missed = callback_task(session, row)
        return Captured(
            voicemail_id=row.id,
            already=already,
            handled_at=row.handled_at,
            follow_up=CallbackTask.of(missed, settings) if missed else None,
        )
    row.contact_id = contact.id
    fill_from_message(row, contact)
    # Captured before = the call is in the contact's timeline already. Not "handled": a
    # message marked done unfiled and captured later still gets its back story.
    interaction, already = _interaction(session, row, contact)
    stored = _file_under(session, settings, row, contact, already=already, keep=keep)
    task = _callback_task(session, settings, row, contact, interaction.id)
    row.handled_at = row.handled_at or utcnow()
    return Captured(
        voicemail_id=row.id,
        already=already,
        handled_at=row.handled_at,
        contact_id=contact.id,
        contact_name=contact.name,
        created_contact=filing.created,
        interaction_id=interaction.id,
        back_story=tuple((str(b.kind), b.text) for b in stored),
        follow_up=task,
        proposed=filing.proposed,
        merged=merged,
    )


def _merge_into(session: Session, row: Voicemail, target: int) -> tuple[tuple[str, int], ...]:
    """The user says the caller is contact ``target``: file the message there, merging in a
    contact made for this caller before. Raises ContactNotFound for an unknown id."""
    from ringback.contacts.service import contact_by_id, merge_contacts

    keep = contact_by_id(session, target)
    moved: tuple[tuple[str, int], ...] = ()
    if row.contact_id is not None and row.contact_id != keep.id:
        moved = merge_contacts(session, keep_id=keep.id, merge_id=row.contact_id).moved
    row.contact_id = keep.id
    return moved


def _filing(session: Session, settings: Settings, row: Voicemail) -> Filing:
    """Where capturing files the message: its contact; a hang-up's number holder or
    nobody; else, the user having read it, a new contact when the caller only probably
    matches one on file (which the result proposes to merge)."""
    from ringback.contacts.service import find_by_phone
    from ringback.lines import CalledLine, LineKind, message_line

    region = settings.default_region
    if row.status == "no_message" and row.contact_id is None:
        numbers = [n for n, _ in caller_numbers(row, region)]
        return Filing(find_by_phone(session, numbers=numbers) if numbers else None)
    line = message_line(CalledLine.of(row.to_number, row.source_meta), settings)
    prospect = line is LineKind.PROSPECT
    filing = file_message(session, row, region=region, lead=prospect)
    if filing.contact is not None or not filing.proposed:
        return filing
    created = file_message(session, row, region=region, lead=prospect, match=False)
    return Filing(created.contact, created.created, filing.proposed)


def _file_under(
    session: Session,
    settings: Settings,
    row: Voicemail,
    contact: Contact,
    *,
    already: bool,
    keep: Collection[int] | None,
) -> list[BackStoryItem]:
    """The caller's numbers and spelled emails onto the contact, and the message's facts
    as back story (once; only the items numbered in ``keep`` when given); returns the
    back-story items this message gave."""
    from ringback.contacts.models import BackStoryItem, BackStoryKind
    from ringback.contacts.service import add_known_numbers

    source = marker(row.id)
    if not already:
        add_heard_numbers(session, row, contact, region=settings.default_region)
        add_known_numbers(
            session,
            contact=contact,
            emails=[(str(address), "voicemail") for address in facts_of(row).emails],
        )
    stored = [b for b in contact.back_story if b.source == source]
    if not stored and not already:
        noted = row.received_at.astimezone(settings.tz).date()
        for index, (kind, text) in enumerate(story_items(row, settings.tz)):
            if keep is not None and index not in keep:
                continue
            item = BackStoryItem(kind=BackStoryKind(kind), text=text, source=source, noted_on=noted)
            contact.back_story.append(item)
            stored.append(item)
        session.flush()
    return stored


def _callback_task(
    session: Session, settings: Settings, row: Voicemail, contact: Contact, interaction_id: int
) -> CallbackTask | None:
    """The message's callback task (made now if it wants one), tied to the interaction."""
    missed = row.status == "no_message"
    task = callback_task(session, row)
    if task is None and wants_task(row, missed=missed):
        task, _ = ensure_task(session, row, contact, settings, missed=missed)
    if task is None:
        return None
    if task.interaction_id is None:
        task.interaction_id = interaction_id
    if task.contact_id is None:  # made on nobody while the caller was unknown
        task.contact_id = contact.id
    return CallbackTask.of(task, settings)
