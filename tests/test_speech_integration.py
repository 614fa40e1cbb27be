"""The real tiny.en model on real recordings (../shared/eval). Slow: loads a model.

Skipped with the reason when the evaluation data is missing, except under CI=true.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator

import numpy as np
import pytest
from bench import fsdd

from ringback.speech import FasterWhisperTranscriber, Transcript
from ringback.speech.callback_audio import callback_number_from_audio
from tests.conftest import IN_CI, SHARED

pytestmark = pytest.mark.slow

EVAL = SHARED / "eval"
STEREO = EVAL / "stereo_call" / "stereo_diarization.wav"
CONVERSATION = EVAL / "pyannote_sample" / "sample.wav"


def _need(path: object) -> None:
    from pathlib import Path

    if not Path(str(path)).exists():
        reason = f"evaluation data missing: {path}"
        if IN_CI:
            pytest.fail(f"CI=true requires it: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def transcriber() -> Iterator[FasterWhisperTranscriber]:
    """The product's transcriber on its default settings, model loaded once per session."""
    t = FasterWhisperTranscriber.from_settings()
    t.load()
    yield t


def test_model_is_loaded_once_and_kept_warm(transcriber: FasterWhisperTranscriber) -> None:
    first = transcriber.load()
    again = FasterWhisperTranscriber(transcriber.model_name, cpu_threads=transcriber.cpu_threads)
    assert again.load() is first
    assert first.compute_type == "int8" and first.device == "cpu"


def test_silence_costs_nothing(transcriber: FasterWhisperTranscriber) -> None:
    started = time.perf_counter()
    transcript = transcriber.transcribe(np.zeros(16000 * 10, dtype=np.float32))
    elapsed = time.perf_counter() - started
    assert transcript.is_empty and transcript.segments == ()
    assert transcript.duration == pytest.approx(10.0)
    assert transcript.speech_duration < 0.5
    assert elapsed < 1.5, f"10 s of silence took {elapsed:.2f} s: the VAD filter should skip it"


def test_stereo_call_known_words(transcriber: FasterWhisperTranscriber) -> None:
    _need(STEREO)
    transcript = transcriber.transcribe(STEREO)
    text = transcript.text.lower()
    # Left channel: "...vanished behind the curtain on the left." (channels are mixed).
    assert "curtain" in text and "left" in text, text
    assert transcript.language == "en"
    assert transcript.duration == pytest.approx(5.0, abs=0.1)
    _check_words(transcript)


def test_phone_conversation_known_words(transcriber: FasterWhisperTranscriber) -> None:
    _need(CONVERSATION)
    transcript = transcriber.transcribe(CONVERSATION.read_bytes())
    text = transcript.text.lower()
    found = [w for w in ("new jersey", "texas", "chicago", "yankee") if w in text]
    assert len(found) >= 3, text
    _check_words(transcript)


def _check_words(transcript: Transcript) -> None:
    words = transcript.words
    assert words, "word timestamps are on by default"
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    assert all(w.start <= w.end for w in words)
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    assert words[-1].end <= transcript.duration + 0.5
    assert "".join(w.text for w in words).strip() == transcript.text


@pytest.mark.parametrize(
    ("digits", "speaker", "repeated"),
    [("4155550137", "jackson", True), ("2125550199", "george", False)],
)
def test_spliced_fsdd_number_end_to_end(
    transcriber: FasterWhisperTranscriber, digits: str, speaker: str, repeated: bool
) -> None:
    """Real digit recordings spliced into a number, through transcription and extraction."""
    if not fsdd.available():
        _need(fsdd.RECORDINGS)
    wav = fsdd.splice(digits, speaker, random.Random(7), repeated=repeated)
    transcript, number = callback_number_from_audio(transcriber, wav, region="US")
    assert number.e164 == "+1" + digits, transcript.text
    assert number.source == "spoken"
    assert number.confidence >= 0.6


def test_caller_id_when_the_message_has_no_number(transcriber: FasterWhisperTranscriber) -> None:
    _need(STEREO)
    _, number = callback_number_from_audio(
        transcriber, STEREO, caller_id="+1 415 555 0137", region="US"
    )
    assert (number.e164, number.source) == ("+14155550137", "caller_id")


def test_cli_transcribe_json(transcriber: FasterWhisperTranscriber) -> None:
    import json

    from click.testing import CliRunner

    from ringback.cli import cli

    _need(STEREO)
    result = CliRunner().invoke(cli, ["speech", "transcribe", str(STEREO), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "curtain" in data["text"].lower()
    assert data["language"] == "en" and data["words"] and data["segments"]
    assert set(data["words"][0]) == {"text", "start", "end", "probability"}


def test_score_texts_prefers_what_was_said(transcriber: FasterWhisperTranscriber) -> None:
    if not fsdd.available():
        _need(fsdd.RECORDINGS)
    from ringback.speech.audio import decode

    samples = decode(fsdd.splice("4155550137", "lucas", random.Random(1)))
    said, other = transcriber.score_texts(
        samples, ["4, 1, 5, 5, 5, 5, 0, 1, 3, 7.", "9, 8, 2, 6, 6, 6, 3, 8, 4, 2."]
    )
    assert said > other
