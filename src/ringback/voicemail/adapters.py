"""Thin adapters from the pipeline's Protocols to the real speech, extraction and mail code.

The pipeline (``ringback.voicemail.pipeline``) knows nothing about Whisper, the rule-based
extractors or SMTP; these classes translate between its frozen values and theirs. The
same :class:`FactsExtractor` backs ``ringback voicemail analyze``, so what the command
prints is exactly what a message in the inbox gets.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ringback.speech.types import Transcript
from ringback.voicemail.facts import FactDate, MessageFacts
from ringback.voicemail.pipeline.context import PermanentError, VoicemailMessage

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.config import Settings
    from ringback.extract import CallbackNumber
    from ringback.lines import CalledLine
    from ringback.mail import AudioFile, VoicemailEmailInput
    from ringback.speech import FasterWhisperTranscriber

log = logging.getLogger("ringback.voicemail")

# Words the model was less sure of than this are marked in the email and in `inbox show`.
LOW_CONFIDENCE = 0.5

# Transcribers by model configuration: one per process, so the model stays warm (the
# speech package also caches the loaded model; this keeps its options object too).
_TRANSCRIBERS: dict[tuple[Any, ...], FasterWhisperTranscriber] = {}


def speech_engine(settings: Settings) -> FasterWhisperTranscriber:
    from ringback.speech import FasterWhisperTranscriber

    key = (
        settings.whisper_model,
        settings.whisper_device,
        settings.whisper_compute_type,
        settings.whisper_beam_size,
        settings.whisper_cpu_threads,
        settings.whisper_language,
    )
    engine = _TRANSCRIBERS.get(key)
    if engine is None:
        engine = _TRANSCRIBERS[key] = FasterWhisperTranscriber.from_settings(settings)
    return engine


class WhisperTranscriber:
    """The pipeline's Transcriber: faster-whisper with the configured (warm) model."""

    def __init__(self, settings: Settings) -> None:
        self.engine = speech_engine(settings)

    def warm(self) -> None:
        """Load the model now (a worker does this at start so the first message is fast)."""
        from ringback.speech import ModelNotAvailableError

        try:
            self.engine.load()
        except ModelNotAvailableError as exc:
            raise PermanentError(str(exc)) from exc

    def transcribe(self, audio: np.ndarray) -> Transcript:
        return self._transcribe(audio, None)

    def transcribe_tracked(
        self, audio: np.ndarray, *, on_progress: Callable[[float], None]
    ) -> Transcript:
        """As :meth:`transcribe`, telling ``on_progress`` how far it has got (0..1)."""
        return self._transcribe(audio, on_progress)

    def _transcribe(
        self, audio: np.ndarray, on_progress: Callable[[float], None] | None
    ) -> Transcript:
        from ringback.speech import ModelNotAvailableError

        try:
            result = self.engine.transcribe(audio, on_progress=on_progress)
        except ModelNotAvailableError as exc:
            # Retrying cannot conjure a model: fail now with the message that says what to set.
            raise PermanentError(str(exc)) from exc
        return result


