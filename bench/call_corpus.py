"""Two-party stereo test calls spliced from real speech, with ground truth from the build.

No synthetic speech and no second human voice is installed, so both parties are Debian's
``asterisk-core-sounds-en-wav`` prompts (Allison Smith, real 8 kHz recordings): the rep on
the left channel as recorded, the customer on the right slowed by 12 % (a lower, slower
voice, so a mono mix-down is not one voice twice). What makes it a conversation is the
timing, and every time is known because we place it:

* turns alternate with pauses of 0.3-1.2 s; a turn is 1-3 phrases 0.6-0.9 s apart (longer
  than the 0.5 s that ends an utterance, so the reference and the metric count talk the
  same way: speech only, not the pauses between phrases);
* every third customer turn is a story (4-6 phrases) during which the rep says "O K"
  (two letter prompts, 0.15 s apart) in a pause of the story: a backchannel;
* every fourth rep turn cuts in 1.0-1.4 s before the customer has finished: an interruption;
* some rep turns end with "Which folder should I save the message to?": an open question;
* now and then a 4-10 s silence (someone looking something up).

    python bench/call_corpus.py OUT.wav --seconds 60 [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import wave
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import voicemail_corpus as vc

RATE = vc.RATE
SLOW = 1.12  # the customer's voice: 12 % slower and lower
QUESTION = "vm-savefolder"
NOISE_RMS = 5.0


@dataclass
class Truth:
    duration: float = 0.0
    talk: dict[str, float] = field(default_factory=lambda: {"rep": 0.0, "customer": 0.0})
    turns: dict[str, int] = field(default_factory=lambda: {"rep": 0, "customer": 0})
    interruptions: list[float] = field(default_factory=list)  # rep starts
    backchannels: list[float] = field(default_factory=list)
    questions: list[float] = field(default_factory=list)  # rep open questions
    intervals: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {"rep": [], "customer": []}
    )
    # What each party said, as (start, the prompt's transcript): the reference words of a
    # channel are these texts in time order (``said_text``).
    said: dict[str, list[tuple[float, str]]] = field(
        default_factory=lambda: {"rep": [], "customer": []}
    )

    def said_text(self, speaker: str) -> str:
        """Everything ``speaker`` said, in order: the reference transcript of their channel."""
        return " ".join(text for _, text in sorted(self.said[speaker]))

    @property
    def talk_share_rep(self) -> float:
        both = self.talk["rep"] + self.talk["customer"]
        return self.talk["rep"] / both if both else 0.0


def available() -> bool:
    return vc.SOUNDS.is_dir() and vc.TRANSCRIPTS.is_file()


def _slow(samples: np.ndarray) -> np.ndarray:
    n = int(len(samples) * SLOW)
    return np.interp(np.arange(n) / SLOW, np.arange(len(samples)), samples).astype(np.int16)


@lru_cache(maxsize=1)
def _phrases() -> tuple[Path, ...]:
    return tuple(p.path for p, s in vc.carriers() if 1.0 <= s <= 4.5)


@lru_cache(maxsize=1)
def _texts() -> dict[Path, str]:
    return {p.path: p.text for p in vc.all_prompts()}


@lru_cache(maxsize=1)
def _okay() -> np.ndarray:
    o = vc.load(vc.SOUNDS / "letters" / "o.wav")
    k = vc.load(vc.SOUNDS / "letters" / "k.wav")
    return np.concatenate([o, np.zeros(int(0.15 * RATE), np.int16), k])


def build(seconds: float, seed: int = 0) -> tuple[np.ndarray, Truth]:
    """A call of exactly ``seconds``: (n, 2) int16 samples at 8 kHz, and its truth."""
    rng = random.Random(seed)
    total = round(seconds * RATE)
    out = np.zeros((total, 2), dtype=np.int16)
    truth = Truth(duration=total / RATE)
    phrases = _phrases()
    if not phrases:
        raise RuntimeError(f"no Asterisk prompts with transcripts under {vc.SOUNDS}")
    question = vc.load(vc.SOUNDS / f"{QUESTION}.wav")

    def place(channel: int, samples: np.ndarray, at: int) -> int | None:
        end = at + len(samples)
        if end > total - int(0.3 * RATE):
            return None
        out[at:end, channel] = samples
        return end

    t = int(rng.uniform(0.4, 0.8) * RATE)
    speaker = "rep"
    turn_no = {"rep": 0, "customer": 0}
    last_customer_end = 0
    last_customer_phrase = 0.0
    while True:
        channel = 0 if speaker == "rep" else 1
        turn_no[speaker] += 1
        n = turn_no[speaker]
        story = speaker == "customer" and n % 3 == 0
        count = rng.randint(4, 6) if story else rng.randint(1, 3)
        start = t
        if speaker == "rep" and n % 4 == 0 and last_customer_end:
            # Cut in while the customer's last phrase is still going on (never before it
            # began, never on top of the rep's own backchannel).
            cut = min(rng.uniform(1.0, 1.4), last_customer_end / RATE - last_customer_phrase - 0.2)
            rep_reach = max((b for _, b in truth.intervals["rep"]), default=0.0)
            if cut > 0.7 and last_customer_end / RATE - cut > rep_reach + 0.6:
                start = last_customer_end - int(cut * RATE)
        chosen = [rng.choice(phrases) for _ in range(count)]
        pieces = [vc.load(path) for path in chosen]
        if speaker == "customer":
            pieces = [_slow(p) for p in pieces]
        elif n % 3 == 1:
            pieces.append(question)
            chosen.append(vc.SOUNDS / f"{QUESTION}.wav")
        cursor, placed, first = start, [], True
        backchannel_at = rng.randint(1, count - 1) if story else -1
        for i, piece in enumerate(pieces):
            if not first:
                pause = rng.uniform(0.6, 0.9)
                if i == backchannel_at:
                    pause = 1.1  # room for the rep's "O K" in the customer's pause
                    ok_at = cursor + int(0.3 * RATE)
                    if place(0, _okay(), ok_at) is not None:
                        truth.backchannels.append(ok_at / RATE)
                        truth.intervals["rep"].append((ok_at / RATE, (ok_at + len(_okay())) / RATE))
                        truth.said["rep"].append((ok_at / RATE, "O K"))
                cursor += int(pause * RATE)
            end = place(channel, piece, cursor)
            if end is None:
                break
            placed.append((cursor / RATE, end / RATE))
            truth.said[speaker].append((cursor / RATE, _texts()[chosen[i]]))
            if speaker == "rep" and piece is question:
                truth.questions.append(cursor / RATE)
            cursor, first = end, False
        if not placed:
            break
        if start < t:
            truth.interruptions.append(start / RATE)
        truth.intervals[speaker] += placed
        truth.turns[speaker] += 1
        if speaker == "customer":
            last_customer_end = cursor
            last_customer_phrase = placed[-1][0]
        t = max(t, cursor) + int(rng.uniform(0.3, 1.2) * RATE)
        if rng.random() < 0.06:
            t += int(rng.uniform(4, 10) * RATE)
        speaker = "customer" if speaker == "rep" else "rep"
    for s in ("rep", "customer"):
        truth.talk[s] = sum(b - a for a, b in truth.intervals[s])
    # A cut-in counts only if it really overlaps the customer by more than 0.5 s (a turn
    # truncated at the end of the file may not).
    truth.interruptions = [
        at
        for at in truth.interruptions
        if any(a < at and min(b, at + 10) - at > 0.6 for a, b in truth.intervals["customer"])
    ]
    noise = np.random.default_rng(seed).normal(0, NOISE_RMS, size=out.shape)
    out = np.clip(out.astype(np.float64) + noise, -32768, 32767).astype(np.int16)
    return out, truth


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1] if samples.ndim == 2 else 1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(samples).tobytes())


def write(path: Path, seconds: float, seed: int = 0) -> Truth:
    samples, truth = build(seconds, seed)
    write_wav(path, samples)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    truth = write(args.out, args.seconds, args.seed)
    print(
        f"{args.out}: {truth.duration:.1f} s, rep share {truth.talk_share_rep:.3f}, "
        f"{len(truth.interruptions)} interruptions, {len(truth.backchannels)} backchannels"
    )


if __name__ == "__main__":
    main()
