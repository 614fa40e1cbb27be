"""The voicemail pipeline, written once: its stages and, in :func:`default_stages`, their order.

store → decode → detect speech → transcribe → extract → notify → follow-up → webhooks.
Each stage is small, named, and pure apart from its collaborator (only follow-up and
webhooks write to the database themselves: contacts and tasks, and the queued webhook,
are their whole job). A stage's name keys its durable record (``voicemail_stages``), so
names never change once released.

A stage turns one frozen context into the next. Besides ``run`` it says how
its result is saved (``output``: JSON for the stage row) and reloaded
(``restore``), so that a resumed pipeline continues from the first unfinished
stage without redoing a transcription, and whether it applies at all
(``applies``: a hang-up is not transcribed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from ringback.lines import CalledLine
from ringback.speech.bounded import DEFAULT_MAX_MINUTES
from ringback.speech.legibility import UNTRANSCRIBED_INTENT, UNTRANSCRIBED_SUMMARY, untranscribed
from ringback.speech.types import Transcript
from ringback.voicemail.facts import MessageFacts, as_facts, facts_json
from ringback.voicemail.pipeline import audio as audio_mod
from ringback.voicemail.pipeline.context import (
    AudioExtractor,
    AudioInfo,
    Extractor,
    Notifier,
    TracksProgress,
    Transcriber,
    VoicemailContext,
    VoicemailMessage,
)
from ringback.voicemail.pipeline.recording import decode_original, with_local_copy

# Under this much detected speech a recording is a hang-up / "no message".
MIN_SPEECH_SECONDS = 1.0


class Stage:
    name: ClassVar[str] = "stage"

    def applies(self, ctx: VoicemailContext) -> bool:
        return True

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        raise NotImplementedError

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return {}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return ctx

    def cleanup(self, ctx: VoicemailContext) -> None:
        """Called by the runner after every run, success or not."""


def with_audio(ctx: VoicemailContext) -> VoicemailContext:
    """The context with decoded audio, decoding again if it was resumed without it."""
    if ctx.audio is not None:
        return ctx
    # The decode stage measured it under the configured limit; a second decode may not
    # take more than that (plus a second of slack for resampler rounding).
    known = ctx.audio_info.duration if ctx.audio_info else None
    limit = known + 1.0 if known else float(DEFAULT_MAX_MINUTES * 60)
    ctx, samples, info = decode_original(ctx, limit)
    return replace(ctx, audio=samples, audio_info=ctx.audio_info or info)


class StoreStage(Stage):
    """Keep the original in the content-addressed store and record the message.

    It is the step that creates the voicemail's row, so it cannot run on a row like the
    others: :func:`~ringback.voicemail.pipeline.ingest.ingest` performs it, before anything
    can fail, and records it done. The runner only ever finds it done (and a list without
    it gets it put first, see :class:`~ringback.voicemail.pipeline.runner.Runner`).
    """

    name = "store"

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        raise RuntimeError(f"voicemail {ctx.voicemail_id}: 'store' is done by ingest() alone")


class DecodeStage(Stage):
    """Decode and normalise to 16 kHz mono float32; rejects non-audio with a reason.

    ``max_seconds`` (RINGBACK_MAX_VOICEMAIL_MINUTES) caps what one recording may decode to.
    """

    name = "decode"

    def __init__(self, max_seconds: float = DEFAULT_MAX_MINUTES * 60) -> None:
        self.max_seconds = max_seconds

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        ctx, samples, info = decode_original(ctx, self.max_seconds)
        return replace(ctx, audio=samples, audio_info=info)

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return ctx.audio_info.to_json() if ctx.audio_info else {}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        # The samples themselves are not kept; later stages re-decode only if they need them.
        return replace(ctx, audio_info=AudioInfo.from_json(output)) if output else ctx


class DetectSpeechStage(Stage):
    """Voice activity detection: an empty or hung-up message is 'no message'."""

    name = "detect_speech"

    def __init__(self, min_speech_seconds: float = MIN_SPEECH_SECONDS, threshold: float = 0.5):
        self.min_speech_seconds = min_speech_seconds
        self.threshold = threshold

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        ctx = with_audio(ctx)
        assert ctx.audio is not None
        # Stops scanning once the threshold is met: this stage only decides "message or not".
        seconds = audio_mod.speech_seconds(
            ctx.audio, threshold=self.threshold, enough=self.min_speech_seconds
        )
        return replace(ctx, speech_seconds=seconds, no_message=seconds < self.min_speech_seconds)

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return {
            "speech_seconds": ctx.speech_seconds,  # a lower bound once it reaches the minimum
            "no_message": ctx.no_message,
            "min_speech_seconds": self.min_speech_seconds,
        }

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return replace(
            ctx,
            speech_seconds=output.get("speech_seconds"),
            no_message=bool(output.get("no_message")),
        )


class TranscribeStage(Stage):
    """Whisper; the context's ``on_progress`` (a terminal's bar) hears how far it has got
    when the transcriber can tell (:class:`TracksProgress`)."""

    name = "transcribe"

    def __init__(self, transcriber: Transcriber) -> None:
        self.transcriber = transcriber

    def applies(self, ctx: VoicemailContext) -> bool:
        return not ctx.no_message

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        ctx = with_audio(ctx)
        assert ctx.audio is not None
        if ctx.on_progress is not None and isinstance(self.transcriber, TracksProgress):
            transcript = self.transcriber.transcribe_tracked(ctx.audio, on_progress=ctx.on_progress)
        else:
            transcript = self.transcriber.transcribe(ctx.audio)
        return replace(ctx, transcript=transcript)

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return ctx.transcript.to_json() if ctx.transcript else {}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return replace(ctx, transcript=Transcript.from_json(output)) if output else ctx


class ExtractStage(Stage):
    """The facts of the message. An :class:`AudioExtractor` also gets the audio (decoded
    again after a resume), to re-read a callback number the words leave unsure. Speech
    the model could not transcribe (:func:`ringback.speech.legibility.untranscribed`) is
    not read at all: its facts say so, and the email carries the audio."""

    name = "extract"

    def __init__(self, extractor: Extractor | AudioExtractor) -> None:
        self.extractor = extractor

    def applies(self, ctx: VoicemailContext) -> bool:
        return not ctx.no_message and ctx.transcript is not None

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        transcript = ctx.transcript
        assert transcript is not None
        if untranscribed(transcript):
            # Speech the model could not write down (another language, most often): facts
            # read from its gibberish would be wrong, and "no message" would be a lie.
            facts = MessageFacts(summary=UNTRANSCRIBED_SUMMARY, intent=UNTRANSCRIBED_INTENT)
            return replace(ctx, facts=facts)
        if isinstance(self.extractor, AudioExtractor):
            ctx = with_audio(ctx)
            facts = self.extractor.extract_audio(
                transcript,
                audio=ctx.audio,
                caller_id=ctx.from_number,
                received_at=ctx.received_at,
                duration=ctx.duration,
                called=CalledLine.of(ctx.to_number, ctx.source_meta),
            )
            return replace(ctx, facts=facts)
        found = self.extractor.extract(
            transcript, caller_id=ctx.from_number, received_at=ctx.received_at
        )
        return replace(ctx, facts=as_facts(found))

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return {"facts": facts_json(ctx.facts)}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return replace(ctx, facts=as_facts(output.get("facts")))


class NotifyStage(Stage):
    """Hands the message to the notifier with a key derived from the voicemail id.

    If the process dies after the notifier accepted the message but before this
    stage was recorded as done, the resumed run calls the notifier again with the
    same key, and the notifier's own idempotency makes that a no-op.
    """

    name = "notify"

    def __init__(self, notifier: Notifier, *, notify_no_message: bool = False) -> None:
        self.notifier = notifier
        self.notify_no_message = notify_no_message

    def applies(self, ctx: VoicemailContext) -> bool:
        return self.notify_no_message or not ctx.no_message

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        ctx = with_local_copy(ctx)  # the email attaches the audio
        message = VoicemailMessage(
            voicemail_id=ctx.voicemail_id,
            status="no_message" if ctx.no_message else "done",
            from_number=ctx.from_number,
            caller_name=ctx.caller_name,
            to_number=ctx.to_number,
            received_at=ctx.received_at,
            duration=ctx.duration,
            transcript=ctx.transcript,
            facts=ctx.facts,
            original_path=ctx.original_path,
            original_filename=ctx.original_filename,
            mime=ctx.mime,
            source_meta=ctx.source_meta,
        )
        key = self.notifier.notify(message, idempotency_key=ctx.idempotency_key)
        return replace(ctx, email_key=key or ctx.idempotency_key)

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return {"email_key": ctx.email_key}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return replace(ctx, email_key=output.get("email_key"))


def default_stages(
    *,
    transcriber: Transcriber,
    extractor: Extractor | AudioExtractor,
    notifier: Notifier,
    follow_up: Stage | None = None,
    archive: Stage | None = None,
    webhooks: Stage | None = None,
    min_speech_seconds: float = MIN_SPEECH_SECONDS,
    notify_no_message: bool = False,
    max_seconds: float = DEFAULT_MAX_MINUTES * 60,
) -> list[Stage]:
    """The pipeline, in the order it runs. ``follow_up`` (the callback task, which needs
    the contacts' database) comes after notify when given, and ``webhooks`` (the
    ``voicemail.processed`` webhook queued, never sent here) last of all; ``archive`` (the
    copy to an object store, :mod:`~ringback.voicemail.pipeline.archive`) comes right after
    'store'."""
    return [
        StoreStage(),
        *([archive] if archive is not None else []),
        DecodeStage(max_seconds),
        DetectSpeechStage(min_speech_seconds),
        TranscribeStage(transcriber),
        ExtractStage(extractor),
        NotifyStage(notifier, notify_no_message=notify_no_message),
        *([follow_up] if follow_up is not None else []),
        *([webhooks] if webhooks is not None else []),
    ]
