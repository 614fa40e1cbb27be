"""Reading a call recording one channel at a time, and checking it before any transcription.

A dual-channel recording (Twilio "dual" recordings, most call recorders) carries one party
per channel, which makes "who spoke when" a measurement instead of a guess. Each channel
is decoded on its own pass (PyAV, FFmpeg in the wheel) so only one channel's samples are
in memory at once: a 30-minute call is 115 MB of 16 kHz float32 per channel, not 230 MB.

``inspect`` makes one streaming pass that keeps no samples and answers the questions that
decide how to analyse the file: how many channels, how long, is a channel silent, are the
two channels the same signal (a mono call saved as stereo), is the audio clipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ringback.errors import HintedError
from ringback.speech.types import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# Below this RMS (about -66 dBFS) a channel holds no voice, only line hiss or digital zero.
SILENT_RMS = 5e-4
# A sample this close to full scale is clipped; resampling smears a flat top a little, so
# the bar is just under 1.0.
CLIP_LEVEL = 0.985
# More than this fraction of clipped samples is audible distortion (0.1 %: one sample in a
# thousand, i.e. several clipped peaks every second of speech).
CLIP_FRACTION = 0.001
# Two channels correlated above this are one signal twice (a mono call stored as stereo).
SAME_SIGNAL = 0.97


class CallAudioError(HintedError):
    """The file cannot be analysed as a call; the message says why and what to do."""


@dataclass(frozen=True)
class ChannelStats:
    rms: float
    peak: float
    clipped_fraction: float

    @property
    def silent(self) -> bool:
        return self.rms < SILENT_RMS

    @property
    def clipped(self) -> bool:
        return self.clipped_fraction > CLIP_FRACTION


@dataclass(frozen=True)
class CallAudio:
    """What the one inspection pass found. ``channels`` counts the file's channels (a file
    with more than two is read as its first two); ``same_signal`` is True when both
    channels carry the same audio."""

    path: Path
    channels: int
    duration: float
    stats: tuple[ChannelStats, ...]
    correlation: float | None = None

    @property
    def stereo(self) -> bool:
        return self.channels >= 2

    @property
    def same_signal(self) -> bool:
        return self.correlation is not None and self.correlation > SAME_SIGNAL


def _open(path: Path) -> object:
    import av

    if not path.exists():
        raise CallAudioError(f"no such file: {path}", "check the path")
    if not path.is_file():
        raise CallAudioError(f"not a file: {path}", "pass the recording itself, not a folder")
    if path.stat().st_size == 0:
        raise CallAudioError(f"{path.name} is empty (0 bytes)", "export the recording again")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise CallAudioError(
            f"{path.name} is not a recognised audio format ({exc.__class__.__name__})",
            "pass a WAV, MP3, OGG or M4A recording of the call",
        ) from None
    if not container.streams.audio:
        container.close()
        raise CallAudioError(f"{path.name} has no audio stream", "pass the call's audio file")
    return container


def probe(path: Path) -> tuple[int, float]:
    """(channels, duration in seconds) from the container header, without decoding."""
    container = _open(path)
    try:
        stream = container.streams.audio[0]  # type: ignore[attr-defined]
        channels = int(stream.channels or 1)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:  # type: ignore[attr-defined]
            duration = float(container.duration) / 1_000_000  # type: ignore[attr-defined]
        else:
            duration = 0.0
        return channels, duration
    finally:
        container.close()  # type: ignore[attr-defined]


def blocks(path: Path, channels: int) -> Iterator[npt.NDArray[np.float32]]:
    """The recording as (n, channels) float32 blocks at 16 kHz; ``channels`` is 1 or 2
    (FFmpeg downmixes anything wider to that layout)."""
    import av

    container = _open(path)
    layout = "stereo" if channels >= 2 else "mono"
    width = 2 if channels >= 2 else 1
    resampler = av.AudioResampler(format="flt", layout=layout, rate=SAMPLE_RATE)
    try:
        frames = container.decode(audio=0)  # type: ignore[attr-defined]
        try:
            for frame in frames:
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1, width)  # type: ignore[misc]
        except (av.error.FFmpegError, ValueError) as exc:
            raise CallAudioError(
                f"{path.name} could not be decoded: {exc}", "export the recording again"
            ) from None
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1, width)  # type: ignore[misc]
    finally:
        container.close()  # type: ignore[attr-defined]


#: Longest piece of a channel held in memory at once. The transcriber builds the features
#: of a whole piece before decoding it, so the piece sets the working set: two minutes
#: (7.7 MB of samples) keeps a 20-minute call at 0.53 GB peak against 0.59 GB with
#: five-minute pieces, and costs no accuracy, since call transcription does not carry
#: text from one window to the next anyway and every cut falls in a pause.
PIECE_SECONDS = 120.0
# A cut is made at the quietest moment of the piece's last 30 s (a call channel is silent
# whenever the other party talks, so there is nearly always a pause to cut in).
_CUT_SEARCH_SECONDS = 30.0
_HOP = 160  # cuts fall on 10 ms boundaries, so per-piece features line up end to end


def _quietest(samples: npt.NDArray[np.float32], lo: int, hi: int) -> int:
    """The start of the quietest 0.4 s window in ``samples[lo:hi]``, on a 10 ms grid."""
    import numpy as np

    lo -= lo % _HOP
    frames = samples[lo : hi - (hi - lo) % _HOP].reshape(-1, _HOP)
    energy = (frames.astype(np.float64) ** 2).mean(axis=1)
    width = 40
    if len(energy) <= width:
        return hi - hi % _HOP
    window = np.convolve(energy, np.ones(width), mode="valid")
    return lo + int(np.argmin(window) + width // 2) * _HOP


def channel_pieces(
    path: Path, channel: int, channels: int, piece_seconds: float = PIECE_SECONDS
) -> Iterator[tuple[float, npt.NDArray[np.float32]]]:
    """One channel as consecutive pieces ``(offset seconds, samples)`` of at most
    ``piece_seconds``, each cut in a pause; only one piece (plus a block) is in memory."""
    import numpy as np

    limit = int(piece_seconds * SAMPLE_RATE)
    search = min(int(_CUT_SEARCH_SECONDS * SAMPLE_RATE), limit // 2)
    # One buffer for the whole channel, filled in place: growing arrays block by block
    # would leave the allocator with ever more fragments of freed piece-sized memory.
    buffer = np.empty(limit + 1, dtype=np.float32)
    fill = 0
    offset = 0
    for block in blocks(path, channels):
        data = block[:, channel]
        pos = 0
        while pos < len(data):
            take = min(len(data) - pos, len(buffer) - fill)
            buffer[fill : fill + take] = data[pos : pos + take]
            fill, pos = fill + take, pos + take
            if fill == len(buffer):
                cut = _quietest(buffer, limit - search, limit)
                yield offset / SAMPLE_RATE, buffer[:cut].copy()
                rest = fill - cut
                buffer[:rest] = buffer[cut:fill].copy()
                fill, offset = rest, offset + cut
    if fill:
        yield offset / SAMPLE_RATE, buffer[:fill].copy()


def inspect(path: Path) -> CallAudio:
    """One streaming pass: levels, clipping and (for stereo) how alike the channels are."""
    import numpy as np

    channels, _ = probe(path)
    width = 2 if channels >= 2 else 1
    total = 0
    energy = np.zeros(width)
    peak = np.zeros(width)
    clipped = np.zeros(width)
    cross = 0.0
    for block in blocks(path, channels):
        data = block.astype(np.float64)
        total += data.shape[0]
        energy += (data * data).sum(axis=0)
        peak = np.maximum(peak, np.abs(data).max(axis=0))
        clipped += (np.abs(data) >= CLIP_LEVEL).sum(axis=0)
        if width == 2:
            cross += float((data[:, 0] * data[:, 1]).sum())
    if total == 0:
        raise CallAudioError(f"{path.name} holds no audio samples", "export the recording again")
    stats = tuple(
        ChannelStats(
            rms=float(np.sqrt(energy[i] / total)),
            peak=float(peak[i]),
            clipped_fraction=float(clipped[i] / total),
        )
        for i in range(width)
    )
    correlation = None
    if width == 2 and energy[0] > 0 and energy[1] > 0:
        correlation = cross / float(np.sqrt(energy[0] * energy[1]))
    return CallAudio(
        path=path,
        channels=channels,
        duration=total / SAMPLE_RATE,
        stats=stats,
        correlation=correlation,
    )
