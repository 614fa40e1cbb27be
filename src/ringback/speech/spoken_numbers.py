"""Spoken numbers in a transcript, as digit readings.

People say numbers every which way ("four one five, five five five, oh one three seven",
"double five", "eight hundred", "plus one"), and Whisper writes them every which way
("4-1-5", "four-one-five", "415 5550137", "for" for four). Two steps:

1. tokens → *runs*: stretches of digit-bearing tokens separated only by punctuation or
   fillers ("dash", "uh"), each expanded to single digits that remember the word they
   came from (so a digit has a probability, a time and a place in the text);
2. each run is cut into *readings*: the split that covers the most digits with numbers
   ``phonenumbers`` accepts for the region (so "415 555 0137 415 555 0137" is two
   readings, and a stray "to" in front is left out); digits that form no valid number
   are kept as *partial* readings.

Pure text processing. ``ringback.voicemail.numbers`` decides which reading is the
callback number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import phonenumbers


class WordLike(Protocol):
    # Read-only, so frozen dataclasses (ringback.speech.Word and the pipeline's) fit.
    @property
    def text(self) -> str: ...
    @property
    def probability(self) -> float: ...


# --- vocabulary --------------------------------------------------------------------

_DIGITS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "niner": "9",
    "nought": "0", "naught": "0",
}  # fmt: skip
# Homophones Whisper writes inside digit runs; digits only next to a real digit.
_WEAK = {
    "oh": "0", "o": "0", "owe": "0", "for": "4", "fore": "4", "to": "2", "too": "2",
    "ate": "8", "won": "1",
    # tiny.en on 8 kHz digits (FSDD bench): "six" comes out as "set"/"sex"/"sick",
    # "three" as "tree", "nine" as "nein".
    "set": "6", "sex": "6", "sick": "6", "tree": "3", "nein": "9",
}  # fmt: skip
_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6",
    "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_FILLER_WORDS = {"dash", "hyphen", "uh", "um", "umm", "er", "erm", "ah"}
_FILLER_PUNCT = set(",.-–—()/:;…")
_CUES = {"call", "reach", "number", "cell", "mobile", "back", "at", "direct", "phone", "text"}
_ANTI_CUES = {"fax", "order", "account", "invoice", "reference", "confirmation", "policy"}

# Words that introduce an extension ("ext. 12", "extension one two"); a bare "x" does only
# straight after a number's digits ("555-0199 x 12").
_EXTENSION_WORDS = {"extension", "ext", "extn", "x"}
_EXTENSION_MAX_DIGITS = 6

_REPEAT_PAUSE_S = 0.7  # a pause this long inside a long digit run separates two sayings
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+|\+|[^\sA-Za-z\d]")


@dataclass(slots=True)
class _Token:
    text: str  # lower-cased
    start: int  # char offsets in the analysed text
    end: int
    prob: float | None
    t0: float | None = None  # seconds in the recording, when the words carry timings
    t1: float | None = None


@dataclass(slots=True)
class _Digit:
    d: str
    token: int  # index of the token (first token of a multi-word unit)
    unit: int  # index of the unit (a figure, a word, "double five"...) it belongs to
    weak: bool
    prob: float | None
    start: int  # char span of its unit
    end: int
    t0: float | None
    t1: float | None


@dataclass(slots=True)
class _Run:
    digits: list[_Digit] = field(default_factory=list)
    plus_at: set[int] = field(default_factory=set)  # digit indices preceded by "plus"/"+"
    cue: float = 0.0
    index: int = 0  # which run of the transcript; the halves of a split run share it


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

    @property
    def mean_prob(self) -> float | None:
        known = [p for p in self.probs if p is not None]
        return sum(known) / len(known) if known else None


# --- step 1: tokens and runs -------------------------------------------------------


def _tokenize(text: str, words: Sequence[WordLike] | None) -> list[_Token]:
    spans: list[tuple[int, int, WordLike]] = []
    if words:
        pos = 0
        for w in words:
            spans.append((pos, pos + len(w.text), w))
            pos += len(w.text)
    tokens = []
    k = 0
    for m in _TOKEN.finditer(text):
        tok = _Token(m.group().lower(), m.start(), m.end(), None)
        while k < len(spans) and spans[k][1] <= m.start():
            k += 1
        if k < len(spans) and spans[k][0] <= m.start():
            word = spans[k][2]
            tok.prob = float(word.probability)
            tok.t0 = getattr(word, "start", None)
            tok.t1 = getattr(word, "end", None)
        tokens.append(tok)
    return tokens


def _is_filler(tok: _Token) -> bool:
    return tok.text in _FILLER_WORDS or tok.text in _FILLER_PUNCT


def _single_digit(tok: _Token) -> str | None:
    if tok.text in _DIGITS:
        return _DIGITS[tok.text]
    return tok.text if tok.text.isdigit() and len(tok.text) == 1 else None


def _runs(tokens: list[_Token]) -> list[_Run]:
    runs: list[_Run] = []
    run = _Run()
    units: list[tuple[str, int, int, bool, bool]] = []  # digits, first, last token, weak, words
    plus_pending = False

    def flush() -> None:
        nonlocal run, units
        _finish(run, units, tokens)
        if run.digits:
            runs.append(run)
        run, units = _Run(), []

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.text
        nxt = _next_word(tokens, i)
        if t == "+" or t == "plus":
            if units:
                flush()
            plus_pending = True
            i += 1
            continue
        unit: tuple[str, int, int, bool, bool] | None = None
        if t.isdigit():
            unit = (t, i, i, False, False)
        elif t in _DIGITS:
            unit = (_DIGITS[t], i, i, False, True)
        elif t in _WEAK:
            unit = (_WEAK[t], i, i, True, True)
        elif t in _TEENS:
            unit = (_TEENS[t], i, i, False, True)
        elif t in _TENS:
            if nxt is not None and tokens[nxt].text in _DIGITS and _DIGITS[tokens[nxt].text] != "0":
                unit = (_TENS[t] + _DIGITS[tokens[nxt].text], i, nxt, False, True)
            else:
                unit = (_TENS[t] + "0", i, i, False, True)
        elif t in _REPEAT and nxt is not None and (single := _single_digit(tokens[nxt])):
            unit = (single * _REPEAT[t], i, nxt, False, True)
        elif t in ("hundred", "thousand") and units and units[-1][4] and len(units[-1][0]) <= 2:
            zeros = 2 if t == "hundred" else 3
            digits, first, _, weak, _ = units.pop()
            end, tail = _tail_value(tokens, i)
            unit = (digits + (tail.zfill(zeros) if tail else "0" * zeros), first, end, weak, True)
        if unit is None:
            if _is_filler(tok) and units:
                i += 1
                continue
            if units:
                flush()
            plus_pending = False
            i += 1
            continue
        if plus_pending:
            run.plus_at.add(sum(len(u[0]) for u in units))
            plus_pending = False
        units.append(unit)
        i = unit[2] + 1
    flush()
    for r in runs:
        r.cue = _cue(tokens, r)
    return runs


def _next_word(tokens: list[_Token], i: int) -> int | None:
    """Index of the next token, skipping one hyphen ("twenty-one", "double-five")."""
    j = i + 1
    if j < len(tokens) and tokens[j].text in "-–":
        j += 1
    return j if j < len(tokens) else None


def _tail_value(tokens: list[_Token], i: int) -> tuple[int, str]:
    """After "hundred"/"thousand": an optional "and" plus tens or a teen ("four hundred
    fifteen" = 415). A lone digit word is *not* taken: "eight hundred five five five" is
    800-555, because nobody says 805 as "eight hundred five"."""
    j = i + 1
    if j < len(tokens) and tokens[j].text == "and":
        j += 1
    if j >= len(tokens):
        return i, ""
    t = tokens[j].text
    if t in _TEENS:
        return j, _TEENS[t]
    if t in _TENS:
        k = _next_word(tokens, j)
        if k is not None and tokens[k].text in _DIGITS and _DIGITS[tokens[k].text] != "0":
            return k, _TENS[t] + _DIGITS[tokens[k].text]
        return j, _TENS[t] + "0"
    return i, ""


def _finish(run: _Run, units: list[tuple[str, int, int, bool, bool]], tokens: list[_Token]) -> None:
    # A homophone counts only in a run that has a real digit: "talk to you" is not a 2,
    # but "for one five" is 415. At the edges of a run the reading step decides.
    keep = units
    if all(u[3] for u in units):
        run.plus_at.clear()
        return
    for n, (digits, first, last, weak, _) in enumerate(keep):
        probs = [p for t in range(first, last + 1) if (p := tokens[t].prob) is not None]
        prob = min(probs) if probs else None
        for d in digits:
            run.digits.append(
                _Digit(
                    d,
                    first,
                    n,
                    weak,
                    prob,
                    tokens[first].start,
                    tokens[last].end,
                    tokens[first].t0,
                    tokens[last].t1,
                )
            )


def _cue(tokens: list[_Token], run: _Run) -> float:
    first = run.digits[0].token
    before = {t.text for t in tokens[max(0, first - 6) : first]}
    return float(len(before & _CUES) > 0) - float(len(before & _ANTI_CUES) > 0)


# --- step 2: readings --------------------------------------------------------------


@lru_cache(maxsize=4096)
def valid_e164(digits: str, region: str, plus: bool) -> str | None:
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, None if plus else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _readings(
    run: _Run, text: str, region: str, min_partial: int = 4
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
            e164 = valid_e164(digits, region, i in run.plus_at)
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
    for k in [*range(n), n]:
        if k < n and k not in covered:
            stretch.append(k)
            continue
        strong = [s for s in stretch if not ds[s].weak]
        if len(strong) >= min_partial:
            partial.append(_reading(run, text, strong[0], strong[-1] + 1, None))
        stretch = []
    return valid, partial


def _reading(run: _Run, text: str, a: int, b: int, e164: str | None) -> Reading:
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
    )


def find_readings(
    text: str, words: Sequence[WordLike] | None = None, region: str = "US", min_partial: int = 4
) -> tuple[list[Reading], list[Reading]]:
    """All valid and partial number readings in the text, in order of appearance.

    Partial readings are digit stretches of at least ``min_partial`` digits that form no
    valid number (a number with a digit dropped, a local number without area code).
    """
    if words:
        text = "".join(w.text for w in words)
    tokens = _tokenize(text, words)
    valid: list[Reading] = []
    partial: list[Reading] = []
    for index, whole in enumerate(_runs(tokens)):
        whole.index = index
        if _after_extension_word(tokens, whole.digits[0].token):
            continue  # "extension 1234" is not (part of) a phone number
        for run in _split_repeat(_drop_loop(whole)):
            v, p = _readings(run, text, region, min_partial)
            valid += v
            partial += p
    return valid, partial


def _drop_loop(run: _Run) -> _Run:
    """Cut a decoder loop ("3, 9, 8, 8, 8, 8, 8, 8, 8, 8, …") after its first digit: no
    phone number has eight equal digits in a row, but Whisper's repetition loops do."""
    digits = "".join(d.d for d in run.digits)
    m = re.search(r"(\d)\1{7,}", digits)
    if m is None:
        return run
    kept = {i for i in run.plus_at if i <= m.start()}
    return _Run(run.digits[: m.start() + 1], kept, run.cue, index=run.index)


def _split_repeat(run: _Run) -> list[_Run]:
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
        distance = _edit_distance(digits[:k], digits[k:])
        if distance <= max(3, n // 5) and (best is None or distance < best[0]):
            best = (distance, k)
    if best is None:
        return [run]
    return _cut(run, best[1])


def _cut(run: _Run, k: int) -> list[_Run]:
    left = _Run(run.digits[:k], {i for i in run.plus_at if i < k}, run.cue, index=run.index)
    right = _Run(run.digits[k:], {i - k for i in run.plus_at if i >= k}, run.cue, index=run.index)
    return [left, right]


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


# --- extensions --------------------------------------------------------------------


def _after_extension_word(tokens: list[_Token], first: int) -> bool:
    """Whether the digit run starting at token ``first`` follows an extension word."""
    j = first - 1
    while j >= 0 and tokens[j].text in (".", ":", "#", "number", "is"):
        j -= 1
    if j < 0 or tokens[j].text not in _EXTENSION_WORDS:
        return False
    if tokens[j].text != "x":
        return True
    # "x" counts only glued to a number: its previous token is a figure or a digit word.
    return j > 0 and (tokens[j - 1].text.isdigit() or tokens[j - 1].text in _DIGITS)


def find_extension(text: str) -> str | None:
    """The extension said with a number ("ext. 12", "extension one two", "x 12"), as
    digits, or None. The first one said wins; more than six digits is not an extension."""
    tokens = _tokenize(text, None)
    for run in _runs(tokens):
        if not _after_extension_word(tokens, run.digits[0].token):
            continue
        digits = "".join(d.d for d in run.digits)
        if len(digits) <= _EXTENSION_MAX_DIGITS:
            return digits
    return None
