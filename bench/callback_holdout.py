"""Callback-number bench, part two: the caller-ID scenario and tuning with a voice held out.

Used by ``bench/bench_callback_numbers.py --caller-id`` and ``--holdout``. Each spoken number
is read once per setting that matters (the transcript cached on disk with ``--cache``):

- ``first``: the transcript's reading alone (no audio repair);
- ``low``: repaired only when the text leaves it unsettled (no valid reading, sayings that
  disagree), whatever its confidence;
- ``high``: repaired always.

The number the product reads with a repair trigger ``t`` (``verify_below``) is ``high`` when
``first.confidence <= t``, else ``low`` — so every trigger is measured without decoding again.

Tunable settings of the reading, and what is tuned here:

- the flag line (``UNSURE_NUMBER``: under it the email and inbox say "check") — tuned;
- the repair trigger (``verify_below``, product default 0.7) — tuned;
- the disagreement confidence (0.7), the repair budget (2 sayings, 40 candidates, 10
  re-checked, 2 nats settled) — held at the product's values (each costs a full decode
  per value; they were set on all four voices in earlier sessions, see docs/benchmarks.md).
"""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers

from bench import fsdd

FLAG_LINES = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
TRIGGERS = (0.6, 0.7, 0.8, 0.85, 0.9, 1.0)
# A wrong number that goes out unflagged costs a lost client; a right one flagged costs a
# glance at the recording. Five to one is the weight the tuning gives them.
WRONG_UNFLAGGED_COST = 5
CALLER_KINDS = ("none", "same", "other line", "different")


@dataclass(frozen=True)
class Outcome:
    truth: str
    speaker: str
    first: tuple[str | None, float]
    low: tuple[str | None, float]
    high: tuple[str | None, float]

    def at(self, trigger: float) -> tuple[str | None, float]:
        return self.high if self.first[1] <= trigger else self.low


def transcript_for(transcriber: Any, sn: fsdd.SpokenNumber, cache: Path | None, key: str) -> Any:
    """Whisper's transcript of one number, from ``cache`` when it is there."""
    from ringback.speech.audio import decode
    from ringback.speech.types import Transcript

    path = cache / f"{key}.json" if cache else None
    if path is not None and path.is_file():
        return Transcript.from_json(json.loads(path.read_text()))
    transcript = transcriber.transcribe(decode(sn.wav))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(transcript.to_json()))
    return transcript


def caller_id_for(i: int, truth: str, rng: random.Random) -> tuple[str, str | None]:
    """The scenario's caller ID for number ``i``: none, the number itself, another line at
    the same place (last two digits changed, as a switchboard's), or another number."""
    kind = CALLER_KINDS[i % 4]
    if kind == "none":
        return kind, None
    if kind == "same":
        return kind, truth
    if kind == "other line":
        while True:
            candidate = truth[:-2] + f"{rng.randrange(100):02d}"
            if candidate != truth and phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
                return kind, candidate
    return kind, "+1" + fsdd.random_us_number(rng)


def flagged(e164: str | None, confidence: float, caller: str | None, checked: bool) -> bool:
    """Whether the subject and invite say "check" (``mail.compose.number_unsure``)."""
    from ringback.extract.callback import UNSURE_NUMBER

    if e164 is None or confidence >= UNSURE_NUMBER:
        return False
    return e164 != caller or checked


def score(outcomes: list[Outcome], trigger: float, flag_line: float) -> dict[str, float | int]:
    """Exact rate, wrong-but-unflagged and right-but-flagged at these settings."""
    exact = wrong_unflagged = right_flagged = 0
    for o in outcomes:
        e164, confidence = o.at(trigger)
        ok = e164 == o.truth
        exact += ok
        wrong_unflagged += not ok and e164 is not None and confidence >= flag_line
        right_flagged += ok and confidence < flag_line
    n = len(outcomes) or 1
    return {
        "n": len(outcomes),
        "exact": round(exact / n, 4),
        "wrong_but_not_flagged": wrong_unflagged,
        "right_but_flagged": right_flagged,
    }


def choose(outcomes: list[Outcome], default: tuple[float, float]) -> tuple[float, float]:
    """The repair trigger with the best exact rate, then the flag line with the lowest cost
    (5 × wrong unflagged + right flagged); ties go to the product's values."""

    def near_default(value: float, product: float) -> float:
        return -abs(value - product)

    trigger = max(
        TRIGGERS,
        key=lambda t: (score(outcomes, t, default[1])["exact"], near_default(t, default[0])),
    )

    def cost(f: float) -> tuple[float, float]:
        s = score(outcomes, trigger, f)
        total = WRONG_UNFLAGGED_COST * s["wrong_but_not_flagged"] + s["right_but_flagged"]
        return (-total, near_default(f, default[1]))

    return trigger, max(FLAG_LINES, key=cost)


def holdout(outcomes: list[Outcome], default: tuple[float, float]) -> dict[str, Any]:
    """For each speaker: settings chosen on the other three, measured on that one."""
    folds = []
    for speaker in fsdd.SPEAKERS:
        train = [o for o in outcomes if o.speaker != speaker]
        test = [o for o in outcomes if o.speaker == speaker]
        trigger, flag_line = choose(train, default)
        folds.append(
            {
                "held_out": speaker,
                "chosen": {"verify_below": trigger, "flag_line": flag_line},
                "held_out_figures": score(test, trigger, flag_line),
                "product_settings_figures": score(test, *default),
            }
        )
    chosen = {json.dumps(f["chosen"], sort_keys=True) for f in folds}
    return {
        "folds": folds,
        "same_settings_every_fold": len(chosen) == 1,
        "held_out_exact_mean": round(
            statistics.mean(f["held_out_figures"]["exact"] for f in folds), 4
        ),
        "held_out_wrong_but_not_flagged_total": sum(
            f["held_out_figures"]["wrong_but_not_flagged"] for f in folds
        ),
    }


def collect(
    numbers: list[fsdd.SpokenNumber],
    read: Callable[..., Any],
    transcript_of: Callable[[fsdd.SpokenNumber, int], Any],
) -> list[Outcome]:
    """Each number read three ways (see the module docstring)."""
    out = []
    for i, sn in enumerate(numbers):
        transcript = transcript_of(sn, i)
        first = read(sn, transcript, repair=False)
        low = read(sn, transcript, verify_below=-1.0)
        high = read(sn, transcript, verify_below=1.0)
        out.append(
            Outcome(
                sn.e164,
                sn.speaker,
                (first.e164, first.confidence),
                (low.e164, low.confidence),
                (high.e164, high.confidence),
            )
        )
    return out
