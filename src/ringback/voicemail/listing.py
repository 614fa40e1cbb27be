"""The inbox as a person reads it: a page of messages (unread first), one message opened
(which marks it read), its recording, capturing chosen items into the contact, marking
it done. Typed results for the web pages; the rules stay here, not in the routes.

"Read" (``read_at``: opened once) and "done" (``handled_at``: captured or marked done,
what ``ringback inbox list`` hides) are different things: a message can be read and still
need a call back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, select
from sqlalchemy.orm import load_only

from ringback.db.base import utcnow
from ringback.voicemail.capture import ProposedItem, proposed_items, still_to_file
from ringback.voicemail.facts import MessageFacts
from ringback.voicemail.followup import display_name, facts_of, marker
from ringback.voicemail.service import get_voicemail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.storage import Storage
    from ringback.voicemail.models import Voicemail

PER_PAGE = 50
MAX_PAGE = 10_000  # past this an OFFSET is a scan for nothing; nobody pages that far


class NoRecording(LookupError):
    """The message has no playable recording (refused before it was stored, or moved)."""


@dataclass(frozen=True)
class StatusNote:
    """Why a message has no transcript yet, and what the person can do about it."""

    label: str
    reason: str | None
    next_step: str
    command: str | None = None  # what whoever runs Ringback can type to try again


@dataclass(frozen=True)
class InboxItem:
    """One line of the inbox list."""

    id: int
    caller: str
    callback_number: str | None
    callback_extension: str | None
    summary: str
    received_at: datetime
    read: bool
    done: bool
    urgent: bool
    note: StatusNote | None


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox: unread first, then newest first."""

    items: tuple[InboxItem, ...]
    page: int
    has_older: bool


@dataclass(frozen=True)
class TranscriptWord:
    """A word of the transcript with where it is in the recording (seconds)."""

    text: str
    start: float
    end: float
    unsure: bool


@dataclass(frozen=True)
class VoicemailView:
    """One message as its page shows it."""

    id: int
    status: str
    note: StatusNote | None
    caller: str
    contact_id: int | None
    from_number: str | None
    received_at: datetime
    duration: float | None
    transcript: str
    words: tuple[TranscriptWord, ...]
    facts: MessageFacts
    number_unsure: bool  # the callback number is below the email's "check the recording" line
    playable: bool
    done: bool
    capturable: bool
    proposed: tuple[ProposedItem, ...]
    captured: tuple[str, ...]  # back-story items already filed from this message
    deletable: bool = False  # finished, and the reader may change it (its owner)


@dataclass(frozen=True)
class Recording:
    """The stored original of a message, to serve as it is: a file in the data folder, or
    (``key``) an object in the object store."""

    path: Path | None
    mime: str
    filename: str
    key: str | None = None


@dataclass(frozen=True)
class DoneOutcome:
    voicemail_id: int
    already: bool


def status_note(status: str, reason: str | None) -> StatusNote | None:
    """What to tell a person about a message that is not (yet) a transcript."""
    first = reason.strip().splitlines()[0] if reason and reason.strip() else None
    if status == "received" and first and first.startswith("waiting for storage"):
        return StatusNote(
            "Waiting for storage",
            first,
            "The recording is kept on this server until the recording store answers again; "
            "then it is transcribed and emailed. To try again now, whoever runs Ringback types:",
            "ringback inbox resume",
        )
    if status in ("received", "processing"):
        return StatusNote(
            "Processing",
            None,
            "Being transcribed: reload in a minute to read it. The recording is stored.",
        )
    if status == "failed":
        return StatusNote(
            "Failed",
            first,
            "Listen to the recording. To try again, whoever runs Ringback types:",
            "ringback inbox resume --failed",
        )
    if status == "rejected":
        return StatusNote(
            "Not a recording",
            first,
            "Nothing was transcribed. If it came from your phone system, set it to save "
            "voicemail as WAV or MP3 and ask the caller to call again.",
        )
    return None


def _caller(row: Voicemail, region: str, contact_name: str | None) -> str:
    """The matched contact's name, else who the message says called, else the number."""
    if contact_name and contact_name.strip():
        return contact_name.strip()
    return display_name(row, region) or "unknown caller"


def _summary(row: Voicemail, facts: MessageFacts) -> str:
    if row.status == "no_message":
        return "Missed call, no message"
    return facts.summary.strip()


def inbox_page(
    session: Session, *, region: str, page: int = 1, per_page: int = PER_PAGE
) -> InboxPage:
    """Page ``page`` (from 1) of every message, unread first, then newest first: one query
    (with the matched contact's name joined), however many messages there are."""
    from ringback.contacts.models import Contact
    from ringback.voicemail.models import Voicemail

    page = min(max(page, 1), MAX_PAGE)
    order = (
        case((Voicemail.read_at.is_(None), 0), else_=1),  # unread first
        Voicemail.received_at.desc(),
        Voicemail.id.desc(),
    )
    # The page's ids are sorted from the inbox index alone (read_at, received_at, id):
    # sorting whole rows would read every transcript's words on SQLite, where they sit
    # in the row before read_at.
    ids = (
        select(Voicemail.id)
        .order_by(*order)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
        .scalar_subquery()
    )
    query = (
        select(Voicemail, Contact.name)
        .outerjoin(Contact, Contact.id == Voicemail.contact_id)
        .options(
            # Not the transcript or its words: a list line needs neither.
            load_only(
                Voicemail.id,
                Voicemail.status,
                Voicemail.status_reason,
                Voicemail.received_at,
                Voicemail.from_number,
                Voicemail.caller_name,
                Voicemail.facts,
                Voicemail.read_at,
                Voicemail.handled_at,
            )
        )
        .where(Voicemail.id.in_(ids))
        .order_by(*order)
    )
    rows = session.execute(query).all()
    items = tuple(_item(row, region, name) for row, name in rows[:per_page])
    return InboxPage(items=items, page=page, has_older=len(rows) > per_page)


