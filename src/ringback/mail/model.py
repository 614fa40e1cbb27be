"""What the mail side needs to know about a voicemail: plain frozen values.

The pipeline fills these from its own stage results; nothing here knows about
the database, speech models or extraction internals. The words are the recogniser's own
:class:`ringback.speech.Word` (one word type from the model to the email), of which the
mail reads only the text and the probability.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ringback.speech.types import Word


@dataclass(frozen=True)
class MentionedDate:
    """A date or time the caller mentioned: their words and the resolved ISO 8601
    value (``2026-11-26`` for a day, ``2026-11-26T14:00:00-05:00`` for a time). The one
    type of a mentioned time from the voicemail's facts to its email (``FactDate``)."""

    text: str
    iso: str

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "iso": self.iso}


@dataclass(frozen=True)
class AudioFile:
    data: bytes
    filename: str = "voicemail.wav"
    mime: str = "audio/wav"


@dataclass(frozen=True)
class VoicemailEmailInput:
    voicemail_id: str
    received_at: datetime  # aware
    duration: float  # seconds
    transcript: str = ""
    words: tuple[Word, ...] = ()
    caller_name: str | None = None
    company: str | None = None
    callback_number: str | None = None  # E.164, as extracted from the message
    callback_number_confidence: float = 0.0
    callback_extension: str | None = None  # digits said as "ext. 12" with the number
    caller_id: str | None = None  # E.164 from the network, if any
    # The callback number compared with the caller ID, when they differ: the number not
    # used (the caller ID, or the number heard), the sentence saying which is used and why,
    # and whether they are a digit or two apart (then the other is flagged to check).
    other_number: str | None = None
    number_reason: str = ""
    other_number_near: bool = False
    summary: str = ""
    # Speech the model could not transcribe (another language?): the transcript is not
    # shown as if it were what was said, and the email points to the audio.
    untranscribed: bool = False
    dates: tuple[MentionedDate, ...] = ()
    # When the caller asked to be called back (ISO 8601, a date alone when no clock time
    # was said): the only time the invite is made for. The other dates are only listed.
    callback_at: str | None = None
    amounts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    urgent: bool = False
    is_prospect: bool = False
    language: str | None = None
    audio: AudioFile | None = None
    link: str | None = None  # e.g. a web page for the message; http(s) only is linked
    # The line the call came in on ("personal" or "prospect"): a prospect line's mail is
    # flagged high priority and may go to its own address (``recipients``).
    line: str = "personal"
    line_number: str | None = None  # E.164 of the number dialled
    recipients: tuple[str, ...] = ()  # empty = the configured default (SMTP_TO, owner)
    intake: str | None = None  # what a prospect said when asked name, company and need
    # Give one unique for all time (the pipeline's holds the voicemail's random uid): the
    # default from the id alone is for one-off use, since a new database reuses ids.
    idempotency_key: str = field(default="")

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        if not self.idempotency_key:
            # Frozen: set through object.__setattr__, once, at construction.
            object.__setattr__(self, "idempotency_key", f"voicemail-{self.voicemail_id}")

    @property
    def number(self) -> str | None:
        """The number to call back: what the caller said, else the caller ID."""
        return self.callback_number or self.caller_id

    @property
    def extension(self) -> str | None:
        """The extension to dial at :attr:`number` (one said with the callback number)."""
        return self.callback_extension if self.callback_number else None
