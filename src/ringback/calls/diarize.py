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

This module holds :class:`VoiceTrack`, which gathers a call one piece at a time and
puts steps 4 to 6 together, and its outcome :class:`Voices`. The pieces have rooms of
their own: steps 1 to 3 in :mod:`ringback.calls.voice_windows`, the MFCC fallback in
:mod:`ringback.calls.mfcc_voices`, and naming the rep by the first real turn (step 5,
shared by both methods) in :mod:`ringback.calls.voice_roles`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ringback.calls.mfcc_voices import MFCC_COLUMNS, mfcc, split_speakers
from ringback.calls.model import Speaker, SpokenWord
from ringback.calls.voice_encoder import levelled_rows
from ringback.calls.voice_roles import CHUNK_GAP, first_turn, named_roles
from ringback.calls.voice_windows import (
    MIN_WINDOW_FRAMES,
    SHORT_FRAMES,
    SHORT_HOP_FRAMES,
    WINDOW_FRAMES,
    WINDOW_HOP_FRAMES,
    WindowScale,
    cluster_voices,
    speech_frames,
    voice_means,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.calls.rep_voice import RepVoice
    from ringback.calls.voice_encoder import VoiceEncoder
    from ringback.config import Settings


@dataclass
class VoiceTrack:
    """What telling the voices apart needs, gathered one piece of the call at a time.

    With an encoder: window embeddings at two lengths, the opening's embedding, and for
    each 10 ms frame of speech its index and the windows it takes its voice from (a few
    kB per second of speech). Without one: the MFCC rows of the recording (the fallback).
    """

    encoder: VoiceEncoder | None = None
    _long: WindowScale = field(
        default_factory=lambda: WindowScale(WINDOW_FRAMES, WINDOW_HOP_FRAMES)
    )
    _short: WindowScale = field(default_factory=lambda: WindowScale(SHORT_FRAMES, SHORT_HOP_FRAMES))
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
        speech = speech_frames(samples, offset, words, len(mel))
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
            feats = np.concatenate(self._mfcc) if self._mfcc else np.zeros((0, MFCC_COLUMNS))
            return Voices(split_speakers(words, feats, rep_first=rep_first), None)
        words = sorted(words, key=lambda w: w.start)
        if not self._frames:
            who = named_roles([0], rep_first)[0]
            return Voices([SpokenWord(who, w.text, w.start, w.end) for w in words], None)
        long_emb = np.concatenate(self._long.emb)
        short_emb = np.concatenate(self._short.emb)
        long_of = np.concatenate(self._long.nearest)
        short_of = np.concatenate(self._short.nearest)
        frames = np.concatenate(self._frames)
        # Who is who: clustered on the long windows (reliable identities).
        long_voice = cluster_voices(long_emb)
        long_centres = voice_means(long_emb, long_voice)
        # Short windows are compared with short windows: their centroids are those of the
        # short windows centred in each voice's long-window frames.
        short_centre_frame = np.zeros(len(short_emb), dtype=np.int64)
        short_centre_frame[short_of] = np.arange(len(short_of))  # a frame each window covers
        short_voice = long_voice[long_of[short_centre_frame]]
        short_centres = voice_means(short_emb, short_voice)
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
        opener = first_turn(((f / 100, (f + 1) / 100) for f in frames.tolist()), spoken)
        if opener is None:
            assert self._opening is not None
            opener = int(np.argmax(short_centres @ self._opening))
        names = named_roles([opener], rep_first)
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
