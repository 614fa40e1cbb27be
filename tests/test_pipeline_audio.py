"""Decode and speech detection on real audio files in the formats phone systems produce."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from ringback.voicemail.pipeline import Reject, default_stages
from ringback.voicemail.pipeline.audio import decode, speech_seconds
from tests.support.pipeline import (
    Pipe,
    click,
    encode,
    gsm_raw,
    silence,
    speech_8k,
    wav49,
    wav_bytes,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return speech_8k(3.0)


def _has_encoder(name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
    except Exception:
        return False
    return True


@pytest.mark.parametrize(
    ("name", "codec", "fmt", "rate", "expect_codec", "expect_rate"),
    [
        ("msg0000.wav", "pcm_mulaw", "wav", 8000, "pcm_mulaw", 8000),
        ("alaw.wav", "pcm_alaw", "wav", 8000, "pcm_alaw", 8000),
        ("message.mp3", "mp3", None, 8000, "mp3", 8000),
        # Opus always decodes at 48 kHz whatever it was encoded from.
        ("message.ogg", "libopus", "ogg", 16000, "opus", 48000),
        ("message.m4a", "aac", "ipod", 8000, "aac", 8000),
        ("message.flac", "flac", None, 8000, "flac", 8000),
    ],
)
def test_encoded_formats_decode_to_16k_mono(
    tmp_path, speech, name, codec, fmt, rate, expect_codec, expect_rate
):
    if not _has_encoder(codec):
        pytest.skip(f"this PyAV build cannot encode {codec}")
    samples = speech if rate == 8000 else np.repeat(speech, rate // 8000)
    path = encode(samples, rate, tmp_path / name, codec, fmt)
    audio, info = decode(path)
    assert info.codec.startswith(expect_codec)
    assert info.sample_rate == expect_rate and info.channels == 1
    assert audio.dtype == np.float32
    # Lossy encoders pad a little; the message itself must all be there.
    assert info.duration == pytest.approx(speech.size / 8000, abs=0.25)
    assert speech_seconds(audio) > 2.0


def test_asterisk_gsm_formats_decode(tmp_path):
    raw = tmp_path / "msg0000.gsm"
    raw.write_bytes(gsm_raw(3.0))
    _, info = decode(raw)
    assert (info.codec, info.sample_rate, info.duration) == ("gsm", 8000, 3.0)
    wav = tmp_path / "msg0000.WAV"
    wav.write_bytes(wav49(3.0))
    _, info = decode(wav)
    assert (info.codec, info.container, info.duration) == ("gsm_ms", "wav", 3.0)


@pytest.mark.parametrize("rate", [11025, 44100, 22050])
def test_stereo_and_odd_rates(tmp_path, speech, rate):
    mono = np.interp(
        np.arange(int(speech.size * rate / 8000)) * 8000 / rate, np.arange(speech.size), speech
    )
    stereo = np.stack([mono, mono * 0.5], axis=1)
    path = tmp_path / "stereo.wav"
    path.write_bytes(wav_bytes(stereo, rate, channels=2))
    audio, info = decode(path)
    assert (info.sample_rate, info.channels) == (rate, 2)
    assert audio.ndim == 1 and audio.size == pytest.approx(speech.size * 2, abs=64)
    assert speech_seconds(audio) > 2.0


def test_silence_and_a_click_are_not_speech(tmp_path):
    for name, samples in [("silence.wav", silence(5.0)), ("click.wav", click(3.0))]:
        path = tmp_path / name
        path.write_bytes(wav_bytes(samples))
        audio, _ = decode(path)
        assert speech_seconds(audio) < 0.5, name


def test_truncated_and_bogus_files_are_rejected_with_a_reason(tmp_path, speech):
    good = wav_bytes(speech)
    header_cut = tmp_path / "header.wav"
    header_cut.write_bytes(good[:30])
    with pytest.raises(Reject, match=r"^damaged or truncated audio file: Invalid data"):
        decode(header_cut)
    no_samples = tmp_path / "nodata.wav"
    no_samples.write_bytes(good[:44])
    with pytest.raises(Reject, match=r"^no audio in the file \(pcm_s16le, 0.00 s decoded\)"):
        decode(no_samples)
    # Cut in the middle of the samples: what was recorded is still worth transcribing.
    half = tmp_path / "half.wav"
    half.write_bytes(good[: len(good) // 2])
    _, info = decode(half)
    assert info.duration == pytest.approx(speech.size / 8000 / 2, abs=0.05)
    text = tmp_path / "notes.wav"
    text.write_text("call Sarah back\n" * 100)
    with pytest.raises(Reject, match=r"^not audio: "):
        decode(text)


def test_ingest_of_real_formats_end_to_end(db_url: str, tmp_path: Path, speech) -> None:
    pipe = Pipe(db_url, tmp_path)
    mulaw = encode(speech, 8000, tmp_path / "msg0001.wav", "pcm_mulaw", "wav")
    done = pipe.ingest(mulaw, source="watch")
    assert done.status == "done" and done.duration == pytest.approx(3.04, abs=0.01)
    hang_up = tmp_path / "msg0002.wav"
    hang_up.write_bytes(wav_bytes(np.concatenate([silence(1.0), click(2.0)])))
    assert pipe.ingest(hang_up, source="watch").status == "no_message"
    gsm = tmp_path / "msg0003.gsm"
    gsm.write_bytes(gsm_raw(2.0))
    # Random GSM frames are noise, not speech: decoded fine, then judged 'no message'.
    result = pipe.ingest(gsm, source="asterisk")
    assert result.status == "no_message" and result.original_path
    assert result.original_path.suffix == ".gsm"
    truncated = tmp_path / "cut.wav"
    truncated.write_bytes(wav_bytes(speech)[:30])
    bad = pipe.ingest(truncated)
    assert bad.status == "rejected"
    assert (bad.status_reason or "").startswith("damaged or truncated audio file")
    assert bad.original_path and bad.original_path.read_bytes() == truncated.read_bytes()
    assert len(pipe.notifier.sent()) == 1


def test_long_message_decodes_whole_and_vad_can_stop_early(tmp_path, speech):
    # Ten minutes of 8 kHz μ-law, as a rambling caller leaves: no length cap anywhere.
    unit = np.concatenate([speech, silence(2.0)])
    samples = np.tile(unit, int(600 * 8000 / unit.size) + 1)[: 600 * 8000]
    path = encode(samples, 8000, tmp_path / "long.wav", "pcm_mulaw", "wav")
    audio, info = decode(path)
    assert info.duration == pytest.approx(600.0, abs=0.01)
    assert audio.size == pytest.approx(600 * 16000, abs=64)
    quick = speech_seconds(audio, enough=1.0)
    assert 1.0 <= quick < 4.0, "one 4 s window is enough to know there is a message"


def test_decode_buffer_grows_when_the_duration_is_unknown():
    from ringback.speech.bounded import Samples

    buf = Samples(0, max_seconds=10)
    for i in range(40):
        buf.append(np.full(1000, i, np.float32))
    out = buf.array()
    assert out.size == 40_000 and out[999] == 0 and out[-1] == 39


def test_two_hour_message_is_processed_whole(db_url: str, tmp_path: Path, speech) -> None:
    # Two hours of 8 kHz μ-law (57.6 MB): encode 5 s once, then repeat its sample bytes.
    unit = encode(
        np.concatenate([speech, silence(5.0 - speech.size / 8000)]),
        8000,
        tmp_path / "u.wav",
        "pcm_mulaw",
        "wav",
    )
    raw = unit.read_bytes()
    data = raw[raw.index(b"data") + 8 :][: 5 * 8000]
    body = data * (2 * 3600 // 5)
    header = raw[: raw.index(b"data")] + b"data" + len(body).to_bytes(4, "little")
    header = header[:4] + (len(header) - 8 + len(body)).to_bytes(4, "little") + header[8:]
    path = tmp_path / "two-hours.wav"
    with path.open("wb") as out:
        out.write(header)
        out.write(body)
    pipe = Pipe(db_url, tmp_path)
    # Over the default 30-minute limit: taken whole once RINGBACK_MAX_VOICEMAIL_MINUTES allows.
    stages = default_stages(
        transcriber=pipe.transcriber,
        extractor=pipe.extractor,
        notifier=pipe.notifier,
        max_seconds=180 * 60,
    )
    result = pipe.ingest(path, source="watch", stages=stages)
    assert result.status == "done", result.status_reason
    assert result.duration == pytest.approx(7200.0, abs=0.1)
    (samples,) = pipe.transcriber.seen_samples
    assert samples == pytest.approx(7200 * 16000, abs=64), (
        "under the limit: all of it is transcribed"
    )
