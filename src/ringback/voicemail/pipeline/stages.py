"""The pipeline's stages: each small, named, and pure apart from its collaborator.

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

from ringback.speech.bounded import DEFAULT_MAX_MINUTES
from ringback.voicemail.pipeline import audio as audio_mod
from ringback.voicemail.pipeline.context import (
    AudioInfo,
    Extractor,
    Notifier,
    Transcriber,
    Transcript,
    VoicemailContext,
    VoicemailMessage,
)

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
    samples, info = audio_mod.decode(ctx.original_path, max_seconds=limit)
    return replace(ctx, audio=samples, audio_info=ctx.audio_info or info)


class DecodeStage(Stage):
    """Decode and normalise to 16 kHz mono float32; rejects non-audio with a reason.

    ``max_seconds`` (RINGBACK_MAX_VOICEMAIL_MINUTES) caps what one recording may decode to.
    """

    name = "decode"

    def __init__(self, max_seconds: float = DEFAULT_MAX_MINUTES * 60) -> None:
        self.max_seconds = max_seconds

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        samples, info = audio_mod.decode(ctx.original_path, max_seconds=self.max_seconds)
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
    name = "transcribe"

    def __init__(self, transcriber: Transcriber) -> None:
        self.transcriber = transcriber

    def applies(self, ctx: VoicemailContext) -> bool:
        return not ctx.no_message

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        ctx = with_audio(ctx)
        assert ctx.audio is not None
        return replace(ctx, transcript=self.transcriber.transcribe(ctx.audio))

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return ctx.transcript.to_json() if ctx.transcript else {}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return replace(ctx, transcript=Transcript.from_json(output)) if output else ctx


class ExtractStage(Stage):
    name = "extract"

    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def applies(self, ctx: VoicemailContext) -> bool:
        return not ctx.no_message and ctx.transcript is not None

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        assert ctx.transcript is not None
        facts = self.extractor.extract(
            ctx.transcript, caller_id=ctx.from_number, received_at=ctx.received_at
        )
        return replace(ctx, facts=dict(facts))

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return {"facts": dict(ctx.facts) if ctx.facts is not None else None}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return replace(ctx, facts=output.get("facts"))


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
    extractor: Extractor,
    notifier: Notifier,
    min_speech_seconds: float = MIN_SPEECH_SECONDS,
    notify_no_message: bool = False,
    max_seconds: float = DEFAULT_MAX_MINUTES * 60,
) -> list[Stage]:
    """The standard order. ('store' happens in ingest(), before any stage runs.)"""
    return [
        DecodeStage(max_seconds),
        DetectSpeechStage(min_speech_seconds),
        TranscribeStage(transcriber),
        ExtractStage(extractor),
        NotifyStage(notifier, notify_no_message=notify_no_message),
    ]
