"""Telephone-quality voicemail audio spliced from real recordings of speech and digits."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

RATE = 8000


SOUNDS = Path("/usr/share/asterisk/sounds/en")


FSDD = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "fsdd" / "recordings"


NUMBER = "2125550199"  # a valid US number (555-01xx is reserved for fiction)


E164 = "+1" + NUMBER


SPEAKER = "lucas"


def missing_audio() -> str | None:
    if not (SOUNDS / "hello.wav").is_file():
        return "needs Debian's asterisk-core-sounds-en-wav (apt-get install asterisk-core-sounds-en-wav)"
    if not (FSDD / "0_lucas_0.wav").is_file():
        return f"needs the FSDD recordings in {FSDD}"
    return None


needs_audio = pytest.mark.skipif(missing_audio() is not None, reason=str(missing_audio()))


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise ValueError(f"{path}: expected 8 kHz mono 16-bit")
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def _trim(samples: np.ndarray, frame: int = 80) -> np.ndarray:
    # The digit takes carry room silence of varying length; keep 30 ms around the speech
    # so the pauses between digits are the ones we insert.
    n = len(samples) // frame
    rms = np.sqrt((samples[: n * frame].astype(np.float64).reshape(n, frame) ** 2).mean(axis=1))
    loud = np.nonzero(rms > rms.max() * 0.01)[0]
    return samples[max(loud[0] - 3, 0) * frame : min(loud[-1] + 4, n) * frame]


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.int16)


def spoken_number(digits: str, take: int) -> np.ndarray:
    parts: list[np.ndarray] = []
    for i, digit in enumerate(digits):
        if i:
            parts.append(_silence(0.5 if i in (3, 6) else 0.15))
        parts.append(_trim(_read(FSDD / f"{digit}_{SPEAKER}_{(take + i) % 50}.wav")))
    return np.concatenate(parts)


def to_wav(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.astype(np.int16).tobytes())
    return buffer.getvalue()


def voicemail_wav(digits: str = NUMBER, *, tail_seconds: float = 0.5) -> bytes:
    """About 22 s: greeting, the number twice (2.5 s apart), "tomorrow", thanks."""
    parts = [
        _silence(0.5),
        _read(SOUNDS / "hello.wav"),
        _silence(0.3),
        _read(SOUNDS / "telephone-number.wav"),
        _silence(0.4),
        spoken_number(digits, take=0),
        _silence(2.5),
        spoken_number(digits, take=7),
        _silence(0.6),
        _read(SOUNDS / "digits" / "tomorrow.wav"),
        _silence(0.4),
        _read(SOUNDS / "auth-thankyou.wav"),
        _silence(tail_seconds),
    ]
    return to_wav(np.concatenate(parts))


def prompts_wav(*names: str, gap: float = 0.2, lead: float = 1.0) -> bytes:
    """Asterisk's prompts ``names`` (paths under SOUNDS, without ``.wav``) said one after
    the other, ``gap`` seconds apart, with ``lead`` seconds of dead air around them (as a
    phone recording starts and ends): e.g. a greeting, "hello, V(ictor) is on the phone"."""
    parts = [_silence(lead)]
    for i, name in enumerate(names):
        parts += [_silence(gap)] if i else []
        parts.append(_read(SOUNDS / f"{name}.wav"))
    return to_wav(np.concatenate([*parts, _silence(lead)]))
