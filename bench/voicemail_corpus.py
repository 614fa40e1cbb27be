"""Realistic test voicemails spliced from real 8 kHz recordings (no synthetic speech).

A voicemail here is what a phone system hands Ringback: an 8 kHz mono 16-bit WAV of a
given length. Its words are real recorded speech:

* carrier phrases: Debian's ``asterisk-core-sounds-en-wav`` prompts (a professional
  voice, recorded at 8 kHz), whose transcripts come from ``asterisk-core-sounds-en``;
* a callback number: ten real digit takes from the Free Spoken Digit Dataset
  (``../shared/eval/fsdd/recordings``), grouped 3-3-4 like a person reads a US number,
  said twice in longer messages (see ``bench/fsdd.py``).

Between pieces there are natural pauses (0.3–1.2 s, now and then a 3–8 s silence) over a
faint line-noise floor, and a short silence at either end. The length is exact: the
message is filled with phrases while they fit, then padded with silence. The same
``seed`` gives the same bytes; different seeds give different messages (distinct
content hashes, so the pipeline's content-addressed dedupe never skips one).

    python bench/voicemail_corpus.py OUT.wav --seconds 30 [--seed 1]
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import fsdd

RATE = 8000
SOUNDS = Path("/usr/share/asterisk/sounds/en")
TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")

EDGE_S = (0.3, 0.8)  # silence before the first and after the last word
PAUSE_S = (0.3, 1.2)  # between phrases
LONG_PAUSE_S = (3.0, 8.0)  # a caller thinking, or looking something up
LONG_PAUSE_P = 0.08
NOISE_RMS = 6.0  # int16 units: a faint line hiss, well under any speech
PEAK = 0.5 * 32767  # every piece is levelled to this peak (one caller, one line)
PHRASE_S = (0.8, 6.0)  # carrier phrases of a natural sentence length


@dataclass(frozen=True)
class Prompt:
    name: str  # e.g. "vm-goodbye" or "digits/5"
    path: Path
    text: str  # the reference transcript


@dataclass(frozen=True)
class SpokenMessage:
    wav: bytes  # 8 kHz mono 16-bit WAV
    duration: float  # seconds, exactly as requested (to the sample)
    digits: str  # the callback number said, ten digits ("" when none)
    e164: str | None
    repeated: bool  # the number said twice
    text: str  # what is said, in order (prompts' transcripts; the number as digits)
    speech_seconds: float


def available() -> bool:
    """Both the Asterisk prompts (with transcripts) and the FSDD digits are installed."""
    return SOUNDS.is_dir() and TRANSCRIPTS.is_file() and fsdd.available()


@lru_cache(maxsize=1)
def all_prompts() -> tuple[Prompt, ...]:
    """Every prompt that has a WAV file and a transcript, sorted by name."""
    out = []
    with gzip.open(TRANSCRIPTS, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith(";") or ": " not in line:
                continue
            name, text = line.split(": ", 1)
            path = SOUNDS / f"{name.strip()}.wav"
            if path.is_file() and text.strip():
                out.append(Prompt(name.strip(), path, text.strip()))
    return tuple(sorted(out, key=lambda p: p.name))


def speech_prompts() -> list[Prompt]:
    """Prompts that are words (not tones, not '[…]' descriptions, not silence)."""
    return [
        p
        for p in all_prompts()
        if "[" not in p.text
        and not p.name.startswith("silence/")
        and any(c.isalpha() for c in p.text)
    ]


@lru_cache(maxsize=2048)
def load(path: Path) -> np.ndarray:
    """A WAV as int16 at 8 kHz mono, its room silence trimmed, levelled to PEAK."""
    with wave.open(str(path), "rb") as w:
        if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 8 kHz mono 16-bit")
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return _level(fsdd._trim(samples))


def _level(samples: np.ndarray) -> np.ndarray:
    peak = float(np.abs(samples.astype(np.float64)).max()) if samples.size else 0.0
    if peak < 1.0:
        return samples
    return np.clip(samples.astype(np.float64) * (PEAK / peak), -32768, 32767).astype(np.int16)


@lru_cache(maxsize=1)
def carriers() -> tuple[tuple[Prompt, float], ...]:
    """Carrier phrases (with their trimmed durations) of a sentence's length, no figures."""
    out = []
    for p in speech_prompts():
        if any(c.isdigit() for c in p.text) or "/" in p.name:
            continue
        seconds = len(load(p.path)) / RATE
        if PHRASE_S[0] <= seconds <= PHRASE_S[1]:
            out.append((p, seconds))
    return tuple(out)


def spoken_number(digits: str, speaker: str, rng: random.Random, *, repeated: bool) -> np.ndarray:
    """The ten FSDD takes, 3-3-4 with the pauses of ``bench/fsdd.py``, once or twice."""
    parts: list[np.ndarray] = []
    for reading in range(2 if repeated else 1):
        if reading:
            parts.append(_gap(fsdd.REPEAT_GAP_S))
        for i, digit in enumerate(digits):
            if i in (3, 6):
                parts.append(_gap(fsdd.GROUP_GAP_S))
            elif i:
                parts.append(_gap(fsdd.DIGIT_GAP_S))
            parts.append(_level(fsdd.load_take(int(digit), speaker, rng.randrange(fsdd.TAKES))))
    return np.concatenate(parts)


