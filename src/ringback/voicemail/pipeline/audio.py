"""Decoding any phone recording to 16 kHz mono float32, and measuring how much speech it holds.

PyAV (FFmpeg) reads what phone systems produce: 8 kHz μ-law and A-law WAV,
GSM (raw and WAV49), MP3, Ogg, M4A, FLAC, at any rate and channel count.
Anything FFmpeg cannot read as audio is a :class:`Reject` with a reason a
person can act on, never a crash.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

from ringback.safe_open import NotRegularFile, open_regular
from ringback.speech.bounded import (
    DEFAULT_MAX_MINUTES,
    Samples,
    TooLong,
    check_header,
    resample_into,
)
from ringback.speech.types import AudioDecodeError
from ringback.voicemail.pipeline.context import SAMPLE_RATE, AudioInfo, Reject

# Below this many decoded samples there is nothing to listen to (20 ms).
_MIN_SAMPLES = SAMPLE_RATE // 50


def _describe(exc: BaseException) -> str:
    # FFmpeg errors carry an errno and the file name; the reason alone reads better.
    text = getattr(exc, "strerror", None) or str(exc).strip() or exc.__class__.__name__
    return str(text).split(": '")[0]


def _unreadable(path: Path, exc: BaseException) -> Reject:
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError:
        head = b""
    if head[:4] == b"RIFF" or head[:4] == b"OggS" or head[:3] == b"ID3":
        # It claims to be audio, so it is a damaged recording rather than a wrong file.
        return Reject(f"damaged or truncated audio file: {_describe(exc)}")
    return Reject(f"not audio: {_describe(exc)}")


def decode(
    path: Path, *, max_seconds: float = DEFAULT_MAX_MINUTES * 60
) -> tuple[np.ndarray, AudioInfo]:
    """Decode and resample to 16 kHz mono float32; raises :class:`Reject` for non-audio.

    The header is checked first and the decoded length is capped at ``max_seconds``
    (see :mod:`ringback.speech.bounded`), so memory stays bounded whatever the file claims.
    """
    try:
        with open_regular(path):
            pass  # the store only holds plain files; anything else is refused, not read
    except NotRegularFile as exc:
        raise Reject(str(exc)) from None
    except OSError as exc:
        raise Reject(f"unreadable file: {_describe(exc)}") from exc
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise _unreadable(path, exc) from exc
    except (OSError, ValueError) as exc:
        raise Reject(f"unreadable file: {_describe(exc)}") from exc
    with container:
        if not container.streams.audio:
            kinds: list[str] = sorted({str(s.type) for s in container.streams}) or ["no streams"]
            raise Reject(f"not audio: no audio stream ({', '.join(kinds)})")
        stream = container.streams.audio[0]
        codec = stream.codec_context.name if stream.codec_context else "unknown"
        rate = stream.codec_context.sample_rate or 0
        channels = stream.codec_context.channels or 0
        try:
            check_header(container, stream, max_seconds=max_seconds)
            samples = Samples((container.duration or 0) / 1_000_000, max_seconds)
            resample_into(samples, _frames(container, stream))
        except TooLong as exc:
            raise Reject(
                f"too long: {exc.reason}; raise RINGBACK_MAX_VOICEMAIL_MINUTES to take it"
            ) from None
        except AudioDecodeError as exc:
            raise Reject(f"not a usable recording: {exc.reason}") from None
        except av.FFmpegError as exc:
            raise _unreadable(path, exc) from exc
        container_name = container.format.name if container.format else "unknown"
    audio = samples.array()
    if audio.size < _MIN_SAMPLES:
        raise Reject(
            f"no audio in the file ({codec}, {audio.size / SAMPLE_RATE:.2f} s decoded): "
            "truncated or empty recording"
        )
    info = AudioInfo(
        codec=codec,
        container=container_name,
        sample_rate=int(rate),
        channels=int(channels),
        duration=round(audio.size / SAMPLE_RATE, 3),
    )
    return audio, info


def _frames(container: Any, stream: Any) -> Iterator[Any]:
    bad_packets = 0
    got_any = False
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.FFmpegError:
            # One damaged packet (a glitch in the line) should not lose the message.
            bad_packets += 1
            if bad_packets > 50 and not got_any:
                raise
            continue
        got_any = got_any or bool(frames)
        yield from frames


def speech_seconds(
    audio: np.ndarray,
    *,
    threshold: float = 0.5,
    enough: float | None = None,
) -> float:
    """Seconds of speech according to the Silero VAD bundled with faster-whisper (offline).

    The audio is scanned in windows (4 s, then doubling up to 32 s) so that
    memory stays flat for an hour-long file, and with ``enough`` the scan stops
    as soon as that much speech was found: deciding "is there a message at all"
    then usually costs one short window, not the whole recording (Whisper runs
    its own VAD later anyway).
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    # No padding: we want the speech itself, not the margins Whisper likes around it.
    options = VadOptions(threshold=threshold, min_silence_duration_ms=500, speech_pad_ms=0)
    window = 4 * SAMPLE_RATE
    total = 0
    start = 0
    while start < audio.size:
        part = audio[start : start + window]
        start += window
        window = min(window * 2, 32 * SAMPLE_RATE)
        if part.size < 512:  # shorter than one VAD frame
            break
        spans = get_speech_timestamps(part, options, sampling_rate=SAMPLE_RATE)
        total += sum(s["end"] - s["start"] for s in spans)
        if enough is not None and total >= enough * SAMPLE_RATE:
            break
    return round(total / SAMPLE_RATE, 3)