class FactsExtractor:
    """The pipeline's extractor: the rule-based facts plus the callback number.

    With the audio at hand (``extract_audio``, what the extract stage calls) the callback
    number is re-read against it when the text alone does not settle it; ``extract``
    works from the text and word probabilities only.
    """

    def __init__(self, settings: Settings, engine: FasterWhisperTranscriber | None = None):
        self.settings = settings
        self.engine = engine

    def extract(
        self, transcript: Transcript, *, caller_id: str | None, received_at: datetime
    ) -> MessageFacts:
        return self.extract_audio(
            transcript, audio=None, caller_id=caller_id, received_at=received_at
        )

    def extract_audio(
        self,
        transcript: Transcript,
        *,
        audio: npt.NDArray[np.float32] | None,
        caller_id: str | None,
        received_at: datetime,
        duration: float | None = None,
        called: CalledLine | None = None,
    ) -> MessageFacts:
        from ringback.extract import extract_facts
        from ringback.lines import LineKind, message_line
        from ringback.voicemail.followup import asks_for_callback, callback_due

        number = self._callback_number(transcript, audio, caller_id)
        tz = self.settings.tz
        facts = extract_facts(transcript.text, received_at=received_at, tz=tz)
        callback_at = facts.callback_at
        due = callback_due(callback_at, received_at=received_at, tz=tz, urgent=facts.urgent)
        # Called on the prospect line: a prospect whatever the words say.
        prospect_line = message_line(called, self.settings) is LineKind.PROSPECT
        return MessageFacts(
            callback_number=number.e164,
            callback_number_confidence=round(float(number.confidence), 3),
            caller_name=facts.caller_name,
            company=facts.company,
            emails=facts.emails,
            dates=tuple(FactDate(d.text, d.iso) for d in facts.dates),
            amounts=facts.amounts,
            addresses=facts.addresses,
            summary=facts.summary,
            urgent=facts.urgent,
            is_prospect=facts.is_prospect or prospect_line,
            callback_extension=number.extension,
            callback_at=callback_at,
            callback_number_source=number.source,
            number_check=number.check,
            intent=facts.intent,
            asks_callback=asks_for_callback(
                transcript.text, spoken_number=number.source == "spoken"
            ),
            callback_due=due,
            callback_due_text=facts.callback.text if facts.callback else None,
            line=str(LineKind.PROSPECT) if prospect_line else None,
            caller_name_confidence=facts.caller_name_confidence if facts.caller_name else None,
            company_confidence=facts.company_confidence if facts.company else None,
        )

    def _callback_number(
        self,
        transcript: Transcript,
        audio: npt.NDArray[np.float32] | None,
        caller_id: str | None,
    ) -> CallbackNumber:
        from ringback.extract import extract_callback_number
        from ringback.speech.callback_audio import callback_number_from_audio

        region = self.settings.default_region
        if audio is not None and self.engine is not None:
            _, number = callback_number_from_audio(
                self.engine,
                audio,
                region=region,
                caller_id=caller_id,
                transcript=transcript,
                repair=self.settings.callback_reread,
            )
            return number
        return extract_callback_number(
            transcript.text, words=transcript.words or None, region=region, caller_id=caller_id
        )


class EmailNotifier:
    """The pipeline's Notifier: one email per voicemail through the durable outbox.

    With ``deliver_later`` (the Celery queue) the email is only spooled here, and its key
    handed to ``deliver_later``, which queues the delivery for a mail worker: a slow or
    down SMTP server then never holds a transcription worker."""

    def __init__(
        self,
        settings: Settings,
        url: str | None = None,
        *,
        deliver_later: Callable[[str], object] | None = None,
    ) -> None:
        self.settings = settings
        self.url = url  # where contacts live: a known caller is named in the email
        self.deliver_later = deliver_later

    def notify(self, message: VoicemailMessage, *, idempotency_key: str) -> str | None:
        from ringback.mail import (
            DeliveryStatus,
            MailConfigError,
            deliver_voicemail,
            spool_voicemail,
        )

        known = self._known_caller(message)
        email = email_input(message, self.settings, idempotency_key, known=known)
        user_address = self._owner_address(message)
        if user_address:  # a rep's line: their email (and the prospect address, if any)
            chosen = tuple(dict.fromkeys((user_address, *email.recipients)))
            email = dataclasses.replace(email, recipients=chosen)
        send = deliver_voicemail if self.deliver_later is None else spool_voicemail
        try:
            result = send(email, settings=self.settings)
        except MailConfigError as exc:
            raise PermanentError(str(exc)) from exc
        if self.deliver_later is not None:
            if result.status == DeliveryStatus.QUEUED:
                self.deliver_later(result.key)
            return result.key
        if result.status == DeliveryStatus.QUEUED:
            # Not an error: the mail is on disk and the next outbox flush sends it.
            log.warning("voicemail %s: email queued (%s)", message.voicemail_id, result.error)
        return result.key

    def _owner_address(self, message: VoicemailMessage) -> str | None:
        """The email of the user whose line took the message, when that is not the first
        owner (whose mail goes to the configured SMTP_TO / OWNER_EMAIL, as always). A
        failed lookup sends to the default address: it costs the routing, never the email."""
        from sqlalchemy.exc import SQLAlchemyError

        if self.url is None:
            return None
        try:
            return _user_address(self.url, int(message.voicemail_id))
        except SQLAlchemyError as exc:
            log.warning("voicemail %s: owner lookup failed (%s)", message.voicemail_id, exc)
            return None

    def _known_caller(self, message: VoicemailMessage) -> tuple[str, str | None] | None:
        """The contact behind the caller ID or the number said, so that a client who does not
        say their name is still named in the subject. A failed lookup costs the name, never
        the email."""
        from sqlalchemy.exc import SQLAlchemyError

        from ringback.voicemail.followup import known_caller

        if self.url is None:
            return None
        said = message.facts.callback_number if message.facts is not None else None
        numbers = (message.from_number, said)
        try:
            return known_caller(self.url, numbers, self.settings.default_region)
        except SQLAlchemyError as exc:
            log.warning("voicemail %s: contact lookup failed (%s)", message.voicemail_id, exc)
            return None


