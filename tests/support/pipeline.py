"""Real audio files and hand-written fakes shared by the pipeline, watch and Asterisk tests.

Audio is generated, never mocked: WAV with the standard library, μ-law/MP3/Ogg/M4A
through PyAV's encoders, GSM frames written by hand, and real speech spliced from
the FSDD recordings in ../shared/eval/fsdd.
"""

from __future__ import annotations

import io
import json
import os
import struct
import wave
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from sqlalchemy import select

from ringback.db.session import transaction
from ringback.speech import Transcript, Word
from ringback.voicemail.models import Voicemail, VoicemailStage
from ringback.voicemail.pipeline import (
    RetryPolicy,
    Stage,
    VoicemailMessage,
    default_stages,
    ingest,
)

FSDD = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "fsdd" / "recordings"


def wav_bytes(samples: np.ndarray, rate: int = 8000, channels: int = 1) -> bytes:
    """16-bit PCM WAV; ``samples`` is float in [-1, 1], shape (n,) or (n, channels)."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as src:
        data = np.frombuffer(src.readframes(src.getnframes()), "<i2").astype(np.float32) / 32768
        return data, src.getframerate()


def speech_8k(seconds: float = 3.0) -> np.ndarray:
    """Real spoken digits (8 kHz), spliced with short gaps until ``seconds`` long."""
    if not FSDD.is_dir():
        pytest.skip(f"FSDD recordings not found at {FSDD}")
    parts: list[np.ndarray] = []
    total = 0
    gap = np.zeros(800, np.float32)  # 0.1 s, like a speaker's pause between digits
    for name in ["4_george_1", "1_jackson_2", "5_lucas_3", "5_nicolas_4", "0_george_5"] * 4:
        samples, rate = read_wav(FSDD / f"{name}.wav")
        assert rate == 8000
        parts += [samples, gap]
        total += samples.size + gap.size
        if total >= seconds * 8000:
            break
    return np.concatenate(parts)


def silence(seconds: float, rate: int = 8000) -> np.ndarray:
    return np.zeros(int(seconds * rate), np.float32)


def click(seconds: float = 3.0, rate: int = 8000) -> np.ndarray:
    """A hang-up: line noise with one 0.3 s click of the handset."""
    rng = np.random.default_rng(7)
    out = rng.normal(0, 0.002, int(seconds * rate)).astype(np.float32)
    start = rate // 2
    out[start : start + int(0.3 * rate)] += rng.normal(0, 0.4, int(0.3 * rate)).astype(np.float32)
    return out


def encode(samples: np.ndarray, rate: int, path: Path, codec: str, fmt: str | None = None) -> Path:
    """Encode mono float samples with PyAV (pcm_mulaw in WAV, mp3, vorbis/opus in Ogg, aac)."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"  # type: ignore[union-attr]
        ctx_format = stream.codec_context.codec.audio_formats[0].name  # type: ignore[union-attr]
        frame_size = 1024
        resampler = av.AudioResampler(format=ctx_format, layout="mono", rate=rate)
        for i in range(0, samples.size, frame_size):
            chunk = samples[i : i + frame_size].astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            frame.sample_rate = rate
            for out in resampler.resample(frame):
                for packet in stream.encode(out):  # type: ignore[union-attr]
                    container.mux(packet)
        for out in resampler.resample(None):
            for packet in stream.encode(out):  # type: ignore[union-attr]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            container.mux(packet)
    return path


def gsm_raw(seconds: float = 3.0) -> bytes:
    """Raw GSM 06.10 as Asterisk's ``.gsm`` files: 33-byte frames with the 0xD signature."""
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, (int(seconds * 50), 33), dtype=np.uint8)
    frames[:, 0] = (frames[:, 0] & 0x0F) | 0xD0
    return frames.tobytes()


def wav49(seconds: float = 3.0) -> bytes:
    """GSM in a WAV container (format 0x31, 65-byte blocks), Asterisk's ``.WAV``."""
    rng = np.random.default_rng(4)
    count = int(seconds * 8000 / 320)
    blocks = rng.integers(0, 256, (count, 65), dtype=np.uint8).tobytes()
    fmt = struct.pack("<HHIIHHHH", 0x31, 1, 8000, 1625, 65, 0, 2, 320)
    fact = b"fact" + struct.pack("<II", 4, count * 320)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + fact
    body += b"data" + struct.pack("<I", len(blocks)) + blocks
    return b"RIFF" + struct.pack("<I", len(body)) + body


# -- fakes for the collaborators the lead wires in later ----------------------------------


