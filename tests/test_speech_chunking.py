"""Long recordings are transcribed in pieces cut at silences (speech/chunking.py).

The cut-point logic is checked on synthetic speech runs; the transcriber's piecewise path
with a fake engine (offsets, numbering, laziness, the unchanged short path) and, marked
slow, with the real model on spliced FSDD digit recordings.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from ringback.speech import whisper
from ringback.speech.chunking import MAX_PIECE_SECONDS, Piece, plan_pieces, speech_runs
from ringback.speech.types import SAMPLE_RATE
from ringback.speech.whisper import FasterWhisperTranscriber
from tests.conftest import IN_CI, SHARED

# -- the cut-point logic --------------------------------------------------------------------


def _check_plan(runs: list[tuple[int, int]], total: int, max_len: int) -> list[Piece]:
    pieces = plan_pieces(runs, total, max_len)
    # Consecutive, covering [0, total), none empty.
    assert pieces[0].start == 0 and pieces[-1].end == total
    for a, b in itertools.pairwise(pieces):
        assert a.end == b.start
    for piece in pieces:
        assert piece.end > piece.start
        assert piece.end - piece.start <= max_len
        assert piece.speech == any(s < piece.end and e > piece.start for s, e in runs)
    # A cut inside a run only where that run alone is longer than the maximum.
    for piece in pieces[:-1]:
        for s, e in runs:
            if s < piece.end < e:
                assert e - s > max_len, f"cut at {piece.end} inside run {(s, e)}"
    return pieces


def test_short_recording_is_one_piece() -> None:
    assert plan_pieces([(10, 50)], 100, 100) == [Piece(0, 100, True)]
    assert plan_pieces([], 100, 100) == [Piece(0, 100, False)]


def test_cuts_land_in_the_middle_of_silences() -> None:
    # The third run does not fit in the first piece: cut halfway through the 80..120 gap.
    pieces = _check_plan([(0, 40), (60, 80), (120, 150)], 160, 100)
    assert pieces == [Piece(0, 100, True), Piece(100, 160, True)]


def test_cut_is_capped_at_the_maximum_but_stays_in_the_silence() -> None:
    # Speech up to 90, next run at 130: the middle (110) is past the maximum (100).
    pieces = _check_plan([(0, 90), (130, 160)], 200, 100)
    assert pieces[0] == Piece(0, 100, True)


def test_a_run_longer_than_the_maximum_is_split_hard() -> None:
    pieces = _check_plan([(0, 10), (20, 270), (280, 290)], 300, 100)
    assert pieces[0] == Piece(0, 15, True)  # closed in the silence before the long run
    assert [p.end - p.start for p in pieces[1:3]] == [100, 100]


def test_long_silences_make_silent_pieces() -> None:
    pieces = _check_plan([(350, 360)], 800, 100)
    assert [p.speech for p in pieces].count(True) == 1
    pieces = _check_plan([(0, 10)], 800, 100)
    assert pieces[0] == Piece(0, 100, True)


@pytest.mark.parametrize("seed", range(200))
def test_random_plans_respect_the_rules(seed: int) -> None:
    rng = random.Random(seed)
    max_len = rng.randint(50, 400)
    runs: list[tuple[int, int]] = []
    at = rng.randint(0, 100)
    for _ in range(rng.randint(0, 30)):
        length = rng.randint(1, 600) if rng.random() < 0.1 else rng.randint(1, 120)
        runs.append((at, at + length))
        at += length + rng.randint(1, 150)
    total = at + rng.randint(0, 500)
    _check_plan(runs, total, max_len)


def test_default_piece_is_five_minutes() -> None:
    assert MAX_PIECE_SECONDS == 300.0
    assert FasterWhisperTranscriber("tiny.en").max_piece_seconds == MAX_PIECE_SECONDS


# -- the transcriber's piecewise path, with a fake engine -----------------------------------


class _FakeModel:
    """Returns one segment per call, at 1.0-2.0 s of the piece, with one word."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, dict[str, Any]]] = []
        self.consumed = 0

    def transcribe(self, samples: np.ndarray, **kwargs: Any) -> tuple[Any, Any]:
        self.calls.append((len(samples), dict(kwargs)))
        n = len(self.calls)

        def segments() -> Any:
            word = SimpleNamespace(word=f" w{n}", start=1.25, end=1.5, probability=0.9)
            yield SimpleNamespace(
                start=1.0,
                end=2.0,
                text=f" piece {n}",
                words=[word],
                avg_logprob=-0.1,
                no_speech_prob=0.0,
                compression_ratio=1.0,
                temperature=0.0,
            )
            self.consumed += 1

        info = SimpleNamespace(language="de", language_probability=0.75, duration_after_vad=1.0)
        return segments(), info


