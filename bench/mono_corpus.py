"""Two real voices mixed into one channel at known times: test calls for the mono fallback.

The stereo corpus (``bench/call_corpus.py``) has one real voice (Allison Smith's Asterisk
prompts) on both sides; a mono mix-down of it would be one person twice. Here the two
parties are two different people:

* ``allison``: Debian's ``asterisk-core-sounds-en-wav`` carrier phrases (1-4.5 s, real
  8 kHz recordings, a woman's voice);
* ``allison-low``: the same prompts 12 % slower and lower (as ``bench/call_corpus.py``
  makes its customer): two close voices, the hard case;
* ``george``, ``jackson``, ``lucas``, ``nicolas``: the four speakers of the Free Spoken
  Digit Dataset (``../shared/eval/fsdd``, real 8 kHz takes, men's voices). Their "phrase"
  is a group of three or four digits read the way people read a phone number.

Turns alternate with pauses of 0.3-1.0 s; a turn is 1-3 phrases 0.6-0.9 s apart (longer
than the 0.5 s that ends an utterance, so the reference and the metric count talk the
same way); every fifth turn or so is a one-word answer (a single digit, or a short
prompt such as "sorry"), the short turns a diarizer finds hardest. The two parties are
levelled differently (the far end of a phone line is often quieter) and a faint noise
floor lies under both. No overlap: every time is exact, so the reference is exact.

    python bench/mono_corpus.py OUT.wav --seconds 60 --voices allison,george [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import fsdd
from bench import voicemail_corpus as vc

RATE = vc.RATE
VOICES = ("allison", "allison-low", *fsdd.SPEAKERS)
NOISE_RMS = 5.0
SHORT_TURN_P = 0.2
# Short Asterisk prompts for Allison's one-word answers.
_SHORT_PROMPTS = ("hello", "sorry", "goodbye", "digits/1", "digits/2", "digits/5")


@dataclass
class Truth:
    duration: float = 0.0
    voices: tuple[str, str] = ("", "")  # (rep, customer): the rep speaks first
    intervals: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {"rep": [], "customer": []}
    )

    @property
    def talk(self) -> dict[str, float]:
        return {s: sum(b - a for a, b in v) for s, v in self.intervals.items()}

    @property
    def talk_share_rep(self) -> float:
        talk = self.talk
        both = talk["rep"] + talk["customer"]
        return talk["rep"] / both if both else 0.0

    def speaker_at(self, t: float) -> str | None:
        for s, spans in self.intervals.items():
            if any(a <= t <= b for a, b in spans):
                return s
        return None


def available(voices: tuple[str, ...] = VOICES) -> bool:
    need_allison = any(v.startswith("allison") for v in voices)
    need_fsdd = any(not v.startswith("allison") for v in voices)
    return (not need_allison or vc.available()) and (not need_fsdd or fsdd.available())


@lru_cache(maxsize=1)
def _allison_phrases() -> tuple[Path, ...]:
    return tuple(p.path for p, s in vc.carriers() if 1.0 <= s <= 4.5)


def _pick_up(voice: str, rng: random.Random) -> np.ndarray:
    """How someone answers the phone: Allison's "Hello", or one digit from an FSDD speaker
    (0.3-0.5 s, as long as a "Hello?")."""
    if voice.startswith("allison") and (vc.SOUNDS / "hello.wav").is_file():
        hello = vc.load(vc.SOUNDS / "hello.wav")
        if voice == "allison-low":
            from bench.call_corpus import _slow

            hello = _slow(hello)
        return hello
    return _phrase(voice, rng, short=True)


def _phrase(voice: str, rng: random.Random, *, short: bool) -> np.ndarray:
    if voice == "allison-low":
        from bench.call_corpus import _slow

        return _slow(_phrase("allison", rng, short=short))
    if voice == "allison":
        if short:
            name = rng.choice(_SHORT_PROMPTS)
            path = vc.SOUNDS / f"{name}.wav"
            if path.is_file():
                return vc.load(path)
        return vc.load(rng.choice(_allison_phrases()))
    count = 1 if short else rng.choice((3, 3, 4))
    parts: list[np.ndarray] = []
    for i in range(count):
        if i:
            parts.append(np.zeros(round(fsdd.DIGIT_GAP_S * RATE), dtype=np.int16))
        take = fsdd.load_take(rng.randrange(10), voice, rng.randrange(fsdd.TAKES))
        parts.append(vc._level(take))
    return np.concatenate(parts)


def build(
    seconds: float,
    voices: tuple[str, str] = ("allison", "george"),
    seed: int = 0,
    *,
    picked_up: bool = False,
) -> tuple[np.ndarray, Truth]:
    """A mono call of exactly ``seconds``: int16 samples at 8 kHz, and its truth. The
    first voice of ``voices`` is the rep and takes the first real turn (the rep of
    ``--rep-channel 0``); with ``picked_up`` the customer (the second voice) first
    answers with one word, as whoever picks up says "Hello?" before the caller speaks."""
    rng = random.Random(seed)
    total = round(seconds * RATE)
    mix = np.zeros(total, dtype=np.float64)
    truth = Truth(duration=total / RATE, voices=voices)
    gain = {"rep": 1.0, "customer": rng.uniform(0.4, 0.9)}
    if rng.random() < 0.5:
        gain = {"rep": gain["customer"], "customer": 1.0}
    t = int(rng.uniform(0.4, 0.8) * RATE)
    speaker = "customer" if picked_up else "rep"
    turn = 0
    while True:
        voice = voices[0] if speaker == "rep" else voices[1]
        # The pick-up is one short word; the turn after it (the caller's introduction) and
        # the rep's first turn are real turns, never one-word replies.
        pick_up = picked_up and turn == 0
        short = pick_up or (turn > int(picked_up) and rng.random() < SHORT_TURN_P)
        count = 1 if short else rng.randint(1, 3)
        cursor, placed = t, []
        for i in range(count):
            if i:
                cursor += int(rng.uniform(0.6, 0.9) * RATE)
            piece = _pick_up(voice, rng) if pick_up else _phrase(voice, rng, short=short)
            end = cursor + len(piece)
            if end > total - int(0.3 * RATE):
                break
            mix[cursor:end] += piece * gain[speaker]
            placed.append((cursor / RATE, end / RATE))
            cursor = end
        if not placed:
            break
        truth.intervals[speaker] += placed
        turn += 1
        t = cursor + int(rng.uniform(0.3, 1.0) * RATE)
        speaker = "customer" if speaker == "rep" else "rep"
    mix += np.random.default_rng(seed).normal(0, NOISE_RMS, size=total)
    return np.clip(mix, -32768, 32767).astype(np.int16), truth


def write(
    path: Path,
    seconds: float,
    voices: tuple[str, str] = ("allison", "george"),
    seed: int = 0,
    *,
    picked_up: bool = False,
) -> Truth:
    from bench.call_corpus import write_wav

    samples, truth = build(seconds, voices, seed, picked_up=picked_up)
    write_wav(path, samples)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--voices", default="allison,george", help=f"two of {', '.join(VOICES)}")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    a, b = args.voices.split(",")
    truth = write(args.out, args.seconds, (a, b), args.seed)
    print(f"{args.out}: {truth.duration:.1f} s, {a} (rep) share {truth.talk_share_rep:.3f}")


if __name__ == "__main__":
    main()