@dataclass
class FakeTranscriber:
    text: str = "Hi, this is Sarah Chen, please call me back at 415 555 0137."
    fail_times: int = 0
    error: type[Exception] = RuntimeError
    calls: int = 0
    seen_samples: list[int] = field(default_factory=list)

    def transcribe(self, audio: np.ndarray) -> Transcript:
        self.calls += 1
        self.seen_samples.append(int(audio.size))
        if self.calls <= self.fail_times:
            raise self.error(f"transcriber hiccup #{self.calls}")
        words = tuple(
            Word(w, i * 0.3, i * 0.3 + 0.25, 0.9) for i, w in enumerate(self.text.split())
        )
        return Transcript(self.text, "en", words, 0.99)


@dataclass
class FakeExtractor:
    calls: int = 0

    def extract(
        self, transcript: Transcript, *, caller_id: str | None, received_at: datetime
    ) -> dict[str, Any]:
        self.calls += 1
        return {"caller_name": "Sarah Chen", "callback_number": "+14155550137", "urgent": False}


class FileNotifier:
    """A notifier whose idempotency lives on disk, like a real outbox: one file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.calls = 0

    def notify(self, message: VoicemailMessage, *, idempotency_key: str) -> str:
        self.calls += 1
        target = self.directory / f"{idempotency_key}.json"
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return idempotency_key  # already sent: the same key never sends twice
        with os.fdopen(fd, "w") as out:
            text = message.transcript.text if message.transcript else None
            json.dump({"id": message.voicemail_id, "status": message.status, "text": text}, out)
        return idempotency_key

    def sent(self) -> list[Path]:
        return sorted(self.directory.glob("*.json"))


STAGES = ["store", "decode", "detect_speech", "transcribe", "extract", "notify"]


class Pipe:
    def __init__(self, url: str, tmp: Path, transcriber: FakeTranscriber | None = None) -> None:
        self.url = url
        self.data_dir = tmp / "data"
        self.transcriber = transcriber or FakeTranscriber()
        self.extractor = FakeExtractor()
        self.notifier = FileNotifier(tmp / "sent")
        self.sleeps: list[float] = []

    def stages(self) -> list[Stage]:
        return default_stages(
            transcriber=self.transcriber, extractor=self.extractor, notifier=self.notifier
        )

    def ingest(self, data: Any, **kw: Any):  # type: ignore[no-untyped-def]
        kw.setdefault("source", "upload")
        kw.setdefault("stages", self.stages())
        kw.setdefault("retry", RetryPolicy(max_attempts=3, base_delay=0.5))
        kw.setdefault("region", "US")
        return ingest(data, url=self.url, data_dir=self.data_dir, sleep=self.sleeps.append, **kw)

    def stage_rows(self, voicemail_id: int) -> dict[str, VoicemailStage]:
        with transaction(self.url) as session:
            rows = session.scalars(
                select(VoicemailStage)
                .where(VoicemailStage.voicemail_id == voicemail_id)
                .order_by(VoicemailStage.position)
            ).all()
            return {r.stage: r for r in rows}

    def row(self, voicemail_id: int) -> Voicemail:
        with transaction(self.url) as session:
            row = session.get(Voicemail, voicemail_id)
            assert row is not None
            return row


class Interrupt(BaseException):
    """Stands in for the process being killed: nothing below the runner may catch it."""


def pipe_rows(pipe: Pipe) -> list[Voicemail]:
    with transaction(pipe.url) as session:
        return list(session.scalars(select(Voicemail).order_by(Voicemail.id)))


class SaidTranscriber:
    """Stands in for Whisper: the words of ``text`` with Whisper's leading spaces."""

    def __init__(self, text: str) -> None:
        self.text = text

    def transcribe(self, audio: np.ndarray) -> Transcript:
        words = tuple(
            Word(" " + w, i * 0.3, i * 0.3 + 0.25, 0.95) for i, w in enumerate(self.text.split())
        )
        return Transcript(" " + self.text, "en", words, 0.99)


def archived_message(settings: Any, workdir: Path) -> Any:
    """One message run through the whole pipeline (fake speech and facts, its email to a
    file) and archived where ``settings`` keep recordings: the data folder or the object
    store. Returns the pipeline's result (``.id``, ``.location``)."""
    from ringback.voicemail.service import archive_stage, ingest_kwargs

    stages = default_stages(
        transcriber=FakeTranscriber(),
        extractor=FakeExtractor(),
        notifier=FileNotifier(workdir / "sent"),
        archive=archive_stage(settings),
    )
    done = ingest(
        wav_bytes(speech_8k(2.0)), source="upload", stages=stages, **ingest_kwargs(settings)
    )
    assert done.status == "done", done
    return done
