"""Speaker embeddings of a call's speech, and the two voices among them (the default
method of :mod:`ringback.calls.diarize`; steps 1 to 3 of its docstring).

What speech is (Silero VAD near transcribed words), the windows of two lengths laid over
it and embedded by the voice encoder, and the spectral clustering of the long windows
into two voices. Its own room: the numerical pieces, apart from :class:`VoiceTrack`'s
bookkeeping of a call read one piece at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ringback.calls.model import SpokenWord
from ringback.calls.voice_encoder import HOP, levelled_rows
from ringback.calls.voice_roles import chunks
from ringback.speech.types import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.calls.voice_encoder import VoiceEncoder

WINDOW_FRAMES = 160  # 1.6 s of speech per embedding: the encoder's training length
WINDOW_HOP_FRAMES = 20  # a window every 0.2 s of speech
SHORT_FRAMES = 60  # 0.6 s windows every 0.1 s: where a change of speaker falls
SHORT_HOP_FRAMES = 10
MIN_WINDOW_FRAMES = 20  # less speech than this in a piece of the call: too little to embed
SPECTRAL_MAX = 1500  # windows the affinity graph is built on (evenly spread over the call)
VAD_MIN_SILENCE_MS = 100  # speech is cut at pauses this long (a change of speaker can be)
VAD_PAD_MS = 30
NEAR_WORD_S = 1.0  # speech this far from every transcribed word is not counted


def _spectral2(x: npt.NDArray[np.float32]) -> npt.NDArray[np.intp]:
    """Two groups of unit vectors: the sign of the Fiedler vector of the normalised
    Laplacian of their (non-negative) cosine-affinity graph (Shi and Malik's normalised
    cut, relaxed)."""
    import numpy as np

    n = len(x)
    if n < 2:
        return np.zeros(n, dtype=np.intp)
    affinity = np.maximum(x.astype(np.float64) @ x.T.astype(np.float64), 0.0)
    degree = affinity.sum(axis=1)
    scale = 1.0 / np.sqrt(np.maximum(degree, 1e-12))
    normalised = affinity * scale[:, None] * scale[None, :]
    _, vectors = np.linalg.eigh(normalised)
    fiedler = vectors[:, -2] * scale  # second-largest of D^-1/2 A D^-1/2
    return (fiedler > 0).astype(np.intp)


def cluster_voices(emb: npt.NDArray[np.float32]) -> npt.NDArray[np.intp]:
    """Each embedding's voice, 0 or 1 (see the module docstring)."""
    import numpy as np

    n = len(emb)
    if n < 2:
        return np.zeros(n, dtype=np.intp)
    step = -(-n // SPECTRAL_MAX)
    sample = emb[::step]
    centres = voice_means(sample, _spectral2(sample))
    return np.argmax(emb @ centres.T, axis=1).astype(np.intp)


def speech_frames(
    samples: npt.NDArray[np.float32], offset: float, words: list[SpokenWord], rows: int
) -> npt.NDArray[np.intp]:
    """The 10 ms frames (indexes into this piece) where someone speaks: Silero VAD's
    speech (faster-whisper's, cut at pauses of 0.1 s, 30 ms of margin), or, without it,
    the words' stretches. Only speech within NEAR_WORD_S of a transcribed word counts."""
    import numpy as np

    on = np.zeros(rows, dtype=bool)
    words = sorted(words, key=lambda w: w.start)
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        for chunk in chunks(words):
            start = words[chunk[0]].start - offset
            end = max(words[i].end for i in chunk) - offset
            on[max(0, round(start * 100)) : max(0, round(end * 100))] = True
        return np.nonzero(on)[0]
    options = VadOptions(min_silence_duration_ms=VAD_MIN_SILENCE_MS, speech_pad_ms=VAD_PAD_MS)
    spans = [(w.start - offset, w.end - offset) for w in words]
    for segment in get_speech_timestamps(samples, options):  # samples are 16 kHz
        start, end = segment["start"] / SAMPLE_RATE, segment["end"] / SAMPLE_RATE
        # Sound with no word heard within a second of it (hold music, a line tone) is not
        # one of the two voices, whatever the VAD thought.
        if any(a < end + NEAR_WORD_S and b > start - NEAR_WORD_S for a, b in spans):
            on[segment["start"] // HOP : segment["end"] // HOP + 1] = True
    return np.nonzero(on)[0]


@dataclass
class WindowScale:
    """Windows of one length over the speech: their embeddings, and for every frame of
    speech the window whose centre is nearest (in speech time)."""

    frames: int
    hop: int
    emb: list[npt.NDArray[np.float32]] = field(default_factory=list)
    nearest: list[npt.NDArray[np.int64]] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        encoder: VoiceEncoder,
        rows: npt.NDArray[np.float32],
        power: npt.NDArray[np.float32],
    ) -> None:
        import numpy as np

        n = len(rows)
        width = min(self.frames, n)
        starts = list(range(0, n - width + 1, self.hop))
        if starts[-1] != n - width:
            starts.append(n - width)
        batch = np.empty((len(starts), width, rows.shape[1]), dtype=np.float32)
        for k, s in enumerate(starts):
            batch[k] = levelled_rows(rows[s : s + width], power[s : s + width])
        self.emb.append(encoder.embed(batch))
        centres = np.asarray(starts) + width // 2
        position = np.arange(n)
        after = np.clip(np.searchsorted(centres, position), 0, len(centres) - 1)
        before = np.clip(after - 1, 0, len(centres) - 1)
        nearer_before = np.abs(position - centres[before]) <= np.abs(centres[after] - position)
        self.nearest.append(np.where(nearer_before, before, after).astype(np.int64) + self.count)
        self.count += len(starts)


def voice_means(
    emb: npt.NDArray[np.float32], voice: npt.NDArray[np.intp]
) -> npt.NDArray[np.float32]:
    import numpy as np

    out = []
    for c in (0, 1):
        members = emb[voice == c]
        mean = members.mean(axis=0) if len(members) else emb.mean(axis=0)
        out.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
    return np.stack(out).astype(np.float32)
