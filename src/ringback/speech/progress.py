"""How far a transcription has got, for a progress bar: a fraction from 0 to 1.

faster-whisper decodes lazily, a segment at a time, so the end time of the last segment
decoded over the recording's length says how much is done. Silence the VAD filter skips
counts as done as soon as a later segment is decoded (its end is past the silence), and
the last call is always 1.0, whatever silence followed the last word. The callback is
plain data in, nothing out: the speech code stays free of any terminal or UI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeAlias, runtime_checkable

from ringback.speech.types import AudioInput, Segment, TranscribeOptions, Transcriber, Transcript

#: Told the fraction done (0..1), never smaller than the last one it was told.
Progress: TypeAlias = Callable[[float], None]


@runtime_checkable
class Streaming(Protocol):
    """A transcriber that can hand out its segments as they are decoded (the info first:
    ``whisper.StreamInfo``, whose ``duration`` is the recording's length in seconds)."""

    def stream(
        self, audio: AudioInput, *, options: TranscribeOptions | None = None
    ) -> tuple[Any, Iterator[Segment]]: ...

    def collect(self, info: Any, segments: Iterator[Segment]) -> Transcript: ...


def tracked(
    segments: Iterator[Segment], duration: float, on_progress: Progress
) -> Iterator[Segment]:
    """``segments`` unchanged, telling ``on_progress`` how far into ``duration`` seconds
    each one ends: 0.0 first, increasing fractions as they come, 1.0 once all are out."""
    done = 0.0
    on_progress(done)
    for segment in segments:
        if duration > 0:
            fraction = min(1.0, segment.end / duration)
            if fraction > done:
                done = fraction
                on_progress(done)
        yield segment
    if done < 1.0:
        on_progress(1.0)


def transcribe_tracked(
    transcriber: Transcriber,
    audio: AudioInput,
    *,
    options: TranscribeOptions | None = None,
    on_progress: Progress | None = None,
) -> Transcript:
    """``transcriber.transcribe(audio)``, with ``on_progress`` told how far it has got.

    A transcriber that cannot stream (a test's fake) reports only the end (1.0)."""
    if on_progress is None:
        return transcriber.transcribe(audio, options=options)
    if not isinstance(transcriber, Streaming):
        transcript = transcriber.transcribe(audio, options=options)
        on_progress(1.0)
        return transcript
    info, segments = transcriber.stream(audio, options=options)
    return transcriber.collect(info, tracked(segments, float(info.duration), on_progress))


def scaled(on_progress: Progress, start: float, width: float) -> Progress:
    """A callback for one part of a bigger job: its 0..1 mapped onto ``start`` ..
    ``start + width`` of the whole (a channel of a call, a piece of a long recording)."""
    return lambda fraction: on_progress(min(1.0, start + width * fraction))
