"""Step 1 of reading spoken numbers: a transcript's tokens, cut into runs of digits.

People say numbers every which way ("four one five, five five five, oh one three seven",
"double five", "eight hundred", "plus one"), and Whisper writes them every which way
("4-1-5", "four-one-five", "415 5550137", "for" for four). Here tokens become *runs*:
stretches of digit-bearing tokens separated only by punctuation or fillers ("dash",
"uh"), each expanded to single digits that remember the word they came from (so a digit
has a probability, a time and a place in the text). An extension ("ext. 12") is read
here too, since it is a run that follows an extension word.

:mod:`ringback.extract.spoken_numbers` cuts the runs into readings. Pure text processing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


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

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+|\+|[^\sA-Za-z\d]")


@dataclass(slots=True)
class Token:
    text: str  # lower-cased
    start: int  # char offsets in the analysed text
    end: int
    prob: float | None
    t0: float | None = None  # seconds in the recording, when the words carry timings
    t1: float | None = None


@dataclass(slots=True)
class Digit:
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
class Run:
    digits: list[Digit] = field(default_factory=list)
    plus_at: set[int] = field(default_factory=set)  # digit indices preceded by "plus"/"+"
    cue: float = 0.0
    index: int = 0  # which run of the transcript; the halves of a split run share it


# --- step 1: tokens and runs -------------------------------------------------------


def tokenize(text: str, words: Sequence[WordLike] | None) -> list[Token]:
    spans: list[tuple[int, int, WordLike]] = []
    if words:
        pos = 0
        for w in words:
            spans.append((pos, pos + len(w.text), w))
            pos += len(w.text)
    tokens = []
    k = 0
    for m in _TOKEN.finditer(text):
        tok = Token(m.group().lower(), m.start(), m.end(), None)
        while k < len(spans) and spans[k][1] <= m.start():
            k += 1
        if k < len(spans) and spans[k][0] <= m.start():
            word = spans[k][2]
            tok.prob = float(word.probability)
            tok.t0 = getattr(word, "start", None)
            tok.t1 = getattr(word, "end", None)
        tokens.append(tok)
    return tokens


def _is_filler(tok: Token) -> bool:
    return tok.text in _FILLER_WORDS or tok.text in _FILLER_PUNCT


def _single_digit(tok: Token) -> str | None:
    if tok.text in _DIGITS:
        return _DIGITS[tok.text]
    return tok.text if tok.text.isdigit() and len(tok.text) == 1 else None


def digit_runs(tokens: list[Token]) -> list[Run]:
    runs: list[Run] = []
    run = Run()
    units: list[tuple[str, int, int, bool, bool]] = []  # digits, first, last token, weak, words
    plus_pending = False

    def flush() -> None:
        nonlocal run, units
        _finish(run, units, tokens)
        if run.digits:
            runs.append(run)
        run, units = Run(), []

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


def _next_word(tokens: list[Token], i: int) -> int | None:
    """Index of the next token, skipping one hyphen ("twenty-one", "double-five")."""
    j = i + 1
    if j < len(tokens) and tokens[j].text in "-–":
        j += 1
    return j if j < len(tokens) else None


def _tail_value(tokens: list[Token], i: int) -> tuple[int, str]:
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


def _finish(run: Run, units: list[tuple[str, int, int, bool, bool]], tokens: list[Token]) -> None:
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
                Digit(
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


def _cue(tokens: list[Token], run: Run) -> float:
    first = run.digits[0].token
    before = {t.text for t in tokens[max(0, first - 6) : first]}
    return float(len(before & _CUES) > 0) - float(len(before & _ANTI_CUES) > 0)


# --- extensions --------------------------------------------------------------------


def after_extension_word(tokens: list[Token], first: int) -> bool:
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
    tokens = tokenize(text, None)
    for run in digit_runs(tokens):
        if not after_extension_word(tokens, run.digits[0].token):
            continue
        digits = "".join(d.d for d in run.digits)
        if len(digits) <= _EXTENSION_MAX_DIGITS:
            return digits
    return None
