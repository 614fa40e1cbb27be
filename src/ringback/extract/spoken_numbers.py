"""Spoken numbers in a transcript, as digit readings (step 2; step 1, tokens and runs, is
:mod:`ringback.extract.digit_runs`).

Each run of digits is cut into *readings*: the split that covers the most digits with
numbers valid for the region (so "415 555 0137 415 555 0137" is two readings, and a stray
"to" in front is left out); digits that form no valid number are kept as *partial*
readings. A number said twice in one breath is split in two first, and a decoder loop
("8, 8, 8, 8, …") is cut.

Pure text processing. :mod:`ringback.extract.callback` decides which reading is the
callback number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ringback.extract.digit_runs import (
    Run,
    WordLike,
    after_extension_word,
    digit_runs,
    tokenize,
)
from ringback.phones import e164_or_none

_REPEAT_PAUSE_S = 0.7  # a pause this long inside a long digit run separates two sayings


@dataclass(frozen=True, slots=True)
class Reading:
    """One time the number was said: its digits, and ``e164`` when they form a valid one."""

    digits: str
    e164: str | None
    span: str
    probs: tuple[float | None, ...]
    cue: float
    position: int  # char offset, for ordering
    start_time: float | None = None  # seconds in the recording, when words had timings
    end_time: float | None = None
    reread: bool = False  # from the digits-only second reading of the audio
    # Readings from one unbroken run of digits share it (a number said twice in one
    # breath and cut in two by _split_repeat); None when unknown.
    run: int | None = None
    # All the digits of the run this reading was cut from: longer than ``digits`` when
    # digits were left over ("6, 5, 0, 5, 5, 0, 1, 5, 9, 9, 9": eleven digits, no country
    # code, read as the last ten), which says a digit is too many somewhere.
    run_digits: str = ""
    stray: int = 0  # digits of that run (not homophones) that no reading explains

    @property
    def mean_prob(self) -> float | None:
        known = [p for p in self.probs if p is not None]
        return sum(known) / len(known) if known else None


# --- step 2: readings --------------------------------------------------------------


def _readings(
    run: Run, text: str, region: str, min_partial: int = 4
) -> tuple[list[Reading], list[Reading]]:
    """Cut a run into valid readings covering the most digits; the rest are partials."""
    ds = run.digits
    n = len(ds)
    # best[i] = (score, windows) for ds[i:]; a window is (start, end, e164).
    best: list[tuple[float, list[tuple[int, int, str]]]] = [(0.0, [])] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = best[i + 1]
        for j in range(i + 7, min(n, i + 15) + 1):
            digits = "".join(d.d for d in ds[i:j])
            e164 = e164_or_none(("+" if i in run.plus_at else "") + digits, region)
            if e164 is None:
                continue
            # Prefer windows that keep whole units and do not lean on homophones at the edges.
            score = (j - i) + 0.5
            score -= 0.5 * (i > 0 and ds[i - 1].unit == ds[i].unit)
            score -= 0.5 * (j < n and ds[j].unit == ds[j - 1].unit)
            score -= 0.3 * (ds[i].weak + ds[j - 1].weak)
            # A country code is said first: "1" + ten digits inside a run is a straddle.
            score -= 1.5 * (i > 0 and e164.startswith("+1") and j - i == 11)
            score += 0.2 * (i == 0 or j == n)
            total = score + best[j][0]
            if total > best[i][0]:
                best[i] = (total, [(i, j, e164), *best[j][1]])
    valid = [_reading(run, text, a, b, e164) for a, b, e164 in best[0][1]]
    covered = {k for a, b, _ in best[0][1] for k in range(a, b)}
    partial: list[Reading] = []
    stretch: list[int] = []
    stray = 0  # real digits (not homophones) that neither a reading nor a partial holds
    for k in [*range(n), n]:
        if k < n and k not in covered:
            stretch.append(k)
            continue
        strong = [s for s in stretch if not ds[s].weak]
        if len(strong) >= min_partial:
            partial.append(_reading(run, text, strong[0], strong[-1] + 1, None))
        else:
            stray += len(strong)
        stretch = []
    if stray:
        valid = [replace(r, stray=stray) for r in valid]
    return valid, partial


def _reading(run: Run, text: str, a: int, b: int, e164: str | None) -> Reading:
    ds = run.digits[a:b]
    return Reading(
        digits="".join(d.d for d in ds),
        e164=e164,
        span=text[ds[0].start : ds[-1].end].strip(),
        probs=tuple(d.prob for d in ds),
        cue=run.cue,
        position=ds[0].start,
        start_time=ds[0].t0,
        end_time=ds[-1].t1,
        run=run.index,
        run_digits="".join(d.d for d in run.digits),
    )


def find_readings(
    text: str,
    words: Sequence[WordLike] | None = None,
    *,
    region: str,
    min_partial: int = 4,
) -> tuple[list[Reading], list[Reading]]:
    """All valid and partial number readings in the text, in order of appearance.

    Partial readings are digit stretches of at least ``min_partial`` digits that form no
    valid number (a number with a digit dropped, a local number without area code).
    """
    if words:
        text = "".join(w.text for w in words)
    tokens = tokenize(text, words)
    valid: list[Reading] = []
    partial: list[Reading] = []
    for index, whole in enumerate(digit_runs(tokens)):
        whole.index = index
        if after_extension_word(tokens, whole.digits[0].token):
            continue  # "extension 1234" is not (part of) a phone number
        for run in _split_repeat(_drop_loop(whole)):
            v, p = _readings(run, text, region, min_partial)
            valid += v
            partial += p
    return valid, partial


def _drop_loop(run: Run) -> Run:
    """Cut a decoder loop ("3, 9, 8, 8, 8, 8, 8, 8, 8, 8, …") after its first digit: no
    phone number has eight equal digits in a row, but Whisper's repetition loops do."""
    digits = "".join(d.d for d in run.digits)
    m = re.search(r"(\d)\1{7,}", digits)
    if m is None:
        return run
    kept = {i for i in run.plus_at if i <= m.start()}
    return Run(run.digits[: m.start() + 1], kept, run.cue, index=run.index)


