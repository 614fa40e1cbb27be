"""What flows between pipeline stages: frozen values, never ORM rows.

Stages take a :class:`VoicemailContext` and return a new one (``dataclasses.replace``),
so a stage cannot half-change shared state, and the runner decides what is persisted.
The Protocols describe the collaborators the lead wires in (speech, extraction, mail);
anything with the right method fits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ringback.lines import CalledLine
from ringback.speech.types import Transcript
from ringback.storage import Storage
from ringback.voicemail.facts import MessageFacts, as_facts

SAMPLE_RATE = 16_000  # what VAD and Whisper both expect


class Reject(Exception):
    """The input itself is unusable (not audio, truncated...): final, never retried."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PermanentError(Exception):
    """A failure that retrying cannot fix (bad configuration...): fail without backoff."""


@dataclass(frozen=True)
class AudioInfo:
    """What the decoder found in the original (before normalising to 16 kHz mono)."""

    codec: str
    container: str
    sample_rate: int
    channels: int
    duration: float  # seconds of decoded audio

    def to_json(self) -> dict[str, Any]:
        return {
            "codec": self.codec,
            "container": self.container,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "duration": self.duration,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AudioInfo:
        return cls(
            str(data["codec"]),
            str(data["container"]),
            int(data["sample_rate"]),
            int(data["channels"]),
            float(data["duration"]),
        )


@dataclass(frozen=True)
class VoicemailContext:
    voicemail_id: int
    source: str
    source_key: str
    original_path: Path
    original_filename: str | None
    mime: str | None
    from_number: str | None
    caller_name: str | None
    to_number: str | None
    received_at: datetime
    # What the source said about the message (a Twilio call's SIDs, line, intake...).
    source_meta: Mapping[str, Any] | None = None
    voicemail_uid: str = ""  # the row's random uid, unique for all time (see the key below)
    # Filled in by the stages. ``audio`` is never persisted: it is re-decoded when needed.
    audio: np.ndarray | None = field(default=None, repr=False, compare=False)
    audio_info: AudioInfo | None = None
    speech_seconds: float | None = None
    no_message: bool = False
    transcript: Transcript | None = None
    facts: MessageFacts | None = None
    email_key: str | None = None
    # Where the original is kept, as the database says (a path, or s3://… once the archive
    # stage has copied it to the object store). ``original_path`` is then a local copy:
    # the spool file, or a download made when a stage needed the audio (see recording.py).
    location: str = ""
    store: Storage | None = field(default=None, repr=False, compare=False)
    # Told how far the transcription has got (0..1) for a progress bar; never persisted.
    on_progress: Callable[[float], None] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", as_facts(self.facts))

    @property
    def duration(self) -> float | None:
        return self.audio_info.duration if self.audio_info else None

    @property
    def idempotency_key(self) -> str:
        """Stable per voicemail, so a resumed notify step can never send a second email;
        unique for all time, so a new database whose voicemail #1 is another message never
        finds the old #1's "already sent" in the same data directory's outbox."""
        if not self.voicemail_uid:
            raise ValueError(f"voicemail {self.voicemail_id} has no uid to key its email on")
        return f"ringback-voicemail-{self.voicemail_id}-{self.voicemail_uid}"


@dataclass(frozen=True)
class VoicemailMessage:
    """What a notifier gets: everything worth telling the user, nothing mutable."""

    voicemail_id: int
    status: str  # "done" or "no_message"
    from_number: str | None
    caller_name: str | None
    to_number: str | None
    received_at: datetime
    duration: float | None
    transcript: Transcript | None
    facts: MessageFacts | None
    original_path: Path
    original_filename: str | None
    mime: str | None
    source_meta: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", as_facts(self.facts))


@runtime_checkable
class Transcriber(Protocol):
    def transcribe(self, audio: np.ndarray) -> Transcript:
        """16 kHz mono float32 in, text with word timings and confidences out."""
        ...


@runtime_checkable
class TracksProgress(Protocol):
    """A transcriber that can say how far it has got (``ringback.speech.progress``)."""

    def transcribe_tracked(
        self, audio: np.ndarray, *, on_progress: Callable[[float], None]
    ) -> Transcript:
        """As ``transcribe``, telling ``on_progress`` the fraction done, ending at 1.0."""
        ...


@runtime_checkable
class Extractor(Protocol):
    def extract(
        self, transcript: Transcript, *, caller_id: str | None, received_at: datetime
    ) -> MessageFacts | Mapping[str, Any]:
        """The facts (callback number, name, dates...); a mapping is read as their JSON."""
        ...


@runtime_checkable
class AudioExtractor(Protocol):
    """An extractor that also listens: it re-reads an unsure callback number in the audio,
    and knows the line the message was left on."""

    def extract_audio(
        self,
        transcript: Transcript,
        *,
        audio: np.ndarray | None,
        caller_id: str | None,
        received_at: datetime,
        duration: float | None = None,
        called: CalledLine | None = None,
    ) -> MessageFacts:
        """The facts, the callback number checked against ``audio`` when in doubt;
        ``called``: the line the message was left on."""
        ...


@runtime_checkable
class Notifier(Protocol):
    def notify(self, message: VoicemailMessage, *, idempotency_key: str) -> str | None:
        """Deliver (or queue) one notification; the same key must never deliver twice.

        Returns a reference to what was sent (e.g. the outbox/email key), or None.
        """
        ...


@dataclass(frozen=True)
class StageResult:
    """How one pipeline stage went for a message (the pipeline's result, the inbox)."""

    name: str
    status: str
    attempts: int
    duration_ms: int | None
    error: str | None


@dataclass(frozen=True)
class VoicemailResult:
    id: int
    status: str
    status_reason: str | None
    source_key: str
    created: bool  # False when the source_key was already known
    original_path: Path | None
    duration: float | None = None
    language: str | None = None
    transcript: str | None = None
    facts: MessageFacts | None = None
    email_key: str | None = None
    stages: tuple[StageResult, ...] = ()
    location: str | None = None  # the original as stored: a path, or s3://… (object store)

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", as_facts(self.facts))