def _item(row: Voicemail, region: str, contact_name: str | None) -> InboxItem:
    facts = facts_of(row)
    return InboxItem(
        id=row.id,
        caller=_caller(row, region, contact_name),
        callback_number=facts.callback_number,
        callback_extension=facts.callback_extension,
        summary=_summary(row, facts),
        received_at=row.received_at,
        read=row.read_at is not None,
        done=row.handled_at is not None,
        urgent=facts.urgent,
        note=status_note(str(row.status), row.status_reason),
    )


def _words(stored: Any) -> tuple[TranscriptWord, ...]:
    """The stored words (``Voicemail.words``) for display; malformed entries are skipped,
    so one bad row shows a transcript without timings rather than an error page."""
    from ringback.mail.render import LOW_CONFIDENCE

    out: list[TranscriptWord] = []
    for word in stored if isinstance(stored, list) else ():
        try:
            text = str(word["text"]).strip()
            start, end = float(word["start"]), float(word["end"])
            probability = float(word.get("probability", 1.0))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if text:
            out.append(TranscriptWord(text, start, end, probability < LOW_CONFIDENCE))
    return tuple(out)


def _captured(session: Session, row: Voicemail) -> tuple[str, ...]:
    from ringback.contacts.models import BackStoryItem

    if row.contact_id is None:
        return ()
    found = session.scalars(
        select(BackStoryItem.text)
        .where(BackStoryItem.contact_id == row.contact_id, BackStoryItem.source == marker(row.id))
        .order_by(BackStoryItem.id)
    )
    return tuple(found)


def open_voicemail(
    session: Session, *, voicemail_id: int, region: str, tz: tzinfo
) -> VoicemailView:
    """Message ``voicemail_id`` as its page shows it (times in the user's timezone
    ``tz``); opening it marks it read (when the reader may change it: a manager reading a
    rep's message leaves it unread for the rep).
    Raises :class:`~ringback.voicemail.service.VoicemailNotFound`."""
    from ringback.accounts.scope import may_change
    from ringback.contacts.models import Contact
    from ringback.mail.compose import UNSURE_NUMBER
    from ringback.voicemail.models import FINAL_STATUSES

    row = get_voicemail(session, voicemail_id)
    if row.read_at is None and may_change(session, row):
        row.read_at = utcnow()
    contact = session.get(Contact, row.contact_id) if row.contact_id is not None else None
    facts = facts_of(row)
    done = row.handled_at is not None
    return VoicemailView(
        id=row.id,
        status=str(row.status),
        note=status_note(str(row.status), row.status_reason),
        caller=_caller(row, region, contact.name if contact else None),
        contact_id=row.contact_id,
        from_number=row.from_number,
        received_at=row.received_at,
        duration=row.duration,
        transcript=row.transcript or "",
        words=_words(row.words),
        facts=facts,
        number_unsure=bool(facts.callback_number)
        and facts.callback_number_confidence < UNSURE_NUMBER,
        playable=bool(row.original_path) and (row.mime or "").startswith("audio/"),
        done=done,
        capturable=may_change(session, row) and still_to_file(session, row, region=region),
        proposed=proposed_items(row, tz),
        captured=_captured(session, row),
        deletable=row.status in FINAL_STATUSES and may_change(session, row),
    )


def recording_of(
    session: Session, *, voicemail_id: int, data_dir: Path, store: Storage | None = None
) -> Recording:
    """The stored original of message ``voicemail_id``: found by the message's id only,
    and only inside the data directory or the object store ``store``. Raises
    :class:`~ringback.voicemail.service.VoicemailNotFound` or :class:`NoRecording`."""
    row = get_voicemail(session, voicemail_id)
    if not row.original_path or not (row.mime or "").startswith("audio/"):
        raise NoRecording(f"voicemail #{voicemail_id} has no recording to play")
    if store is not None and store.remote and (key := store.key_of(row.original_path)):
        name = row.original_filename or key.rsplit("/", 1)[-1]
        return Recording(None, row.mime or "audio/wav", name, key=key)
    path = Path(row.original_path).resolve()
    if not path.is_relative_to(Path(data_dir).resolve()) or not path.is_file():
        raise NoRecording(f"the recording of voicemail #{voicemail_id} is not in the data folder")
    return Recording(path, row.mime or "audio/wav", row.original_filename or path.name)


def mark_done(session: Session, *, voicemail_id: int) -> DoneOutcome:
    """Mark message ``voicemail_id`` done (handled, and read), as capturing does, without
    filing anything. Raises :class:`~ringback.voicemail.service.VoicemailNotFound`."""
    row = get_voicemail(session, voicemail_id)
    already = row.handled_at is not None
    now = utcnow()
    row.handled_at = row.handled_at or now
    row.read_at = row.read_at or now
    return DoneOutcome(voicemail_id=row.id, already=already)