def _user_address(url: str, voicemail_id: int) -> str | None:
    from sqlalchemy import select

    from ringback.accounts.models import User
    from ringback.accounts.service import first_owner_id
    from ringback.db.session import transaction
    from ringback.voicemail.models import Voicemail

    with transaction(url) as session:
        owner_id = session.scalar(select(Voicemail.owner_id).where(Voicemail.id == voicemail_id))
        if owner_id is None or owner_id == first_owner_id(session):
            return None
        user = session.get(User, owner_id)
        return user.email if user is not None and not user.disabled else None


def _unsure(value: str | None) -> str | None:
    return f"{value} (unsure)" if value else None


def email_input(
    message: VoicemailMessage,
    settings: Settings,
    idempotency_key: str,
    *,
    known: tuple[str, str | None] | None = None,
) -> VoicemailEmailInput:
    """The email's view of a message. ``known``: the matched contact's (name, company),
    used where the message itself names no caller or company."""
    from ringback.lines import CalledLine, LineKind, message_line, normalise, notify_recipients
    from ringback.mail import VoicemailEmailInput
    from ringback.phones import e164_or_none

    facts = message.facts or MessageFacts()
    transcript = message.transcript
    meta = message.source_meta or {}
    line = message_line(CalledLine.of(message.to_number, meta), settings)
    prospect_line = line is LineKind.PROSPECT
    intake = meta.get("intake") if isinstance(meta.get("intake"), str) else None
    summary = facts.summary
    if message.status == "no_message":
        summary = "missed call, no message left"
    return VoicemailEmailInput(
        voicemail_id=str(message.voicemail_id),
        received_at=message.received_at,
        duration=float(message.duration or 0.0),
        transcript=transcript.text if transcript else "",
        words=tuple(transcript.words) if transcript else (),
        # What extraction is unsure of yields to what is known, and says "(unsure)".
        caller_name=facts.sure_name
        or message.caller_name
        or (known and known[0])
        or _unsure(facts.caller_name),
        company=facts.sure_company or (known and known[1]) or _unsure(facts.company),
        callback_number=facts.callback_number,
        callback_number_confidence=facts.callback_number_confidence,
        callback_extension=facts.callback_extension,
        caller_id=e164_or_none(message.from_number, settings.default_region),
        other_number=facts.number_check.other if facts.number_check else None,
        number_reason=facts.number_check.reason if facts.number_check else "",
        other_number_near=bool(facts.number_check and facts.number_check.near),
        summary=summary,
        untranscribed=facts.untranscribed,
        dates=facts.dates,
        callback_at=facts.callback_at,
        amounts=facts.amounts,
        addresses=facts.addresses,
        emails=facts.emails,
        urgent=facts.urgent,
        is_prospect=facts.is_prospect or prospect_line,
        language=transcript.language if transcript else None,
        audio=_audio(message, settings),
        idempotency_key=idempotency_key,
        line=str(line),
        line_number=normalise(message.to_number, settings.default_region)
        if prospect_line
        else None,
        recipients=notify_recipients(settings, line),
        intake=intake,
    )


def _audio(message: VoicemailMessage, settings: Settings) -> AudioFile | None:
    from ringback.mail import AudioFile

    path = message.original_path
    if not settings.mail_attach_audio or not path.is_file():
        return None
    # Never read a two-hour recording into memory just to find it is over the cap.
    if path.stat().st_size > settings.mail_max_attachment_mb * 1_000_000:
        return None
    name = message.original_filename or path.name
    return AudioFile(path.read_bytes(), filename=name, mime=message.mime or "audio/wav")


def low_confidence_words(words: Sequence[Mapping[str, Any]] | None) -> list[str]:
    return [
        str(w.get("text", "")).strip()
        for w in words or ()
        if float(w.get("probability", 1.0)) < LOW_CONFIDENCE
    ]
