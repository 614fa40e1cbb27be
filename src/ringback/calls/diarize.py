"""Two voices on one channel: the mono fallback, honest about being a guess.

With both parties mixed into one channel there is no measurement of who spoke, only an
estimate, so the result is labelled lower confidence wherever it is shown. The voice of
the first real turn (step 5) is the rep when ``rep_first`` is True (``--rep-channel 0``).

**Speaker embeddings** (the default), one piece of the call at a time:

1. *Speech*: Silero VAD (faster-whisper's) cut at pauses of 0.1 s, keeping only speech
   within a second of a transcribed word (hold music is not a voice). Without the VAD,
   the words' stretches.
2. *Embeddings*: the speech laid end to end, silence left out, cut into windows of two
   lengths: 1.6 s every 0.2 s (the length the GE2E voice encoder of :mod:`voice_encoder`
   was trained on: reliable identities) and 0.6 s every 0.1 s (they place a change of
   speaker more closely). Each window is levelled to -30 dBFS, as the encoder's training
   audio was, and becomes a 256-dimensional unit vector.
3. *Who is who*: the long windows split into two voices by spectral clustering (the sign
   of the Fiedler vector of their cosine-affinity graph, on at most 1,500 windows spread
   over the call, so clustering costs the same for any length), then each long window
   goes to the nearer voice mean. Short windows get their own voice means (of those
   centred in each voice's long windows).
4. *Where*: every 10 ms of speech leans toward one voice by the sum of its nearest long
   and nearest short window's leanings (cosine to one mean minus the other); each word
   takes the voice of most of its frames, and its frames then take the word's voice.
5. *Rep or customer*: the rep is the voice of the first real turn (FIRST_TURN_S of
   speech, pauses up to 0.5 s), not of the first sound: a "Hello?" is whoever picked up,
   and a fraction of a second of it says little about whose voice it is. Only in a call
   with no turn that long is the opening (speech up to its first pause over 0.25 s)
   embedded on its own and compared with the short windows' means.
6. *Talk time*: each voice's speech frames, pauses up to 0.5 s inside one voice's speech
   counted as utterances count them. Measured from the audio, not from word times:
   Whisper's word times run across changes of speaker, and it drops words (short
   replies, overlapped speech) that are still talk.

**MFCC fallback**, when the encoder's weights (``RINGBACK_VOICE_ENCODER``) are missing or
unreadable: the words are cut into stretches at pauses; each stretch is described by the
mean and spread of its MFCCs (timbre, computed here with numpy); two groups by k-means;
talk time from the words. Telephone voices of the same sex are often too close in MFCC
terms for this to work.

Accuracy (``bench/eval_calls.py``; docs/benchmarks.md has the figures): the rep's talk
share against the human reference of the real phone conversation in
../shared/eval/pyannote_sample, and against built mono calls of two real voices at known
times (``bench/mono_corpus.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ringback.calls.model import Speaker, SpokenWord
from ringback.calls.voice_encoder import levelled_rows
from ringback.speech.types import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.calls.rep_voice import RepVoice
    from ringback.calls.voice_encoder import VoiceEncoder
    from ringback.config import Settings

CHUNK_GAP = 0.25  # a pause this long may be a change of speaker
MIN_CLUSTER_SECONDS = 0.6  # MFCC: shorter stretches are assigned, not used to learn the groups
WINDOW_FRAMES = 160  # 1.6 s of speech per embedding: the encoder's training length
WINDOW_HOP_FRAMES = 20  # a window every 0.2 s of speech
SHORT_FRAMES = 60  # 0.6 s windows every 0.1 s: where a change of speaker falls
SHORT_HOP_FRAMES = 10
MIN_WINDOW_FRAMES = 20  # less speech than this in a piece of the call: too little to embed
SPECTRAL_MAX = 1500  # windows the affinity graph is built on (evenly spread over the call)
VAD_MIN_SILENCE_MS = 100  # speech is cut at pauses this long (a change of speaker can be)
VAD_PAD_MS = 30
NEAR_WORD_S = 1.0  # speech this far from every transcribed word is not counted
# A call's first *real* turn: this much speech from one voice. Whoever picks up a phone
# answers with a short "Hello?" and the caller then says who they are and why they call
# (the summons-answer opening of telephone calls, Schegloff 1968); a rep who answers
# greets at length ("Thanks for calling Acme, this is Dan"). So the first real turn is
# the rep's, calling out or answering, where the first sound may be either party.
FIRST_TURN_S = 1.0
_HOP = 160  # 10 ms
_WIN = 400  # 25 ms
_MELS = 40
_CEPS = 13


def _mel_filters(n_fft: int) -> npt.NDArray[np.float64]:
    import numpy as np

    def mel(f: float | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(2595.0 * np.log10(1.0 + np.asarray(f) / 700.0))

    def hz(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(700.0 * (10 ** (m / 2595.0) - 1.0))

    # 100-3800 Hz: the telephone band, so 8 kHz recordings and wideband ones compare.
    points = hz(np.linspace(mel(100.0), mel(3800.0), _MELS + 2))
    bins = np.floor((n_fft + 1) * points / SAMPLE_RATE).astype(int)
    filters = np.zeros((_MELS, n_fft // 2 + 1))
    for i in range(_MELS):
        left, centre, right = bins[i], bins[i + 1], bins[i + 2]
        for k in range(left, centre):
            filters[i, k] = (k - left) / max(1, centre - left)
        for k in range(centre, right):
            filters[i, k] = (right - k) / max(1, right - centre)
    return filters


def mfcc(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """(len // 160, 12) MFCCs without c0 (loudness says nothing about who speaks): one row
    per 10 ms, so the features of consecutive pieces line up when concatenated."""
    import numpy as np

    n_fft = 512
    rows = samples.size // _HOP
    if rows == 0:
        return np.zeros((0, _CEPS - 1))
    padded = np.concatenate([samples, np.zeros(_WIN, dtype=samples.dtype)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, _WIN)[::_HOP][:rows]
    window = np.hamming(_WIN)
    filters = _mel_filters(n_fft)
    k = np.arange(_CEPS)[:, None] * (np.arange(_MELS) + 0.5)[None, :]
    dct = np.cos(np.pi * k / _MELS)
    out = np.empty((frames.shape[0], _CEPS - 1))
    step = 20_000  # frames per block: bounded memory on long recordings
    for i in range(0, frames.shape[0], step):
        block = frames[i : i + step].astype(np.float64) * window
        power = np.abs(np.fft.rfft(block, n=n_fft)) ** 2
        logmel = np.log(power @ filters.T + 1e-10)
        out[i : i + step] = (logmel @ dct.T)[:, 1:]
    return out


def _chunks(words: list[SpokenWord]) -> list[list[int]]:
    """Indexes of the words (in time order) joined across pauses up to CHUNK_GAP."""
    chunks: list[list[int]] = []
    reach = float("-inf")
    for i, word in enumerate(words):
        if chunks and word.start - reach <= CHUNK_GAP:
            chunks[-1].append(i)
        else:
            chunks.append([i])
        reach = max(reach, word.end) if len(chunks[-1]) > 1 else word.end
    return chunks


def _kmeans2(x: npt.NDArray[np.float64], weight: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    import numpy as np

    # Start from the two points farthest apart (deterministic, and robust for two groups).
    d0 = ((x - x[int(np.argmax(weight))]) ** 2).sum(axis=1)
    a = int(np.argmax(d0))
    b = int(np.argmax(((x - x[a]) ** 2).sum(axis=1)))
    centres = np.stack([x[a], x[b]])
    labels = np.zeros(len(x), dtype=np.intp)
    for _ in range(50):
        dist = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        new = np.argmin(dist, axis=1)
        if (new == labels).all() and _ > 0:
            break
        labels = new
        for c in (0, 1):
            mask = labels == c
            if mask.any():
                centres[c] = np.average(x[mask], axis=0, weights=weight[mask])
    return labels


def _first_turn(spans: Iterable[tuple[float, float]], voices: Iterable[int]) -> int | None:
    """The voice that first holds the floor for FIRST_TURN_S of speech: stretches of
    speech (``spans``, in time order) of one voice, pauses up to UTTERANCE_GAP between
    them; None when no voice ever does (a call of one-word replies)."""
    from ringback.calls.model import UTTERANCE_GAP

    run_voice, held, reach = None, 0.0, float("-inf")
    for (start, end), voice in zip(spans, voices, strict=True):
        if voice == run_voice and start - reach <= UTTERANCE_GAP:
            held += end - max(start, reach)
        else:
            run_voice, held = int(voice), end - start
        reach = max(reach, end)
        if held >= FIRST_TURN_S:
            return run_voice
    return None


def _named(labels: list[int], rep_first: bool) -> dict[int, Speaker]:
    """Roles for the two voices, ``labels[0]`` being the voice of the call's first real
    turn (see FIRST_TURN_S)."""
    first = labels[0] if labels else 0
    if rep_first:
        return {first: "rep", 1 - first: "customer"}
    return {first: "customer", 1 - first: "rep"}


def split_speakers(
    words: list[SpokenWord], feats: npt.NDArray[np.float64], *, rep_first: bool = True
) -> list[SpokenWord]:
    """The MFCC fallback: the words relabelled "rep"/"customer" by voice (see the module
    docstring); ``feats`` are the recording's :func:`mfcc` rows (10 ms each)."""
    import numpy as np

    if not words:
        return []
    words = sorted(words, key=lambda w: w.start)
    chunks = _chunks(words)
    rows, durations = [], []
    for chunk in chunks:
        start, end = words[chunk[0]].start, words[chunk[-1]].end
        lo, hi = int(start * 100), max(int(start * 100) + 1, int(end * 100))
        part = feats[lo : min(hi, len(feats))]
        if len(part) == 0:
            part = np.zeros((1, feats.shape[1]))
        rows.append(np.concatenate([part.mean(axis=0), part.std(axis=0)]))
        durations.append(end - start)
    x = np.asarray(rows)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    weight = np.asarray(durations)
    learn = weight >= MIN_CLUSTER_SECONDS
    if learn.sum() >= 2:
        labels_learn = _kmeans2(x[learn], weight[learn])
        centres = np.stack(
            [
                x[learn][labels_learn == c].mean(axis=0) if (labels_learn == c).any() else x[0]
                for c in (0, 1)
            ]
        )
        labels = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    else:
        labels = np.zeros(len(chunks), dtype=np.intp)
    opener = _first_turn([(words[c[0]].start, words[c[-1]].end) for c in chunks], labels)
    names = _named([opener if opener is not None else int(labels[0])], rep_first)
    out: list[SpokenWord] = []
    for chunk, label in zip(chunks, labels, strict=True):
        who = names[int(label)]
        out.extend(SpokenWord(who, words[i].text, words[i].start, words[i].end) for i in chunk)
    return out


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
    centres = _centres(sample, _spectral2(sample))
    return np.argmax(emb @ centres.T, axis=1).astype(np.intp)


def _speech_frames(
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
        for chunk in _chunks(words):
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
            on[segment["start"] // _HOP : segment["end"] // _HOP + 1] = True
    return np.nonzero(on)[0]


@dataclass
class _Scale:
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


@dataclass
class VoiceTrack:
    """What telling the voices apart needs, gathered one piece of the call at a time.

    With an encoder: window embeddings at two lengths, the opening's embedding, and for
    each 10 ms frame of speech its index and the windows it takes its voice from (a few
    kB per second of speech). Without one: the MFCC rows of the recording (the fallback).
    """

    encoder: VoiceEncoder | None = None
    _long: _Scale = field(default_factory=lambda: _Scale(WINDOW_FRAMES, WINDOW_HOP_FRAMES))
    _short: _Scale = field(default_factory=lambda: _Scale(SHORT_FRAMES, SHORT_HOP_FRAMES))
    _frames: list[npt.NDArray[np.int64]] = field(default_factory=list)
    _opening: npt.NDArray[np.float32] | None = None
    _mfcc: list[npt.NDArray[np.float64]] = field(default_factory=list)

    @classmethod
    def for_settings(cls, settings: Settings) -> tuple[VoiceTrack, str | None]:
        """The track for these settings, and a warning when it falls back to MFCCs."""
        from ringback.calls.voice_encoder import VoiceEncoder, VoiceEncoderError, weights_path

        path = weights_path(settings)
        try:
            return cls(VoiceEncoder.load(path)), None
        except VoiceEncoderError as exc:
            return cls(), (
                f"voice encoder unavailable ({exc}); the two voices are told apart by MFCC "
                "timbre instead, which is much less accurate: set RINGBACK_VOICE_ENCODER to "
                "the voice_encoder.npz file (empty = the bundled one)"
            )

    def add(self, samples: npt.NDArray[np.float32], offset: float, words: list[SpokenWord]) -> None:
        """One piece of the call (``offset`` seconds in) and the words heard in it."""
        if self.encoder is None:
            self._mfcc.append(mfcc(samples))
            return
        self._embed_piece(samples, offset, words)

    def _embed_piece(
        self, samples: npt.NDArray[np.float32], offset: float, words: list[SpokenWord]
    ) -> None:
        import numpy as np

        from ringback.calls.voice_encoder import frame_energy, mel_frames

        assert self.encoder is not None
        mel = mel_frames(samples)
        speech = _speech_frames(samples, offset, words, len(mel))
        if len(speech) < MIN_WINDOW_FRAMES:
            return
        rows = mel[speech]
        power = frame_energy(samples)[speech]
        self._long.add(self.encoder, rows, power)
        self._short.add(self.encoder, rows, power)
        if self._opening is None:
            # The first voice heard: its first stretch of speech (up to a pause that may
            # be a change of speaker), embedded on its own so no later voice leaks in.
            pauses = np.nonzero(np.diff(speech) > round(CHUNK_GAP * 100) + 1)[0]
            end = int(pauses[0]) + 1 if len(pauses) else len(speech)
            end = max(end, MIN_WINDOW_FRAMES)
            self._opening = self.encoder.embed(levelled_rows(rows[:end], power[:end])[None])[0]
        self._frames.append(speech.astype(np.int64) + round(offset * 100))

    def split(
        self, words: list[SpokenWord], *, rep_first: bool = True, rep_voice: RepVoice | None = None
    ) -> Voices:
        """The words relabelled "rep"/"customer" by voice, and (with the encoder) each
        voice's talk time measured from its speech. ``rep_voice`` (a sample of the rep
        alone, :mod:`rep_voice`) names the rep by voice instead of by who spoke first."""
        import numpy as np

        if not words:
            return Voices([], None)
        if self.encoder is None:
            feats = np.concatenate(self._mfcc) if self._mfcc else np.zeros((0, _CEPS - 1))
            return Voices(split_speakers(words, feats, rep_first=rep_first), None)
        words = sorted(words, key=lambda w: w.start)
        if not self._frames:
            who = _named([0], rep_first)[0]
            return Voices([SpokenWord(who, w.text, w.start, w.end) for w in words], None)
        long_emb = np.concatenate(self._long.emb)
        short_emb = np.concatenate(self._short.emb)
        long_of = np.concatenate(self._long.nearest)
        short_of = np.concatenate(self._short.nearest)
        frames = np.concatenate(self._frames)
        # Who is who: clustered on the long windows (reliable identities).
        long_voice = cluster_voices(long_emb)
        long_centres = _centres(long_emb, long_voice)
        # Short windows are compared with short windows: their centroids are those of the
        # short windows centred in each voice's long-window frames.
        short_centre_frame = np.zeros(len(short_emb), dtype=np.int64)
        short_centre_frame[short_of] = np.arange(len(short_of))  # a frame each window covers
        short_voice = long_voice[long_of[short_centre_frame]]
        short_centres = _centres(short_emb, short_voice)
        # Where: each frame's voice from both lengths (the short window localises a change
        # of speaker, the long one steadies the decision).
        long_lean = long_emb @ (long_centres[1] - long_centres[0])
        short_lean = short_emb @ (short_centres[1] - short_centres[0])
        frame_voice = ((long_lean[long_of] + short_lean[short_of]) > 0).astype(np.intp)
        order = np.argsort(frames, kind="stable")
        frames, frame_voice = frames[order], frame_voice[order]
        labels = []
        spoken = frame_voice.copy()
        for w in words:
            first = round(w.start * 100)
            lo = int(np.searchsorted(frames, first))
            hi = int(np.searchsorted(frames, max(round(w.end * 100), first + 1)))
            if hi > lo:
                labels.append(int(np.bincount(frame_voice[lo:hi], minlength=2).argmax()))
                spoken[lo:hi] = labels[-1]  # one word, one speaker
                continue
            # No speech frame under the word (the VAD heard none there): the nearest one.
            near = [k for k in (lo - 1, lo) if 0 <= k < len(frames)]
            at = min(near, key=lambda k: abs(int(frames[k]) - first))
            labels.append(int(frame_voice[at]))
        # The voice of the first real turn, from the frames as labelled (each 10 ms of
        # speech a span); in a call of one-word replies only, the voice whose short
        # windows the opening stretch resembles.
        opener = _first_turn(((f / 100, (f + 1) / 100) for f in frames.tolist()), spoken)
        if opener is None:
            assert self._opening is not None
            opener = int(np.argmax(short_centres @ self._opening))
        names = _named([opener], rep_first)
        note, by_voice = None, False
        if rep_voice is not None:
            from ringback.calls.rep_voice import rep_index

            rep_is, note = rep_index(long_centres, rep_voice)
            if rep_is is not None:
                names = {rep_is: "rep", 1 - rep_is: "customer"}
                by_voice = True
        out = [
            SpokenWord(names[k], w.text, w.start, w.end) for k, w in zip(labels, words, strict=True)
        ]
        talk = _talk_seconds(frames, spoken)
        return Voices(out, {names[0]: talk[0], names[1]: talk[1]}, note, by_voice)


def _centres(emb: npt.NDArray[np.float32], voice: npt.NDArray[np.intp]) -> npt.NDArray[np.float32]:
    import numpy as np

    out = []
    for c in (0, 1):
        members = emb[voice == c]
        mean = members.mean(axis=0) if len(members) else emb.mean(axis=0)
        out.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
    return np.stack(out).astype(np.float32)


@dataclass(frozen=True)
class Voices:
    """The outcome of :meth:`VoiceTrack.split`: the relabelled words and, when it was
    measured from speech (embeddings), each speaker's talk time in seconds; None means
    talk time is to be measured from the words, as in stereo."""

    words: list[SpokenWord]
    talk: dict[Speaker, float] | None
    note: str | None = None  # how the rep was named, when a sample of their voice was given
    rep_by_voice: bool = False  # the sample decided who the rep is


def _talk_seconds(frames: npt.NDArray[np.int64], voice: npt.NDArray[np.intp]) -> dict[int, float]:
    """Each voice's speech time from its 10 ms frames (sorted), with pauses up to
    UTTERANCE_GAP inside one voice's speech counted as talk (as utterances count them),
    unless the other voice speaks in the pause."""
    from ringback.calls.model import UTTERANCE_GAP

    gap = round(UTTERANCE_GAP * 100)
    total = {0: 0, 1: 0}
    prev_frame, prev_voice = None, None
    for frame, v in zip(frames.tolist(), voice.tolist(), strict=True):
        if prev_frame is not None and v == prev_voice and frame - prev_frame <= gap + 1:
            total[v] += frame - prev_frame
        else:
            total[v] += 1
        prev_frame, prev_voice = frame, v
    return {k: n / 100 for k, n in total.items()}
