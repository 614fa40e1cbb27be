"""Spoken-number normalisation shared by every extractor.

Whisper writes numbers sometimes as digits and sometimes as words ("four fifty elm
avenue", "two point five million", "the fifteenth"). Rather than teaching each extractor
both spellings, we rewrite runs of number words into digits once, and keep a map from the
rewritten text back to the original so that spans ("the text as said") stay faithful.

Conventions of the rewrite (the extractors rely on them):
- a well-formed cardinal becomes one integer: "one hundred twenty three" -> "123";
- a run that ends on a scale word keeps that word so money can see it:
  "four hundred fifty thousand" -> "450 thousand", "two point five million" -> "2.5 million";
- words that do not combine as one cardinal become space-separated groups, which is how
  people say house numbers and clock times: "four fifty" -> "4 50", "two thirty" -> "2 30";
- "oh" inside a run is a leading zero: "twelve oh five" -> "12 05";
- ordinals keep an English suffix: "fifteenth" -> "15th", "twenty first" -> "21st".
The rewritten text is lower-cased; the original keeps its case for names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
NUMBER_WORDS = frozenset(
    set(UNITS) | set(TEENS) | set(TENS) | {"hundred"} | set(SCALES) | set(ORDINALS)
)

_WORD = re.compile(r"[A-Za-z]+")
# Only blanks or a hyphen may separate words of one run ("twenty-three").
_JOIN_GAP = re.compile(r"[ \t]*-?[ \t]*|,[ \t]*")


def wordset(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (long lists read better as prose)."""
    return frozenset(words.split())


def ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _fmt(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


class _Run:
    """Accumulates one run of number words into output groups."""

    def __init__(self) -> None:
        self.groups: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self.total = 0.0
        self.current = 0.0
        self.last: str | None = None  # unit | teen | tens | hundred | scale | oh
        self.decimals: str | None = None
        self.scale_word: str | None = None
        self.started = False

    def flush(self) -> None:
        if not self.started:
            return
        current = self.current
        if self.decimals:
            current += float("0." + self.decimals)
        if self.last == "scale" and self.scale_word:
            # Keep the scale word visible for money ("450 thousand").
            self.groups.append(f"{_fmt(self.total / SCALES[self.scale_word])} {self.scale_word}")
        else:
            self.groups.append(_fmt(self.total + current))
        self._reset()

    def add(self, word: str, nxt: str | None) -> None:
        if self.decimals is not None and word in UNITS:
            self.decimals += str(UNITS[word])
            return
        if word in ("oh", "o"):
            self.flush()
            self.groups.append("0" + (str(UNITS[nxt]) if nxt in UNITS else ""))
            self.last = "oh"
            return
        if self.last == "oh":
            self.last = None
            if word in UNITS:
                return  # already folded into the "0N" group
        if word in UNITS or word in TEENS or word in TENS:
            value = UNITS.get(word, TEENS.get(word, TENS.get(word, 0)))
            kind = "unit" if word in UNITS else "teen" if word in TEENS else "tens"
            allowed = self.last in (None, "hundred", "scale") or (
                self.last == "tens" and kind == "unit"
            )
            if not allowed or self.decimals is not None:
                self.flush()
            self.current += value
            self.last = kind
            self.started = True
        elif word == "hundred":
            self.current = (self.current or 1) * 100
            self.last = "hundred"
            self.started = True
        elif word in SCALES:
            if self.decimals is not None:
                self.current += float("0." + self.decimals)
                self.decimals = None
            self.total += (self.current or 1) * SCALES[word]
            self.current = 0
            self.last = "scale"
            self.scale_word = word
            self.started = True
        elif word == "point":
            self.decimals = ""
        elif word == "half":
            self.current += 0.5
        elif word in ORDINALS:
            value = ORDINALS[word]
            if self.last == "tens" and value < 10:
                n = int(self.total + self.current + value)
                self._reset()
            else:
                self.flush()
                n = value
            self.groups.append(f"{n}{ordinal_suffix(n)}")


def _joins(words: list[tuple[str, int, int]], i: int, text: str) -> bool:
    """Whether word i continues the run that word i-1 belongs to."""
    gap = text[words[i - 1][2] : words[i][1]]
    return _JOIN_GAP.fullmatch(gap) is not None and "," not in gap


def _is_run_word(words: list[tuple[str, int, int]], i: int, text: str) -> bool:
    w = words[i][0]
    prev = words[i - 1][0] if i > 0 and _joins(words, i, text) else None
    nxt = words[i + 1][0] if i + 1 < len(words) and _joins(words, i + 1, text) else None
    if w in NUMBER_WORDS:
        return True
    if w == "a":  # "a hundred", "a million", "and a half"
        return nxt in ("hundred", "thousand", "million", "billion") or (
            nxt == "half" and prev == "and"
        )
    if w in ("oh", "o"):  # "twelve oh five": a zero only between number words
        return prev in NUMBER_WORDS and nxt in UNITS
    if w == "point":
        return prev in NUMBER_WORDS and nxt in UNITS
    if w == "and":  # "one hundred and fifty", "two and a half"; never "two and four"
        big = prev in ("hundred", "thousand", "million", "billion") and nxt in NUMBER_WORDS
        half = nxt == "a" and i + 2 < len(words) and words[i + 2][0] == "half"
        return prev in NUMBER_WORDS and (big or half)
    if w == "half":
        return prev == "a" and i >= 2 and words[i - 2][0] == "and"
    return False


@dataclass(frozen=True)
class Normalized:
    """The rewritten text and, per character, the original span it stands for."""

    text: str
    original: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) covering the rewritten text[start:end]."""
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def source(self, start: int, end: int) -> str:
        s, e = self.span(start, end)
        return self.original[s:e]


def normalize(text: str) -> Normalized:
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0

    def copy_until(limit: int) -> None:
        nonlocal pos
        chunk = text[pos:limit].lower()
        out.append(chunk)
        starts.extend(range(pos, limit))
        ends.extend(range(pos + 1, limit + 1))
        pos = limit

    i = 0
    while i < len(words):
        first = words[i][0]
        # Only a number word or "a" ("a million") can open a run; test that cheaply first.
        if (first not in NUMBER_WORDS and first != "a") or not _is_run_word(words, i, text):
            i += 1
            continue
        j = i + 1
        while j < len(words) and _joins(words, j, text) and _is_run_word(words, j, text):
            j += 1
        # A run never ends on a connector ("two and", "five point").
        while j - 1 > i and words[j - 1][0] in ("and", "point", "a"):
            j -= 1
        if all(words[k][0] in SCALES or words[k][0] == "hundred" for k in range(i, j)):
            i = j  # "450 thousand": the digits before it carry the value
            continue
        run = _Run()
        for k in range(i, j):
            w = words[k][0]
            if w in ("and", "a"):
                continue
            run.add(w, words[k + 1][0] if k + 1 < j else None)
        run.flush()
        start, end = words[i][1], words[j - 1][2]
        copy_until(start)
        replacement = " ".join(run.groups)
        out.append(replacement)
        starts.extend([start] * len(replacement))
        ends.extend([end] * len(replacement))
        pos = end
        i = j
    copy_until(len(text))
    return Normalized("".join(out), text, tuple(starts), tuple(ends))