def _fake(monkeypatch: pytest.MonkeyPatch, max_piece: float) -> tuple[Any, _FakeModel]:
    model = _FakeModel()
    t = FasterWhisperTranscriber("fake", max_piece_seconds=max_piece)
    monkeypatch.setattr(t, "load", lambda: SimpleNamespace(model=model))
    return t, model


def test_short_audio_takes_the_single_call_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_vad(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("short audio must not pay for a planning VAD pass")

    monkeypatch.setattr(whisper, "speech_runs", no_vad)
    t, model = _fake(monkeypatch, 10.0)
    transcript = t.transcribe(np.zeros(10 * SAMPLE_RATE, dtype=np.float32))
    assert len(model.calls) == 1 and model.calls[0][0] == 10 * SAMPLE_RATE
    assert model.calls[0][1] == whisper._engine_kwargs(t.options)
    assert transcript.segments[0].start == 1.0 and transcript.language == "de"


def test_long_audio_is_transcribed_lazily_piece_by_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    sr = SAMPLE_RATE
    # Speech runs at 0-8 s, 12-18 s, 22-28 s, 40-45 s; pieces of at most 10 s.
    runs = [(0, 8 * sr), (12 * sr, 18 * sr), (22 * sr, 28 * sr), (40 * sr, 45 * sr)]
    monkeypatch.setattr(whisper, "speech_runs", lambda *a, **k: runs)
    t, model = _fake(monkeypatch, 10.0)
    samples = np.zeros(50 * sr, dtype=np.float32)
    info, segments = t.stream_samples(samples)
    pieces = [p for p in plan_pieces(runs, len(samples), 10 * sr) if p.speech]
    assert len(pieces) == 4
    # Only the first piece has been handed to the engine (for the language).
    assert len(model.calls) == 1 and model.calls[0][1]["language"] is None
    assert info.language == "de" and info.language_probability == 0.75
    assert info.duration == 50.0 and info.speech_duration == 25.0
    first = next(segments)
    assert len(model.calls) == 1
    assert first.id == 1 and first.start == pieces[0].start / sr + 1.0
    rest = list(segments)
    assert len(model.calls) == 4 and model.consumed == 4
    # Same options for every piece, the language fixed from the first.
    expected = {**whisper._engine_kwargs(t.options), "language": "de"}
    assert all(kwargs == expected for _, kwargs in model.calls[1:])
    assert [len_ for len_, _ in model.calls] == [p.end - p.start for p in pieces]
    everything = [first, *rest]
    assert [s.id for s in everything] == [1, 2, 3, 4]
    for segment, piece in zip(everything, pieces, strict=True):
        assert segment.start == pytest.approx(piece.start / sr + 1.0)
        assert segment.words[0].start == pytest.approx(piece.start / sr + 1.25)
    transcript = t.collect(info, iter(everything))
    assert transcript.text == "piece 1 piece 2 piece 3 piece 4"


# -- the real model on real audio -----------------------------------------------------------

RECORDINGS = SHARED / "eval" / "fsdd" / "recordings"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _digit_of(word: str) -> int | None:
    w = re.sub(r"[^a-z0-9]", "", word.lower())
    if w.isdigit() and len(w) == 1:
        return int(w)
    if w in ("oh", "o"):
        return 0
    return DIGITS.index(w) if w in DIGITS else None


def _spliced(groups: int, seed: int) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """Groups of three digit recordings (8 kHz, resampled to 16 kHz) 3 s apart."""
    from ringback.speech.audio import decode

    rng = random.Random(seed)
    parts: list[np.ndarray] = [np.zeros(SAMPLE_RATE, dtype=np.float32)]
    spans: list[tuple[float, float, str]] = []
    at = SAMPLE_RATE
    for _ in range(groups):
        digits = "".join(str(rng.randrange(10)) for _ in range(3))
        speaker = rng.choice(("george", "jackson", "lucas", "nicolas"))
        start = at
        for i, d in enumerate(digits):
            take = decode(RECORDINGS / f"{d}_{speaker}_{rng.randrange(50)}.wav")
            gap = np.zeros(int(0.25 * SAMPLE_RATE), dtype=np.float32)
            parts += [take, gap] if i < 2 else [take]
            at += len(take) + (len(gap) if i < 2 else 0)
        spans.append((start / SAMPLE_RATE, at / SAMPLE_RATE, digits))
        silence = np.zeros(3 * SAMPLE_RATE, dtype=np.float32)
        parts.append(silence)
        at += len(silence)
    return np.concatenate(parts).astype(np.float32), spans


@pytest.mark.slow
def test_pieces_of_real_audio_keep_words_on_the_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    if not RECORDINGS.exists():
        if IN_CI:
            pytest.fail(f"CI=true requires it: evaluation data missing: {RECORDINGS}")
        pytest.skip(f"evaluation data missing: {RECORDINGS}")
    import ctranslate2

    base = FasterWhisperTranscriber.from_settings()
    # The product's options. Temperature fallbacks sample (at 0 alone, digits loop), so
    # the sampler is reseeded before every engine call: the pieces decode identically
    # whether the transcriber or the test hands them over.
    opts = replace(base.options, language="en")
    model = base.load().model
    engine = model.transcribe

    def reseeded(*args: Any, **kwargs: Any) -> Any:
        ctranslate2.set_random_seed(0)
        return engine(*args, **kwargs)

    monkeypatch.setattr(model, "transcribe", reseeded)
    pieced = FasterWhisperTranscriber(
        base.model_name, cpu_threads=base.cpu_threads, options=opts, max_piece_seconds=20.0
    )
    whole = FasterWhisperTranscriber(
        base.model_name, cpu_threads=base.cpu_threads, options=opts, max_piece_seconds=0
    )
    samples, spans = _spliced(groups=14, seed=2)
    assert len(samples) / SAMPLE_RATE > 60

    transcript = pieced.transcribe(samples)
    assert transcript.duration == pytest.approx(len(samples) / SAMPLE_RATE)

    # Monotonic word times.
    words = transcript.words
    assert len(words) >= 2 * len(spans)
    for a, b in itertools.pairwise(words):
        assert a.start <= a.end and a.start <= b.start + 1e-3, (a, b)
    # Every word sits on a spoken group, and a digit word on a group that says it.
    heard = 0
    for word in words:
        middle = (word.start + word.end) / 2
        group = [s for s in spans if s[0] - 0.6 <= middle <= s[1] + 0.6]
        assert group, f"{word} is in a silence; groups {spans}"
        digit = _digit_of(word.text)
        if digit is not None:
            heard += str(digit) in group[0][2]
    assert heard >= len(spans)

    # The text is the pieces' texts joined, each piece transcribed on its own.
    runs = speech_runs(
        samples, min_silence_ms=opts.vad_min_silence_ms, speech_pad_ms=opts.vad_speech_pad_ms
    )
    pieces = [p for p in plan_pieces(runs, len(samples), 20 * SAMPLE_RATE) if p.speech]
    assert len(pieces) >= 3
    texts = [whole.transcribe(samples[p.start : p.end]).text for p in pieces]
    assert transcript.text == " ".join(t for t in texts if t)
