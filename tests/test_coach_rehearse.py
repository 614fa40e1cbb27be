"""``ringback coach rehearse``: a practice voicemail measured from real recorded speech."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from bench import call_corpus, voicemail_corpus

from ringback.coach.rehearse import (
    MONOTONE_SEMITONES,
    numbers_said,
    pitch_stats,
    script_deviation,
)
from ringback.speech.types import Word
from tests.conftest import IN_CI, Cli


def _need_prompts() -> None:
    if not voicemail_corpus.available():
        if IN_CI:
            pytest.fail("CI=true requires the Asterisk prompts and FSDD")
        pytest.skip("needs the Asterisk prompts (scripts/test-deps) and ../shared/eval/fsdd")


def _words(spec: list[tuple[str, float, float]]) -> tuple[Word, ...]:
    return tuple(Word(f" {t}", s, e, 0.9) for t, s, e in spec)


def test_digits_per_second_of_each_saying_of_the_number() -> None:
    digits = "415 555 0137".replace(" ", "")
    slow = [(d, 2.0 + 0.6 * i, 2.3 + 0.6 * i) for i, d in enumerate(digits)]  # ~1.7/s
    fast = [(d, 12.0 + 0.25 * i, 12.2 + 0.25 * i) for i, d in enumerate(digits)]  # 4/s
    found = numbers_said(
        _words([("call", 0.0, 0.5), *slow, ("again", 9.0, 9.4), *fast]), region="US"
    )
    assert [n.digits for n in found] == [10, 10]
    assert found[0].digits_per_second == pytest.approx(10 / (0.6 * 9 + 0.3), rel=0.01)
    assert found[1].digits_per_second > 4.0


def test_script_deviation_reads_digits_and_number_words_alike() -> None:
    ratio, missing, added = script_deviation(
        "Hi Bill, call me at 415-555-0137.",
        "Hi Bill, call me at four one five, five five five, zero one three seven.",
    )
    assert ratio == 1.0 and missing == [] and added == []
    ratio, missing, added = script_deviation(
        "Hi Bill, this is Dana from Acme.", "Hi, this is Dana."
    )
    assert ratio < 0.8 and "bill" in missing and "from acme" in missing and added == []


def test_pitch_variation_tells_a_flat_voice_from_a_lively_one() -> None:
    _need_prompts()
    import parselmouth
    from parselmouth.praat import call

    speech = voicemail_corpus.load(voicemail_corpus.SOUNDS / "vm-savefolder.wav")
    samples = np.repeat(speech.astype(np.float64) / 32768, 2)  # 8 -> 16 kHz, pitch intact
    lively = pitch_stats(samples.astype(np.float32))
    # The same real recording with its intonation removed (Praat PSOLA to a flat 200 Hz).
    sound = parselmouth.Sound(samples, 16_000)
    manipulation = call(sound, "To Manipulation", 0.01, 75, 600)
    tier = call("Create PitchTier", "flat", sound.xmin, sound.xmax)
    call(tier, "Add point", sound.xmin, 200.0)
    call([tier, manipulation], "Replace pitch tier")
    flat = call(manipulation, "Get resynthesis (overlap-add)").values[0]
    monotone = pitch_stats(flat.astype(np.float32))
    assert lively is not None and monotone is not None
    assert lively[1] >= MONOTONE_SEMITONES > monotone[1]
    assert monotone[0] == pytest.approx(200, rel=0.05)


@pytest.mark.slow
def test_rehearse_a_real_take_against_its_script(cli_embedded: Cli, tmp_path: Path) -> None:
    _need_prompts()
    message = voicemail_corpus.build(24.0, seed=3)
    take = tmp_path / "take.wav"
    take.write_bytes(message.wav)
    result = cli_embedded("coach", "rehearse", str(take), "--script", message.text, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["duration"] == pytest.approx(24.0, abs=0.05)
    assert data["script"]["similarity"] > 0.7
    assert data["pitch"]["variation_semitones"] > 0 and data["pitch"]["monotone"] is False
    numbers = data["callback_numbers"]
    assert numbers and numbers[0]["slow_enough"] is True  # FSDD digits with natural gaps
    assert 0 < len(data["top_changes"]) <= 3
    assert data["score"]["score"] < 100  # corpus prompts are not a good voicemail
    # A script the take does not follow: the deviation is named among the top changes.
    other = "Hi Bill, this is Dana from Northwind about the Austin office, call me Tuesday."
    result = cli_embedded("coach", "rehearse", str(take), "--script", other, "--json")
    changes = [c["what"] for c in json.loads(result.stdout)["top_changes"]]
    assert any("strayed from the script" in c for c in changes)
    human = cli_embedded("coach", "rehearse", str(take))
    assert human.exit_code == 0 and "Top things to change" in human.stdout


@pytest.mark.slow
def test_silence_and_non_audio_are_clear_errors(cli_embedded: Cli, tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    call_corpus.write_wav(silent, np.zeros((8000 * 3, 1), dtype=np.int16))
    result = cli_embedded("coach", "rehearse", str(silent))
    assert result.exit_code == 1 and "no words heard" in result.stderr
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all " * 50)
    result = cli_embedded("coach", "rehearse", str(text))
    assert result.exit_code == 1 and "not usable audio" in result.stderr
    missing = cli_embedded("coach", "rehearse", str(tmp_path / "nope.wav"))
    assert missing.exit_code == 1 and "no such file" in missing.stderr