def _split_repeat(run: Run) -> list[Run]:
    """A number said twice in one breath ("4, 1, 5, … 7, 4, 1, 5, … 7") as two runs.

    Cutting for the most valid digits alone can straddle the two sayings when one of them
    lost a digit; instead cut where the two halves are most alike (a few edits apart).
    """
    n = len(run.digits)
    if n < 16:
        return [run]
    # With word timings, the pause between the two sayings is the longest one.
    gaps = [
        (b.t0 - a.t1, k + 1)
        for k, (a, b) in enumerate(zip(run.digits, run.digits[1:], strict=False))
        if a.t1 is not None and b.t0 is not None and 6 <= k + 1 <= n - 6
    ]
    if gaps and max(gaps)[0] >= _REPEAT_PAUSE_S:
        return _cut(run, max(gaps)[1])
    digits = "".join(d.d for d in run.digits)
    best: tuple[int, int] | None = None
    for k in range(7, n - 6):
        distance = edit_distance(digits[:k], digits[k:])
        if distance <= max(3, n // 5) and (best is None or distance < best[0]):
            best = (distance, k)
    if best is None:
        return [run]
    return _cut(run, best[1])


def _cut(run: Run, k: int) -> list[Run]:
    left = Run(run.digits[:k], {i for i in run.plus_at if i < k}, run.cue, index=run.index)
    right = Run(run.digits[k:], {i - k for i in run.plus_at if i >= k}, run.cue, index=run.index)
    return [left, right]


def edit_distance(a: str, b: str) -> int:
    """Digits apart: one for each digit misheard, missing or extra (Levenshtein)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]
