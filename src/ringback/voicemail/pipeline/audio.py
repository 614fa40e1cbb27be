"""Decoding any phone recording to 16 kHz mono float32, and measuring how much speech it holds.

PyAV (FFmpeg) reads what phone systems produce: 8 kHz μ-law and A-law WAV,
GSM (raw and WAV49), MP3, Ogg, M4A, FLAC, at any rate and channel count.
Anything FFmpeg cannot read as audio is a :class:`Reject` with a reason a
person can act on, never a crash.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

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


class _Samples:
    """A growing float32 buffer: one allocation when the container states its duration.

    Collecting chunks and concatenating them at the end would briefly hold the
    whole message twice (about 460 MB for one hour at 16 kHz); this holds it once.
    """

    def __init__(self, estimate: int) -> None:
        self._buf = np.empty(max(estimate + estimate // 50 + SAMPLE_RATE, SAMPLE_RATE), np.float32)
        self.size = 0

    def append(self, chunk: np.ndarray) -> None:
        end = self.size + chunk.size
        if end > self._buf.size:
            grown = np.empty(max(end, self._buf.size + self._buf.size // 2), np.float32)
            grown[: self.size] = self._buf[: self.size]
            self._buf = grown
        self._buf[self.size : end] = chunk
        self.size = end

    def array(self) -> np.ndarray:
        if self.size < self._buf.size * 0.9:
            return self._buf[: self.size].copy()  # do not keep a much larger buffer alive
        return self._buf[: self.size]


def decode(path: Path) -> tuple[np.ndarray, AudioInfo]:
    """Decode and resample to 16 kHz mono float32; raises :class:`Reject` for non-audio."""
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
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        # container.duration is in microseconds; it sizes the buffer up front (see _Samples).
        estimate = int((container.duration or 0) * SAMPLE_RATE / 1_000_000)
        samples = _Samples(estimate)
        bad_packets = 0
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.FFmpegError:
                    # One damaged packet (a glitch in the line) should not lose the message.
                    bad_packets += 1
                    if bad_packets > 50 and samples.size == 0:
                        raise
                    continue
                for frame in frames:
                    frame.pts = None  # let the resampler ignore odd timestamps
                    for out in resampler.resample(frame):
                        samples.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                samples.append(out.to_ndarray().reshape(-1))
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
