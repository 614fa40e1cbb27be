"""``ringback call analyze`` with the real tiny.en model on real speech, and bad input.

The two-party call is spliced from real recordings by ``bench/call_corpus.py`` with every
time known from the build (talk, interruptions, backchannels, questions); the mono case is
the real two-person conversation in ../shared/eval/pyannote_sample. Short audio only.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from bench import call_corpus

from ringback.calls.analysis import CallAnalysis, analyze_call
from ringback.config import Settings
from tests.conftest import IN_CI, SHARED, Cli

EVAL = SHARED / "eval"
MONO = EVAL / "pyannote_sample" / "sample.wav"
STEREO = EVAL / "stereo_call" / "stereo_diarization.wav"
CONTRACT = {"duration", "talk_share_rep", "speakers", "questions", "interruptions", "transcript"}
SPEAKER_KEYS = {"talk_seconds", "words_per_minute", "longest_monologue_seconds", "turns"}


def _need(ok: bool, what: str) -> None:
    if not ok:
        if IN_CI:
            pytest.fail(f"CI=true requires {what}")
        pytest.skip(f"test data missing: {what}")


def _stereo_wav(path: Path, left: np.ndarray, right: np.ndarray, rate: int = 8000) -> Path:
    call_corpus.write_wav(path, np.stack([left, right], axis=1).astype(np.int16), rate)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, call_corpus.Truth]]:
    _need(call_corpus.available(), "the Asterisk prompts (scripts/test-deps)")
    path = tmp_path_factory.mktemp("call") / "call.wav"
    truth = call_corpus.write(path, 90.0, seed=4)
    yield path, truth


@pytest.fixture(scope="module")
def analysed(built: tuple[Path, call_corpus.Truth]) -> CallAnalysis:
    return analyze_call(built[0], settings=Settings())


@pytest.mark.slow
def test_stereo_call_matches_how_it_was_built(
    built: tuple[Path, call_corpus.Truth], analysed: CallAnalysis
) -> None:
    _, truth = built
    data = analysed.contract()
    assert set(data) == CONTRACT and set(data["speakers"]) == {"rep", "customer"}
    assert analysed.mode == "stereo" and analysed.warnings == ()
    # §1 accuracy: within 5 points of the truth.
    assert abs(data["talk_share_rep"] - truth.talk_share_rep) <= 0.05
    for who in ("rep", "customer"):
        assert data["speakers"][who]["talk_seconds"] == pytest.approx(truth.talk[who], rel=0.15)
    # Each planted interruption is found within half a second, and nothing else is.
    found = [e["start"] for e in data["interruptions"] if e["speaker"] == "rep"]
    assert len(found) == len(truth.interruptions)
    for planted, seen in zip(truth.interruptions, found, strict=True):
        assert seen == pytest.approx(planted, abs=0.5)
    # The rep's "O K" during the customer's stories are backchannels, not turns.
    backs = [e.start for e in analysed.metrics.backchannels if e.speaker == "rep"]
    assert len(backs) == len(truth.backchannels)
    for planted, seen in zip(truth.backchannels, backs, strict=True):
        assert seen == pytest.approx(planted, abs=0.8)
    # "Which folder should I save the message to?" is an open question, at its time.
    open_q = [q for q in data["questions"] if q["speaker"] == "rep" and q["kind"] == "open"]
    assert [q["start"] for q in open_q] == pytest.approx(truth.questions, abs=0.5)
    assert all("folder" in q["text"] for q in open_q)
    # The transcript is attributed and in time order.
    starts = [t["start"] for t in data["transcript"]]
    assert starts == sorted(starts)
    assert {t["speaker"] for t in data["transcript"]} == {"rep", "customer"}


@pytest.mark.slow
def test_cli_json_is_exactly_the_contract_and_warns_when_channels_look_swapped(
    built: tuple[Path, call_corpus.Truth], cli_embedded: Cli
) -> None:
    path, truth = built
    result = cli_embedded("call", "analyze", str(path), "--rep-channel", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == CONTRACT
    for who in ("rep", "customer"):
        assert set(data["speakers"][who]) == SPEAKER_KEYS
    # The rep is now channel 1, so the shares flip.
    assert abs(data["talk_share_rep"] - (1 - truth.talk_share_rep)) <= 0.05
    # The customer channel asks every question: the channels look swapped (stderr only).
    assert "look swapped" in result.stderr and "--rep-channel 0" in result.stderr


@pytest.mark.slow
def test_faster_whisper_stereo_file_keeps_each_channel_to_its_speaker() -> None:
    _need(STEREO.exists(), str(STEREO))
    result = analyze_call(STEREO, settings=Settings())
    rep = " ".join(t["text"] for t in result.contract()["transcript"] if t["speaker"] == "rep")
    customer = " ".join(
        t["text"] for t in result.contract()["transcript"] if t["speaker"] == "customer"
    )
    assert "wizard" in rep.lower() and "horizon" in customer.lower()
    assert "horizon" not in rep.lower() and "wizard" not in customer.lower()


@pytest.mark.slow
def test_mono_is_analysed_but_labelled_lower_confidence(cli_embedded: Cli) -> None:
    _need(MONO.exists(), str(MONO))
    result = cli_embedded("call", "analyze", str(MONO), "--json", "--full")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["details"]["mode"] == "mono" and data["details"]["confidence"] == "low"
    assert "mono recording" in result.stderr
    assert 0.0 < data["talk_share_rep"] < 1.0
    assert "chicago" in " ".join(t["text"] for t in data["transcript"]).lower()


@pytest.mark.slow
def test_a_silent_channel_is_a_warning_not_a_crash(
    built: tuple[Path, call_corpus.Truth], tmp_path: Path, cli_embedded: Cli
) -> None:
    with wave.open(str(built[0]), "rb") as w:
        both = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    left = both[: 8000 * 20, 0]
    path = _stereo_wav(tmp_path / "one-sided.wav", left, np.zeros_like(left))
    result = cli_embedded("call", "analyze", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "channel 1 (customer) is silent" in result.stderr
    assert data["speakers"]["customer"]["talk_seconds"] == 0
    assert data["talk_share_rep"] == 1.0


@pytest.mark.slow
def test_clipped_audio_is_flagged_and_still_analysed(tmp_path: Path, cli_embedded: Cli) -> None:
    _need(STEREO.exists(), str(STEREO))
    with wave.open(str(STEREO), "rb") as w:
        rate = w.getframerate()
        both = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    loud = np.clip(both.astype(np.int32) * 12, -32768, 32767)
    path = _stereo_wav(tmp_path / "clipped.wav", loud[:, 0], loud[:, 1], rate)
    result = cli_embedded("call", "analyze", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert "clipped" in result.stderr and "lower the recording gain" in result.stderr
    assert json.loads(result.stdout)["speakers"]["rep"]["talk_seconds"] > 1


@pytest.mark.slow
def test_non_speech_audio_is_a_clear_error(tmp_path: Path, cli_embedded: Cli) -> None:
    t = np.arange(8000 * 8) / 8000
    tone = (8000 * np.sin(2 * np.pi * 440 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0)).astype(np.int16)
    path = _stereo_wav(tmp_path / "hold-tone.wav", tone, tone[::-1].copy())
    result = cli_embedded("call", "analyze", str(path), "--json")
    assert result.exit_code == 1
    assert "no speech found" in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_a_call_longer_than_the_limit_is_refused_before_decoding(
    tmp_path: Path, cli_embedded: Cli
) -> None:
    quiet = np.zeros(8000 * 70, dtype=np.int16)
    path = _stereo_wav(tmp_path / "long.wav", quiet, quiet)
    cli_embedded.env["RINGBACK_CALL_MAX_MINUTES"] = "1"
    result = cli_embedded("call", "analyze", str(path))
    assert result.exit_code == 1
    assert (
        "the limit is 1 minutes" in result.stderr and "RINGBACK_CALL_MAX_MINUTES" in result.stderr
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"%PDF-1.4 not audio at all" * 40, "not a recognised"),
    ],
)
def test_files_that_are_not_calls_are_refused_clearly(
    tmp_path: Path, cli_embedded: Cli, content: bytes | None, message: str
) -> None:
    path = tmp_path / "call.wav"
    if content is not None:
        path.write_bytes(content)
    result = cli_embedded("call", "analyze", str(path), "--json")
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output


def test_a_channel_is_read_in_pieces_cut_in_pauses(
    built: tuple[Path, call_corpus.Truth],
) -> None:
    from ringback.calls.audio import channel_pieces

    path, truth = built
    pieces = list(channel_pieces(path, 1, 2, piece_seconds=20.0))
    assert len(pieces) >= 5
    position = 0.0
    for offset, samples in pieces:
        assert offset == pytest.approx(position)  # consecutive, nothing lost or repeated
        assert len(samples) <= 20.0 * 16_000
        position += len(samples) / 16_000
    assert position == pytest.approx(truth.duration, abs=0.01)
    # Every cut but the last falls outside the customer's speech (their channel is quiet).
    for offset, _ in pieces[1:]:
        assert not any(a + 0.05 < offset < b - 0.05 for a, b in truth.intervals["customer"])


@pytest.mark.slow
def test_a_mono_call_saved_as_stereo_is_analysed_as_mono(tmp_path: Path, cli_embedded: Cli) -> None:
    _need(STEREO.exists(), str(STEREO))
    with wave.open(str(STEREO), "rb") as w:
        rate = w.getframerate()
        both = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    mixed = (both.astype(np.int32).sum(axis=1) // 2).astype(np.int16)
    path = _stereo_wav(tmp_path / "dual-mono.wav", mixed, mixed, rate)
    result = cli_embedded("call", "analyze", str(path))
    assert result.exit_code == 0, result.output
    assert "both channels carry the same audio" in result.stderr
    assert "MONO, lower confidence" in result.stdout and "talk share" in result.stdout
