"""The voicemail inbox as a person handles it: list the messages, show one, capture one
(file it under its contact and mark it handled).

Keyword-only functions the CLI and the web app call; they take a Session, never commit,
and return frozen records whose ``as_json()`` is the ``ringback inbox ... --json``
contract, key for key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ringback.voicemail.capture import ProposedItem, proposed_items
from ringback.voicemail.facts import MessageFacts, as_facts
from ringback.voicemail.pipeline.context import StageResult
from ringback.voicemail.service import (
    CallbackTask,
    caller_label,
    duration_label,
    get_voicemail,
    local_iso,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.db.paging import Page, Window
    from ringback.voicemail.models import Voicemail


@dataclass(frozen=True)
class InboxEntry:
    """One message as the inbox lists it; times are ISO 8601 in the user's timezone."""

    id: int
    status: str
    received_at: str | None
    caller: str
    from_number: str | None
    callback_number: str | None
    callback_extension: str | None
    duration: float | None
    duration_label: str
    summary: str
    urgent: bool
    is_prospect: bool
    handled_at: str | None
    contact_id: int | None
    # When it last changed (processed, read, captured...): the API's sync, not in the
    # ``--json`` contract below.
    updated_at: str | None = None

    @classmethod
    def of(cls, row: Voicemail, settings: Settings, contact_name: str | None) -> InboxEntry:
        facts = as_facts(row.facts) or MessageFacts()
        summary = facts.summary
        if row.status == "no_message":
            summary = "missed call, no message"
        elif row.status in ("rejected", "failed") and row.status_reason:
            summary = row.status_reason.splitlines()[0]
        return cls(
            id=row.id,
            status=str(row.status),
            received_at=local_iso(row.received_at, settings),
            caller=caller_label(row, settings.default_region, contact_name),
            from_number=row.from_number,
            callback_number=facts.callback_number,
            callback_extension=facts.callback_extension,
            duration=row.duration,
            duration_label=duration_label(row.duration),
            summary=summary,
            urgent=facts.urgent,
            is_prospect=facts.is_prospect,
            handled_at=local_iso(row.handled_at, settings),
            contact_id=row.contact_id,
            updated_at=local_iso(row.updated_at, settings),
        )

    @property
    def handled(self) -> bool:
        return self.handled_at is not None

    def as_json(self) -> dict[str, Any]:
        """The ``ringback inbox list --json`` contract, one message."""
        return {
            "id": self.id,
            "status": self.status,
            "received_at": self.received_at,
            "caller": self.caller,
            "from_number": self.from_number,
            "callback_number": self.callback_number,
            "callback_extension": self.callback_extension,
            "duration": self.duration,
            "duration_label": self.duration_label,
            "summary": self.summary,
            "urgent": self.urgent,
            "is_prospect": self.is_prospect,
            "handled": self.handled,
            "handled_at": self.handled_at,
            "contact_id": self.contact_id,
        }


@dataclass(frozen=True)
class InboxMessage:
    """One message in full: the listed entry, transcript, facts, task and stages."""

    entry: InboxEntry
    status_reason: str | None
    source: str
    original_path: str | None
    original_filename: str | None
    language: str | None
    transcript: str | None
    low_confidence_words: tuple[Any, ...]
    facts: MessageFacts | None
    stored_facts: Any  # the stored JSON, shown as is
    email_key: str | None
    follow_up: CallbackTask | None
    stages: tuple[StageResult, ...]  # the error's first line
    # What capturing would add to the back story, numbered as capture's ``keep`` takes them.
    proposed: tuple[ProposedItem, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The ``ringback inbox show --json`` contract."""
        return {
            **self.entry.as_json(),
            "status_reason": self.status_reason,
            "source": self.source,
            "original_path": self.original_path,
            "original_filename": self.original_filename,
            "language": self.language,
            "transcript": self.transcript,
            "low_confidence_words": list(self.low_confidence_words),
            "facts": self.stored_facts,
            "email_key": self.email_key,
            "follow_up": self.follow_up.as_json() if self.follow_up else None,
            "stages": [
                {
                    "name": s.name,
                    "status": s.status,
                    "attempts": s.attempts,
                    "duration_ms": s.duration_ms,
                    "error": s.error,
                }
                for s in self.stages
            ],
            "proposed_back_story": [p.as_json() for p in self.proposed],
        }


def list_inbox(
    session: Session, *, settings: Settings, include_handled: bool = False
) -> tuple[InboxEntry, ...]:
    """Messages, newest first: only those not handled yet unless ``include_handled``."""
    from ringback.voicemail.models import Voicemail

    query = select(Voicemail).order_by(Voicemail.received_at.desc(), Voicemail.id.desc())
    if not include_handled:
        query = query.where(Voicemail.handled_at.is_(None))
    rows = list(session.scalars(query))
    names = _contact_names(session, {r.contact_id for r in rows if r.contact_id is not None})
    return tuple(InboxEntry.of(row, settings, names.get(row.contact_id)) for row in rows)


def inbox_page(session: Session, *, settings: Settings, window: Window) -> Page[InboxEntry]:
    """Every message (handled or not) in id order after ``window.after``, changed since
    ``window.updated_since``: what the API lists for a CRM to sync."""
    from ringback.db.paging import keyset
    from ringback.voicemail.models import Voicemail

    def entries(rows: Sequence[Voicemail]) -> list[InboxEntry]:
        names = _contact_names(session, {r.contact_id for r in rows if r.contact_id is not None})
        return [InboxEntry.of(row, settings, names.get(row.contact_id)) for row in rows]

    return keyset(
        session,
        select(Voicemail),
        id_column=Voicemail.id,
        updated_column=Voicemail.updated_at,
        window=window,
        convert=entries,
    )


def _contact_names(session: Session, ids: set[int]) -> dict[int | None, str]:
    """Names of the contacts messages were matched to, in one query."""
    from ringback.contacts.models import Contact

    if not ids:
        return {}
    found = session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(ids)))
    return {contact_id: name for contact_id, name in found}


def show_message(session: Session, *, settings: Settings, voicemail_id: int) -> InboxMessage:
    """One message: transcript, facts, callback task, and how each stage went
    (VoicemailNotFound if there is none)."""
    from ringback.contacts.models import Contact
    from ringback.voicemail.adapters import low_confidence_words
    from ringback.voicemail.followup import callback_task

    row = get_voicemail(session, voicemail_id)
    contact = session.get(Contact, row.contact_id) if row.contact_id is not None else None
    task = callback_task(session, row)
    return InboxMessage(
        entry=InboxEntry.of(row, settings, contact.name if contact is not None else None),
        status_reason=row.status_reason,
        source=str(row.source),
        original_path=row.original_path,
        original_filename=row.original_filename,
        language=row.language,
        transcript=row.transcript,
        low_confidence_words=tuple(low_confidence_words(row.words)),
        facts=as_facts(row.facts),
        stored_facts=row.facts,
        email_key=row.email_key,
        follow_up=CallbackTask.of(task, settings) if task else None,
        stages=tuple(
            StageResult(
                s.stage,
                str(s.status),
                s.attempts,
                s.duration_ms,
                s.error.splitlines()[0] if s.error else None,
            )
            for s in row.stages
        ),
        proposed=proposed_items(row, settings.tz),
    )


def voicemail_detail(session: Session, settings: Settings, voicemail_id: int) -> dict[str, Any]:
    """:func:`show_message` as its JSON."""
    return show_message(session, settings=settings, voicemail_id=voicemail_id).as_json()
