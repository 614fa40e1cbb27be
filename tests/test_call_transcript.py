"""`call analyze`'s speaker-attributed transcript is no worse than raw faster-whisper with
the same model and beam on the same channel (issue 14 §8; figures in docs/benchmarks.md,
measured by ``bench/bench_call_transcript.py``)."""

from __future__ import annotations

import pytest
from bench import bench_call_transcript as bench
from bench import call_corpus

TOLERANCE = 0.02  # of the reference words: one word in fifty


@pytest.mark.slow
def test_call_analyze_words_match_raw_whisper_on_the_real_stereo_sample() -> None:
    if not bench.STEREO_README.is_file():
        pytest.skip(f"no stereo sample at {bench.STEREO}")
    left, right = bench.stereo_references()
    rows = bench.measure(
        bench.STEREO / "stereo_diarization.wav", {"rep": left, "customer": right}, "stereo_call"
    )
    for row in rows:
        assert row.ref_words > 0
        assert row.analyze_wer <= row.raw_wer + TOLERANCE, row


def test_a_built_call_knows_what_each_party_said() -> None:
    """The reference of the bench: every placed prompt's words, per channel, in order."""
    if not call_corpus.available():
        pytest.skip("Asterisk prompts are not installed")
    _, truth = call_corpus.build(40, seed=3)
    for speaker in ("rep", "customer"):
        assert len(truth.said[speaker]) >= truth.turns[speaker]
        starts = [a for a, _ in truth.intervals[speaker]]
        # every placed phrase (and backchannel) has its words at the time it was placed
        assert sorted(at for at, _ in truth.said[speaker]) == sorted(starts)
    assert "Which folder should I save the message to?" in truth.said_text("rep") or not (
        truth.questions
    )
