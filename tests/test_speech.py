"""Speech plumbing that needs no model: settings, model resolution, audio decoding."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from ringback.bundled_model import bundled_model_dir
from ringback.config import Settings
from ringback.speech import (
    AudioDecodeError,
    FasterWhisperTranscriber,
    ModelNotAvailableError,
    Transcriber,
    Transcript,
)
from ringback.speech.audio import decode
from ringback.speech.models import resolve_model


def wav_bytes(samples: np.ndarray, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())
    return buffer.getvalue()


def test_default_model_is_the_bundled_tiny_en(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RINGBACK_WHISPER_MODEL", raising=False)
    bundled = bundled_model_dir()
    assert bundled is not None and (bundled / "model.bin").is_file()
    settings = Settings()
    assert settings.whisper_model == str(bundled)
    assert (settings.whisper_device, settings.whisper_compute_type) == ("cpu", "int8")
    assert resolve_model("tiny.en") == bundled
    assert resolve_model(str(bundled)) == bundled


def test_whisper_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGBACK_WHISPER_BEAM_SIZE", "2")
    monkeypatch.setenv("RINGBACK_WHISPER_DEVICE", "AUTO")
    settings = Settings()
    assert settings.whisper_beam_size == 2 and settings.whisper_device == "auto"
    transcriber = FasterWhisperTranscriber.from_settings(settings)
    assert transcriber.options.beam_size == 2
    assert isinstance(transcriber, Transcriber)
    monkeypatch.setenv("RINGBACK_WHISPER_DEVICE", "gpu")
    with pytest.raises(ValueError, match="cpu, cuda or auto"):
        Settings()


@pytest.mark.parametrize("name", ["large-v3-not-a-model", "Systran/faster-whisper-bogus"])
def test_unknown_model_name_says_how_to_fix_it(name: str) -> None:
    with pytest.raises(ModelNotAvailableError) as info:
        FasterWhisperTranscriber(name).load()
    message = str(info.value)
    assert name in message
    assert "not available offline" in message
    assert "RINGBACK_WHISPER_MODEL" in message and "directory" in message


def test_model_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere" / "model"))
    with pytest.raises(ModelNotAvailableError, match=r"missing model\.bin"):
        resolve_model(str(tmp_path))


def test_garbage_and_pdf_are_rejected_with_a_reason(tmp_path: Path) -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 40
    with pytest.raises(AudioDecodeError) as info:
        decode(pdf)
    assert "not a recognised audio format" in info.value.reason
    fake = tmp_path / "message.wav"
    fake.write_bytes(pdf)
    with pytest.raises(AudioDecodeError, match=r"message\.wav"):
        decode(fake)
    with pytest.raises(AudioDecodeError, match=r"no decodable audio|not a recognised"):
        decode(Path("pyproject.toml").read_bytes() if Path("pyproject.toml").exists() else pdf)
    with pytest.raises(AudioDecodeError, match="empty"):
        decode(b"")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioDecodeError, match="empty"):
        decode(empty)
    with pytest.raises(FileNotFoundError):
        decode(tmp_path / "missing.wav")


def test_transcriber_rejects_garbage_before_loading_anything() -> None:
    transcriber = FasterWhisperTranscriber("no-such-model")  # would fail if it loaded
    with pytest.raises(AudioDecodeError):
        transcriber.transcribe(b"\x00\x01garbage" * 100)


def test_decode_wav_resamples_to_16k() -> None:
    tone = (np.sin(np.arange(8000) / 8000 * 2 * np.pi * 440) * 8000).astype(np.int16)
    samples = decode(wav_bytes(tone))
    assert samples.dtype == np.float32
    assert abs(len(samples) - 16000) < 100
    assert 0.2 < float(np.abs(samples).max()) < 0.3


def test_decode_arrays() -> None:
    samples = decode(np.zeros(1600, dtype=np.float64))
    assert samples.dtype == np.float32 and samples.shape == (1600,)
    assert decode(np.full(4, 16384, dtype=np.int16))[0] == pytest.approx(0.5)
    with pytest.raises(AudioDecodeError, match="mono"):
        decode(np.zeros((2, 100), dtype=np.float32))
    with pytest.raises(AudioDecodeError, match="NaN"):
        decode(np.array([0.0, np.nan], dtype=np.float32))
    with pytest.raises(AudioDecodeError, match="no samples"):
        decode(np.zeros(0, dtype=np.float32))


def test_transcript_words_come_from_segments() -> None:
    from ringback.speech import Segment, Word

    w1, w2 = Word(" Hi", 0.0, 0.3, 0.9), Word(" there.", 0.3, 0.6, 0.8)
    transcript = Transcript(
        text="Hi there.",
        language="en",
        language_probability=1.0,
        duration=1.0,
        segments=(Segment(1, 0.0, 0.6, "Hi there.", (w1, w2)),),
    )
    assert transcript.words == (w1, w2)
    assert not transcript.is_empty


def test_cli_rejects_non_audio_with_a_reason(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ringback.cli import cli

    fake = tmp_path / "message.wav"
    fake.write_bytes(b"%PDF-1.4\n" * 200)
    result = CliRunner().invoke(cli, ["speech", "transcribe", str(fake)])
    assert result.exit_code == 1
    assert "cannot read the recording: message.wav is not a recognised audio format" in (
        result.output
    )


def test_cli_bogus_model_setting(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ringback.cli import cli
    from ringback.config import get_settings

    silence = tmp_path / "silence.wav"
    silence.write_bytes(wav_bytes(np.zeros(8000, dtype=np.int16)))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            ["speech", "transcribe", str(silence)],
            env={"RINGBACK_WHISPER_MODEL": "huge-v9"},
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "'huge-v9' is not a local directory and is not available offline" in result.output
