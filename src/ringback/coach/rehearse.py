"""``ringback coach rehearse``: a practice voicemail, heard and measured.

The recording is transcribed offline (the voicemail Whisper model), the words are scored by
the same rules as a written script (``score_script``), and the delivery is measured from
the audio and the word times: length, speaking rate, pauses, pitch variation (Praat's
pitch tracker through ``praat-parselmouth``), filler words, how fast the callback number
was said (digits per second), and how far the words strayed from the script. Everything
becomes a list of problems ranked by how much they cost a returned call; the top three
are what to change before the next take.

Seeds 001 and 004: enthusiasm and tone are felt through the phone; a message must be
brief and make it easy to act, so the number has to be catchable on the first listen.
"""

from __future__ import annotations

import difflib
import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ringback.timefmt import plural
from ringback.words import plain_words

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.coach.scoring import Score
    from ringback.speech.types import Word

NUMBER_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
# Slow enough to write down on the first listen: a ten-digit number over five seconds or
# more (the three groups with a breath between them).
MAX_DIGITS_PER_SECOND = 2.0
RATE_RANGE = (130.0, 170.0)  # words per minute: the coach's 150 wpm, give or take
LONG_PAUSE = 2.0
PAUSE = 0.3
# Pitch spread, in semitones (standard deviation around the median): under 1.5 sounds
# monotone; lively conversational speech spreads 2-4 semitones.
MONOTONE_SEMITONES = 1.5
IDEAL_SECONDS = (20.0, 30.0)


class NoSpeech(ValueError):
    """The take holds no words to measure."""


@dataclass(frozen=True)
class NumberSaid:
    text: str
    digits: int
    start: float
    end: float

    @property
    def digits_per_second(self) -> float:
        return self.digits / max(self.end - self.start, 1e-3)


@dataclass(frozen=True)
class Change:
    weight: int  # how much it costs a returned call, for ranking
    what: str
    how: str


@dataclass
class Rehearsal:
    transcript: str
    duration: float
    speech_seconds: float
    words: int
    words_per_minute: float
    pauses: int
    long_pauses: int
    longest_pause: float
    pitch_median_hz: float | None
    pitch_variation_semitones: float | None
    fillers: int
    numbers: list[NumberSaid]
    script_similarity: float | None
    script_missing: list[str]
    script_added: list[str]
    score: Score | None
    script_number: bool = False  # the script holds a phone number to listen for
    changes: list[Change] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "duration": round(self.duration, 2),
            "speech_seconds": round(self.speech_seconds, 2),
            "words": self.words,
            "words_per_minute": round(self.words_per_minute, 1),
            "pauses": {
                "count": self.pauses,
                "long": self.long_pauses,
                "longest_seconds": round(self.longest_pause, 2),
            },
            "pitch": {
                "median_hz": _r(self.pitch_median_hz, 1),
                "variation_semitones": _r(self.pitch_variation_semitones, 2),
                "monotone": (
                    None
                    if self.pitch_variation_semitones is None
                    else self.pitch_variation_semitones < MONOTONE_SEMITONES
                ),
            },
            "fillers": self.fillers,
            "callback_numbers": [
                {
                    "text": n.text,
                    "digits": n.digits,
                    "start": round(n.start, 2),
                    "seconds": round(n.end - n.start, 2),
                    "digits_per_second": round(n.digits_per_second, 2),
                    "slow_enough": n.digits_per_second <= MAX_DIGITS_PER_SECOND,
                }
                for n in self.numbers
            ],
            "script": (
                None
                if self.script_similarity is None
                else {
                    "similarity": round(self.script_similarity, 3),
                    "missing": self.script_missing,
                    "added": self.script_added,
                }
            ),
            "score": self.score.as_json() if self.score else None,
            "top_changes": [{"what": c.what, "how": c.how} for c in self.changes[:3]],
        }


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def numbers_said(words: tuple[Word, ...], *, region: str, min_digits: int = 7) -> list[NumberSaid]:
    """Each time a phone number was said, with its timing: the readings of
    ``ringback.extract.find_readings`` (the callback-number reader of the inbox, which
    knows "four one five", "415-555-0137" and "double five") that hold at least
    ``min_digits`` digits and carry word times."""
    from ringback.extract import find_readings

    text = "".join(w.text for w in words)
    valid, partial = find_readings(text, words, region=region)
    out = [
        NumberSaid(r.span.strip(), len(r.digits), r.start_time, r.end_time)
        for r in sorted(valid + partial, key=lambda r: r.position)
        if len(r.digits) >= min_digits and r.start_time is not None and r.end_time is not None
    ]
    return out


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for token in plain_words(text):
        if token.isdigit():
            out.extend(token)  # "415" and "four one five" compare digit by digit
        else:
            out.append(NUMBER_WORDS.get(token, token) if token != "o" else token)
    return out


