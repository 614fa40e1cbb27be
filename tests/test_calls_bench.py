"""The call benchmarks start, and the test-call builder keeps its promises.

No timings here: the figures live in docs/benchmarks.md, measured by the benches.
"""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import pytest
from bench import call_corpus, eval_calls, mono_corpus

from tests.support.bench import assert_help_works

ROOT = Path(__file__).resolve().parents[1]
SHARED_RTTM = ROOT.parent / "shared" / "eval" / "pyannote_sample" / "sample.rttm"


@pytest.mark.parametrize(
    "script", ["bench_call.py", "eval_calls.py", "call_corpus.py", "mono_corpus.py", "eval_mono.py"]
)
def test_help_works(script: str) -> None:
    assert_help_works(script)


@pytest.mark.skipif(not call_corpus.available(), reason="needs the Asterisk prompts")
def test_built_call_is_stereo_exact_length_and_its_truth_adds_up(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    truth = call_corpus.write(path, 120.0, seed=5)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 8000, 960_000)
    for who in ("rep", "customer"):
        spans = sorted(truth.intervals[who])
        # A party never overlaps themself, so talk time is the plain sum of the spans.
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
        assert truth.talk[who] == pytest.approx(sum(b - a for a, b in spans))
    assert truth.interruptions and truth.backchannels and truth.questions
    assert 0.3 < truth.talk_share_rep < 0.7
    assert (
        call_corpus.build(30.0, seed=5)[0].tobytes() != call_corpus.build(30.0, seed=6)[0].tobytes()
    )


@pytest.mark.skipif(not mono_corpus.available(), reason="needs the Asterisk prompts and FSDD")
def test_built_mono_call_is_one_channel_two_voices_that_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    truth = mono_corpus.write(path, 60.0, ("allison", "lucas"), seed=5, picked_up=True)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (1, 8000, 480_000)
    spans = sorted((a, b, who) for who, v in truth.intervals.items() for a, b in v)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # nobody talks over
    # The customer picks up with one word; the rep's first real turn follows.
    assert spans[0][2] == "customer" and spans[0][1] - spans[0][0] < 1.0
    assert spans[1][2] == "rep"
    assert 0.2 < truth.talk_share_rep < 0.8
    assert truth.speaker_at((spans[1][0] + spans[1][1]) / 2) == spans[1][2]


def test_rttm_reference_share(tmp_path: Path) -> None:
    rttm = tmp_path / "x.rttm"
    rttm.write_text(
        "SPEAKER x 1 0.0 2.0 <NA> <NA> a <NA> <NA>\n"
        "SPEAKER x 1 1.0 2.0 <NA> <NA> a <NA> <NA>\n"  # overlaps a's own turn: counted once
        "SPEAKER x 1 3.0 1.0 <NA> <NA> b <NA> <NA>\n"
    )
    assert eval_calls.rttm_share(rttm) == ("a", pytest.approx(3.0 / 4.0))
    # A pick-up "Hello?" (0.4 s) before the other's first real turn: the other is the rep.
    rttm.write_text(
        "SPEAKER x 1 0.0 0.4 <NA> <NA> a <NA> <NA>\n"
        "SPEAKER x 1 0.9 0.7 <NA> <NA> b <NA> <NA>\n"
        "SPEAKER x 1 1.8 0.6 <NA> <NA> b <NA> <NA>\n"  # 0.2 s on: the same turn, 1.3 s
        "SPEAKER x 1 3.0 1.0 <NA> <NA> a <NA> <NA>\n"
    )
    assert eval_calls.rttm_share(rttm) == ("b", pytest.approx(1.3 / 2.7))
    if SHARED_RTTM.exists():
        who, share = eval_calls.rttm_share(SHARED_RTTM)
        assert who == "speaker90" and share == pytest.approx(0.487, abs=0.001)
