"""Decoding with limits: a small file must not be able to take the machine.

A 64 KB WAV whose header claims a 1 Hz sample rate "holds" nine hours of audio, and
resampling it to 16 kHz once took 2.2 GB and 81 s. So before anything is decoded the
header is checked (sample rate, channels, stated duration), and while decoding the
samples go into one buffer that may not grow past the duration limit: a compressed
file whose header understates its length is stopped as soon as it passes the limit.
Memory per recording is therefore at most ``max_seconds`` of 16 kHz float32 (30 min:
115 MB), whatever the file claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ringback.speech.types import SAMPLE_RATE, AudioDecodeError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# Phone audio is 8 kHz, studio audio at most 192 kHz; anything outside is damaged or crafted.
MIN_RATE = 4_000
MAX_RATE = 192_000
MAX_CHANNELS = 8
DEFAULT_MAX_MINUTES = 30
# For callers with no setting of their own (`ringback transcribe`, call review): 3 hours,
# the longest call RINGBACK_CALL_MAX_MINUTES allows by default.
CEILING_SECONDS = 3 * 3600.0


def _length(seconds: float) -> str:
    if seconds >= 7200:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds:.0f} s"


class TooLong(AudioDecodeError):
    """The recording runs longer than the limit (by its header, or once decoded)."""

    def __init__(self, seconds: float, max_seconds: float, *, how: str) -> None:
        super().__init__(
            f"it runs {_length(seconds)} ({how}), over the {max_seconds / 60:.3g}-minute limit"
        )


def check_header(container: Any, stream: Any, *, max_seconds: float) -> None:
    """Refuse, before decoding, a stream whose header cannot be a real recording."""
    ctx = stream.codec_context
    rate = int(ctx.sample_rate or 0) if ctx else 0
    channels = int(ctx.channels or 0) if ctx else 0
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioDecodeError(
            f"its header says {rate:,} Hz, outside the {MIN_RATE:,}-{MAX_RATE:,} Hz of any "
            "real recording: damaged or crafted"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioDecodeError(
            f"its header says {channels} channels (at most {MAX_CHANNELS} are read): "
            "damaged or crafted"
        )
    stated = (container.duration or 0) / 1_000_000  # microseconds; FFmpeg caps it by file size
    if stated > max_seconds:
        raise TooLong(stated, max_seconds, how="by its header")


class Samples:
    """A float32 buffer that grows, once at most to ``max_seconds`` of 16 kHz audio.

    Collecting chunks and concatenating them at the end would briefly hold the whole
    message twice; this holds it once, sized up front from the stated duration.
    """

    def __init__(self, estimate_seconds: float, max_seconds: float) -> None:
        import numpy as np

        self.cap = int(max_seconds * SAMPLE_RATE)
        self.max_seconds = max_seconds
        estimate = min(int(estimate_seconds * SAMPLE_RATE), self.cap)
        first = min(estimate + estimate // 50 + SAMPLE_RATE, self.cap)
        self._buf: npt.NDArray[np.float32] = np.empty(max(first, 1), np.float32)
        self.size = 0

    def append(self, chunk: npt.NDArray[Any]) -> None:
        import numpy as np

        end = self.size + chunk.size
        if end > self.cap:
            raise TooLong(end / SAMPLE_RATE, self.max_seconds, how="at least, once decoded")
        if end > self._buf.size:
            grown = np.empty(min(max(end, self._buf.size * 3 // 2), self.cap), np.float32)
            grown[: self.size] = self._buf[: self.size]
            self._buf = grown
        self._buf[self.size : end] = chunk
        self.size = end

    def array(self) -> npt.NDArray[np.float32]:
        if self.size < self._buf.size * 0.9:
            return self._buf[: self.size].copy()  # do not keep a much larger buffer alive
        return self._buf[: self.size]


def resample_into(samples: Samples, frames: Iterable[Any]) -> None:
    """Resample decoded frames to 16 kHz mono into ``samples``, a frame at a time."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    for frame in frames:
        frame.pts = None  # let the resampler ignore odd timestamps
        for out in resampler.resample(frame):
            samples.append(out.to_ndarray().reshape(-1))
    for out in resampler.resample(None):
        samples.append(out.to_ndarray().reshape(-1))