def script_deviation(script: str, said: str) -> tuple[float, list[str], list[str]]:
    """(similarity 0-1, phrases of the script not said, phrases said that are not in it)."""
    a, b = _tokens(script), _tokens(said)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    missing, added = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace") and i2 > i1:
            missing.append(" ".join(a[i1:i2]))
        if op in ("insert", "replace") and j2 > j1:
            added.append(" ".join(b[j1:j2]))
    return matcher.ratio(), missing, added


def pitch_stats(samples: npt.NDArray[np.float32], rate: int = 16_000) -> tuple[float, float] | None:
    """(median F0 in Hz, spread in semitones) of the voiced frames, or None if no voice or
    no parselmouth."""
    try:
        import parselmouth
    except ImportError:
        return None
    import numpy as np

    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=rate)
    pitch = sound.to_pitch(time_step=0.01, pitch_floor=75.0, pitch_ceiling=500.0)
    f0 = np.asarray(pitch.selected_array["frequency"], dtype=np.float64)
    f0 = f0[f0 > 0]
    if f0.size < 20:  # under 0.2 s of voice: nothing to judge
        return None
    median = float(np.median(f0))
    semitones = 12 * np.log2(f0 / median)
    return median, float(np.std(semitones))


def rank_changes(r: Rehearsal) -> list[Change]:
    """What to change before the next take, the costliest to a returned call first."""
    changes = [c for c in (_number_change(r), _script_change(r)) if c is not None]
    # Wording is what `coach score` judges on the script; in a rehearsal the delivery
    # problems above come first, the words' findings after them.
    changes += _wording_changes(r)
    changes += [c for check in _DELIVERY_CHECKS if (c := check(r)) is not None]
    # A stable sort: changes of equal weight stay in the order they were found.
    return sorted(changes, key=lambda c: -c.weight)


def _number_change(r: Rehearsal) -> Change | None:
    """The callback number said too fast to write down, or not heard at all."""
    fast = [n for n in r.numbers if n.digits_per_second > MAX_DIGITS_PER_SECOND]
    if fast:
        n = fast[0]
        return Change(
            10,
            f"Your number went by at {n.digits_per_second:.1f} digits a second "
            f"({n.end - n.start:.1f} s for {n.digits} digits).",
            "Say it in its three groups with a breath between them, at most 2 digits a "
            "second, as if they were writing it down; then say it once more.",
        )
    if not r.numbers and r.script_number:
        return Change(
            9,
            "Your callback number was not understood (the transcription could not read it).",
            "Say it slowly in its three groups, each digit clearly, and say it twice.",
        )
    return None


def _script_change(r: Rehearsal) -> Change | None:
    """The take strayed from the script it rehearses."""
    if r.script_similarity is None or r.script_similarity >= 0.8:
        return None
    lost = "; ".join(f"“{m}”" for m in r.script_missing[:2])
    return Change(
        8,
        f"You strayed from the script ({r.script_similarity:.0%} the same)"
        + (f": left out {lost}" if lost else "")
        + ".",
        "Rehearse the message until the key parts (your name, their goal, the next "
        "step, the number) come out every time.",
    )


def _wording_changes(r: Rehearsal) -> list[Change]:
    """The wording rules the transcript failed, capped below the delivery problems."""
    return [
        Change(min(finding.weight, 7), f"{finding.title}: {finding.message}", finding.hint)
        for finding in (r.score.failed if r.score else ())
    ]


