"""Quick notes on a contact's timeline, typed or spoken (seed 002: take notes while
listening and come back to them). A note is an interaction of kind ``note``; a voice memo
is transcribed offline by the same Whisper model as voicemail, and the note says it came
from a memo. ``ringback note`` and the contact page both write through here; nothing
commits (the caller's transaction does)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ringback.contacts.records import InteractionRecord

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.speech import AudioInput, Transcriber

MAX_NOTE_CHARS = 20_000
MEMO_MAX_SECONDS = 15 * 60.0  # a voice memo is a few minutes; a quarter hour is generous


class NoteError(ValueError):
    """The note cannot be written; the message says why and what to do instead."""


def checked_note(text: str) -> str:
    """The note as it will be kept, or :class:`NoteError` (empty, too long)."""
    body = text.strip()
    if not body:
        raise NoteError("the note is empty; type what you want to remember")
    if len(body) > MAX_NOTE_CHARS:
        raise NoteError(
            f"the note is {len(body):,} characters; the limit is {MAX_NOTE_CHARS:,}: "
            "keep notes short"
        )
    return body


def memo_text(audio: AudioInput, *, transcriber: Transcriber, name: str = "memo") -> str:
    """The note a voice memo makes: ``(voice memo NAME) words…``. Raises
    :class:`NoteError` when it is not audio or holds no speech; SpeechError when the model
    fails."""
    from ringback.speech import AudioDecodeError
    from ringback.speech.audio import decode

    try:
        samples = decode(audio, max_seconds=MEMO_MAX_SECONDS)
    except AudioDecodeError as exc:
        raise NoteError(f"the voice memo is not usable audio ({exc}): record it again") from None
    transcript = transcriber.transcribe(samples)
    if transcript.is_empty:
        raise NoteError(
            f"no speech found in {name}; nothing was written: check the memo is not "
            "silent (the microphone), or type the note instead"
        )
    return f"(voice memo {name}) {transcript.text.strip()}"


def add_note(
    session: Session, *, ref: str | int, text: str, at: datetime | None = None, region: str
) -> InteractionRecord:
    """Add a note to the timeline of the contact ``ref`` names (ContactNotFound if none),
    stamped ``at`` (default now). :class:`NoteError` when it is empty or too long."""
    from ringback.contacts.history import add_interaction
    from ringback.contacts.models import Direction, InteractionKind
    from ringback.contacts.service import get_contact

    body = checked_note(text)
    item = add_interaction(
        session,
        contact=get_contact(session, ref=ref, region=region),
        kind=InteractionKind.NOTE,
        direction=Direction.NONE,
        occurred_at=at,
        text=body,
    )
    return InteractionRecord.of(item)