def _gap(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.int16)


def build(seconds: float, seed: int = 0, *, number: bool = True) -> SpokenMessage:
    """A voicemail of exactly ``seconds``: phrases, the callback number, phrases, silence."""
    if seconds < 3:
        raise ValueError("a voicemail needs at least 3 seconds")
    rng = random.Random(seed)
    total = round(seconds * RATE)
    phrases = carriers()
    if not phrases:
        raise RuntimeError(f"no Asterisk prompts with transcripts under {SOUNDS}")
    head = _gap(rng.uniform(*EDGE_S))
    tail = round(rng.uniform(*EDGE_S) * RATE)
    parts: list[np.ndarray] = [head]
    words: list[str] = []
    used = len(head)
    digits, e164, repeated = "", None, False
    number_audio = None
    if number:
        digits = fsdd.random_us_number(rng)
        e164 = "+1" + digits
        repeated = seconds >= 25
        speaker = rng.choice(fsdd.SPEAKERS)
        number_audio = spoken_number(digits, speaker, rng, repeated=repeated)
        if used + len(number_audio) + tail > total:
            repeated = False
            number_audio = spoken_number(digits, speaker, rng, repeated=False)
        if used + len(number_audio) + tail > total:
            raise ValueError(f"{seconds} s is too short for a callback number")
    # Say the number after one or two opening phrases (as a caller would), or at once.
    number_after = rng.randint(1, 2)
    speech = 0
    said = 0
    while True:
        if number_audio is not None and said == number_after:
            parts.append(number_audio)
            used += len(number_audio)
            speech += len(number_audio)
            words.append(" ".join(digits) + (" " + " ".join(digits) if repeated else ""))
            number_audio = None
            pause = _gap(rng.uniform(*PAUSE_S))
            parts.append(pause)
            used += len(pause)
        room = total - tail - used
        # Keep room for the number if it is still to come.
        reserve = len(number_audio) + round(PAUSE_S[1] * RATE) if number_audio is not None else 0
        fitting = [(p, s) for p, s in phrases if round(s * RATE) <= room - reserve]
        if not fitting:
            if number_audio is not None:
                said = number_after  # no more phrases fit: say the number now
                continue
            break
        prompt, _ = rng.choice(fitting)
        clip = load(prompt.path)
        parts.append(clip)
        used += len(clip)
        speech += len(clip)
        words.append(prompt.text)
        said += 1
        lo, hi = LONG_PAUSE_S if rng.random() < LONG_PAUSE_P else PAUSE_S
        pause = _gap(min(rng.uniform(lo, hi), max(0.0, (total - tail - used) / RATE)))
        parts.append(pause)
        used += len(pause)
    audio = np.concatenate(parts)[:total]
    if len(audio) < total:
        audio = np.concatenate([audio, np.zeros(total - len(audio), dtype=np.int16)])
    noise = np.random.default_rng(seed).normal(0.0, NOISE_RMS, total)
    mixed = np.clip(audio.astype(np.float64) + noise, -32768, 32767).astype(np.int16)
    return SpokenMessage(
        wav=fsdd.to_wav(mixed),
        duration=total / RATE,
        digits=digits,
        e164=e164,
        repeated=repeated,
        text=" ".join(words),
        speech_seconds=round(speech / RATE, 2),
    )


def write(path: Path, seconds: float, seed: int = 0, *, number: bool = True) -> SpokenMessage:
    """Build a voicemail and write it to ``path`` (WAV); returns what was said."""
    message = build(seconds, seed, number=number)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(message.wav)
    return message


def write_long(path: Path, seconds: float, seed: int = 0, *, block_s: float = 300.0) -> float:
    """A long message (an hour) written block by block, so building it stays small in memory.

    Each block is a :func:`build` message of ``block_s`` (its own callback number and
    pauses); the blocks follow one another in one WAV. Returns the duration written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    total = round(seconds * RATE)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        block = 0
        while written < total:
            size = min(round(block_s * RATE), total - written)
            if size < 3 * RATE:
                w.writeframes(np.zeros(size, dtype=np.int16).tobytes())
            else:
                wav = build(size / RATE, seed * 100_003 + block).wav
                w.writeframes(wav[44:])
            written += size
            block += 1
    return written / RATE


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("out", type=Path, help="WAV file to write")
    parser.add_argument("--seconds", type=float, default=30.0, help="length (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument("--no-number", action="store_true", help="no callback number")
    args = parser.parse_args()
    if not available():
        raise SystemExit(f"need {SOUNDS}, {TRANSCRIPTS} and {fsdd.RECORDINGS}")
    if args.seconds > 600:
        seconds = write_long(args.out, args.seconds, args.seed)
        print(f"{args.out}: {seconds:.1f} s")
        return
    message = write(args.out, args.seconds, args.seed, number=not args.no_number)
    print(f"{args.out}: {message.duration:.2f} s, speech {message.speech_seconds} s")
    print(f"number: {message.e164} (said twice: {message.repeated})")
    print(f"text: {message.text}")


if __name__ == "__main__":
    main()