def _length_change(r: Rehearsal) -> Change | None:
    if r.duration > 45 or r.speech_seconds > IDEAL_SECONDS[1] + 5:
        return Change(
            7,
            f"The message runs {r.speech_seconds:.0f} s.",
            "Aim for 20–30 seconds: one reason for calling, one next step, the number.",
        )
    return None


def _pitch_change(r: Rehearsal) -> Change | None:
    if r.pitch_variation_semitones is not None and r.pitch_variation_semitones < MONOTONE_SEMITONES:
        return Change(
            6,
            f"Your voice sounds flat (pitch varies {r.pitch_variation_semitones:.1f} semitones).",
            "Stand up and smile while you record; lift your voice on their name and on "
            "the value for them, so the enthusiasm is heard.",
        )
    return None


def _rate_change(r: Rehearsal) -> Change | None:
    low, high = RATE_RANGE
    if r.words >= 10 and not low <= r.words_per_minute <= high:
        too = "fast" if r.words_per_minute > high else "slow"
        return Change(
            5,
            f"You spoke {too}: {r.words_per_minute:.0f} words a minute.",
            "About 150 words a minute is easy to follow on a phone line.",
        )
    return None


def _filler_change(r: Rehearsal) -> Change | None:
    if r.fillers >= 2:
        return Change(
            4,
            f"{r.fillers} filler words (um, uh, you know).",
            "Pause silently instead; a short pause sounds confident, a filler does not.",
        )
    return None


def _pause_change(r: Rehearsal) -> Change | None:
    if r.long_pauses:
        return Change(
            3,
            f"{plural(r.long_pauses, 'pause')} over {LONG_PAUSE:.0f} s (longest {r.longest_pause:.1f} s).",
            "Know the next sentence before you dial; on voicemail a long pause sounds "
            "like the call dropped.",
        )
    return None


# How it was said, in the order the changes are listed when they weigh the same.
_DELIVERY_CHECKS = (_length_change, _pitch_change, _rate_change, _filler_change, _pause_change)


def rehearse(
    samples: npt.NDArray[np.float32], *, script: str | None, transcriber: Any, region: str
) -> Rehearsal:
    """Measure one practice take (16 kHz mono samples); numbers said are read as
    ``region``'s (the user's default region)."""
    from ringback.calls.metrics import count_fillers
    from ringback.calls.model import SpokenWord
    from ringback.coach.scoring import score_script
    from ringback.coach.text import ScriptError

    transcript = transcriber.transcribe(samples)
    words = transcript.words
    text = transcript.text.strip()
    if not words or not text:
        raise NoSpeech("no words were heard")
    try:
        score: Score | None = score_script(text)
    except ScriptError:  # e.g. only a number was said: nothing for the wording rules to read
        score = None
    speech = (words[-1].end - words[0].start) if words else 0.0
    gaps = [b.start - a.end for a, b in itertools.pairwise(words)]
    pauses = [g for g in gaps if g >= PAUSE]
    spoken = [SpokenWord("rep", w.text.strip(), w.start, w.end) for w in words]
    pitch = pitch_stats(samples)
    similarity, missing, added = (None, [], []) if not script else script_deviation(script, text)
    result = Rehearsal(
        transcript=text,
        duration=float(len(samples)) / 16_000,
        speech_seconds=speech,
        words=len(words),
        words_per_minute=len(words) / (speech / 60) if speech > 0 else 0.0,
        pauses=len(pauses),
        long_pauses=sum(1 for g in pauses if g >= LONG_PAUSE),
        longest_pause=max(pauses, default=0.0),
        pitch_median_hz=pitch[0] if pitch else None,
        pitch_variation_semitones=pitch[1] if pitch else None,
        fillers=count_fillers(spoken),
        numbers=numbers_said(words, region=region),
        script_similarity=similarity,
        script_missing=missing,
        script_added=added,
        score=score,
        script_number=bool(script) and sum(t.isdigit() for t in _tokens(script or "")) >= 7,
    )
    result.changes = rank_changes(result)
    if not math.isfinite(result.words_per_minute):
        result.words_per_minute = 0.0
    return result
