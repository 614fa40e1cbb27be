"""The inbox benchmarks start, and the voicemail corpus builds what it is asked for.

No timings here: the figures live in docs/benchmarks.md, measured by the benches.
"""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import pytest
from bench import bench_wer, voicemail_corpus

ROOT = Path(__file__).resolve().parents[1]
needs_corpus = pytest.mark.skipif(
    not voicemail_corpus.available(),
    reason="needs the Asterisk prompts (asterisk-core-sounds-en[-wav]) and FSDD recordings",
)


@pytest.mark.parametrize(
    "script", ["bench_inbox.py", "bench_wer.py", "voicemail_corpus.py", "bench_twilio.py"]
)
def test_help_works(script: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout


@needs_corpus
@pytest.mark.parametrize("seconds", [15.0, 30.0, 42.5])
def test_corpus_builds_a_voicemail_of_the_requested_length(tmp_path: Path, seconds: float) -> None:
    path = tmp_path / "vm.wav"
    message = voicemail_corpus.write(path, seconds, seed=7)
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() == round(seconds * 8000)
    assert message.duration == pytest.approx(seconds)
    assert message.e164 == "+1" + message.digits and len(message.digits) == 10
    # The digits are in what is said, and there is real speech besides them.
    assert " ".join(message.digits) in message.text
    assert message.speech_seconds > seconds / 3
    assert message.repeated == (seconds >= 25)


@needs_corpus
def test_corpus_is_reproducible_and_distinct_per_seed() -> None:
    one = voicemail_corpus.build(20.0, seed=1)
    assert voicemail_corpus.build(20.0, seed=1).wav == one.wav
    assert voicemail_corpus.build(20.0, seed=2).wav != one.wav


@needs_corpus
def test_long_file_is_written_in_blocks(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    written = voicemail_corpus.write_long(path, 130.0, seed=1, block_s=60.0)
    with wave.open(str(path), "rb") as w:
        assert w.getnframes() == 130 * 8000
    assert written == 130.0


def test_wer_normalisation_and_edit_distance() -> None:
    assert bench_wer.normalise("Press 1, then #. I'm 2nd at 28.8%!") == (
        [
            "press",
            "one",
            "then",
            "pound",
            "i",
            "am",
            "second",
            "at",
            "twenty",
            "eight",
            "point",
            "eight",
            "percent",
        ]
    )
    assert bench_wer.normalise("I am sorry") == bench_wer.normalise("I'm sorry.")
    assert bench_wer.edit_counts(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"]) == (1, 0, 1)
    assert bench_wer.edit_counts(["a", "b"], []) == (0, 2, 0)
    assert bench_wer.number_words(8500) == "eight thousand five hundred"
