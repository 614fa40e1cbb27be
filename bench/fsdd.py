"""Spoken callback numbers spliced from real recordings (the Free Spoken Digit Dataset).

``../shared/eval/fsdd/recordings/{digit}_{speaker}_{take}.wav`` are real 8 kHz takes of
single digits by four speakers. A "spoken number" here is ten of those takes by one
speaker, grouped 3-3-4 the way people read a US number, with short pauses between
digits and longer ones between groups; optionally said twice. The result is an 8 kHz
16-bit mono WAV (telephone bandwidth), i.e. what a voicemail system would hand us.

Used by ``bench/bench_callback_numbers.py`` and the speech integration tests.
"""

from __future__ import annotations

import io
import random
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import phonenumbers

RATE = 8000
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RECORDINGS = SHARED / "eval" / "fsdd" / "recordings"
SPEAKERS = ("george", "jackson", "lucas", "nicolas")
TAKES = 50

DIGIT_GAP_S = 0.15
GROUP_GAP_S = 0.5
REPEAT_GAP_S = 1.0
EDGE_S = 0.5  # silence before and after, as a recording would have


@dataclass(frozen=True)
class SpokenNumber:
    digits: str  # the ten digits said, e.g. "4155550137"
    e164: str  # "+14155550137"
    speaker: str
    repeated: bool
    wav: bytes  # 8 kHz mono 16-bit WAV
    duration: float  # seconds


@lru_cache(maxsize=4096)
def load_take(digit: int, speaker: str, take: int) -> np.ndarray:
    """One take as int16 samples, with its leading and trailing silence trimmed.

    The takes carry a variable amount of room silence; trimming it makes the pauses
    we insert the real pauses between digits.
    """
    path = RECORDINGS / f"{digit}_{speaker}_{take}.wav"
    with wave.open(str(path), "rb") as w:
        if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 8 kHz mono 16-bit")
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return _trim(samples)


def _trim(samples: np.ndarray, frame: int = 80) -> np.ndarray:
    # 10 ms frames; keep everything between the first and last frame whose energy is
    # within 40 dB of the loudest, plus 30 ms each side, so that soft onsets and codas
    # ("f" of five, "s" of six) stay intact and only the room silence goes.
    n = len(samples) // frame
    if n < 3:
        return samples
    frames = samples[: n * frame].astype(np.float64).reshape(n, frame)
    rms = np.sqrt((frames**2).mean(axis=1)) + 1e-9
    loud = np.nonzero(rms > rms.max() * 10 ** (-40 / 20))[0]
    first, last = max(loud[0] - 3, 0), min(loud[-1] + 4, n)
    return samples[first * frame : last * frame]


def random_us_number(rng: random.Random) -> str:
    """Ten digits that ``phonenumbers`` accepts as a valid US number (NANP rules and more)."""
    while True:
        digits = (
            str(rng.randint(2, 9))
            + "".join(str(rng.randint(0, 9)) for _ in range(2))
            + str(rng.randint(2, 9))
            + "".join(str(rng.randint(0, 9)) for _ in range(6))
        )
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "US")):
            return digits


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.int16)


def splice(digits: str, speaker: str, rng: random.Random, *, repeated: bool = False) -> bytes:
    """The digits said by ``speaker`` as a WAV: groups 3-3-4, said twice when ``repeated``."""
    parts: list[np.ndarray] = [_silence(EDGE_S)]
    for reading in range(2 if repeated else 1):
        if reading:
            parts.append(_silence(REPEAT_GAP_S))
        for i, digit in enumerate(digits):
            if i in (3, 6) or (len(digits) != 10 and i and i % 3 == 0):
                parts.append(_silence(GROUP_GAP_S))
            elif i:
                parts.append(_silence(DIGIT_GAP_S))
            # A different take each time, as a person never says a digit the same way twice.
            parts.append(load_take(int(digit), speaker, rng.randrange(TAKES)))
    parts.append(_silence(EDGE_S))
    return to_wav(np.concatenate(parts))


def to_wav(samples: np.ndarray, rate: int = RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())
    return buffer.getvalue()


def spoken_numbers(n: int, seed: int = 3) -> list[SpokenNumber]:
    """``n`` spoken numbers, reproducible from ``seed``; every other one said twice."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        digits = random_us_number(rng)
        speaker = rng.choice(SPEAKERS)
        repeated = i % 2 == 1
        wav = splice(digits, speaker, rng, repeated=repeated)
        duration = (len(wav) - 44) / 2 / RATE
        e164 = "+1" + digits
        out.append(SpokenNumber(digits, e164, speaker, repeated, wav, duration))
    return out


def available() -> bool:
    return RECORDINGS.is_dir() and any(RECORDINGS.glob("*.wav"))
