"""Reading a script once: validation, words, spoken seconds, phone numbers, sentences, names.

Every rule works from one :class:`Script`, so the expensive parts (lower-casing, splitting,
finding numbers) run once per script, not once per rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ringback.coach import lexicon as lx
from ringback.errors import HintedError

MAX_BYTES = 100_000  # a voicemail is ~100 words; anything this big is not a script
WORDS_PER_MINUTE = 150
EARLY_WORDS = 25  # ≈ the first 10 seconds at 150 words per minute

_WORD = re.compile(r"\[your (?:name|company|number)\]|[a-z0-9]+(?:'[a-z]+)*")
_CHUNK = re.compile(r"\S*[^\W_]\S*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# A written number: 7–15 digits with the usual separators, e.g. (415) 555-0137, +44 20 7946 0958.
_DIGITS = re.compile(r"\+?\(?\d[\d\s().\-]{5,}\d")
_SPOKEN = re.compile(
    r"\b(?:(?:double |triple )?" + lx.DIGIT_WORD + r"[\s,.\-]+){6,}(?:double |triple )?"
    r"(?:" + lx.DIGIT_WORD + r")\b"
)
_NOT_ASCII_LETTER = re.compile(r"[^A-Za-z]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_PLACEHOLDER_NUMBER = re.compile(r"\[your number\]")
_DIGIT_WORDS = re.compile(lx.DIGIT_WORD)
_DIGIT_WORD_SET = frozenset(lx.DIGIT_WORD[3:-1].split("|"))
_HAS_DIGIT = re.compile(r"\d")
_MULTIPLIER = re.compile(r"\b(double|triple) ")


class ScriptError(HintedError):
    """A text the coach cannot score; ``hint`` says what to do instead."""


@dataclass(frozen=True)
class PhoneMention:
    start_word: int  # index of the first word of the number among the script's words
    end_word: int
    digits: int
    spoken: bool


@dataclass(frozen=True)
class Script:
    raw: str
    low: str  # lower-cased, ’ folded to '; same offsets as raw
    masked: str  # low with phone numbers blanked, so their digits are not read as "value"
    capitalised: bool  # the writer uses capitals, so a name must start with one
    tokens: tuple[str, ...]
    words: int
    spoken_words: int
    seconds: float
    sentences: tuple[str, ...]
    phones: tuple[PhoneMention, ...]
    listener_names: frozenset[str]

    def is_capitalised_at(self, offset: int) -> bool:
        """Whether the raw text has a capital (or a digit / placeholder) at ``offset``."""
        if not self.capitalised:
            return True
        ch = self.raw[offset] if offset < len(self.raw) else ""
        return ch.isupper() or ch.isdigit() or ch in "[&"


def check_size(text: str) -> str:
    """Reject empty and oversized input before any work is done; returns the stripped text."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise ScriptError(
            f"the script is {size / 1000:,.0f} KB; the limit is {MAX_BYTES // 1000} KB",
            "a voicemail is about 75 words (30 seconds); paste just the message",
        )
    stripped = text.strip()
    if not stripped:
        raise ScriptError(
            "the script is empty", 'pass the message as TEXT, or "-" to read it from stdin'
        )
    return stripped


def check_english(text: str, tokens: tuple[str, ...]) -> None:
    """The rules are English heuristics: refuse text they would score as nonsense."""
    # Counted by deleting non-letters in C: a per-character Python loop was the slowest step.
    ascii_letters = len(_NOT_ASCII_LETTER.sub("", text))
    letters = ascii_letters if text.isascii() else len(_NOT_LETTER.sub("", text))
    hint = "the coach's rules are English phrasings; write the script in English"
    if letters == 0:
        raise ScriptError("the script has no words", hint)
    if ascii_letters / letters < 0.8:
        raise ScriptError("the script does not look like English (mostly non-Latin letters)", hint)
    alpha = [t for t in tokens if t[0].isalpha()]
    common = sum(t in lx.ENGLISH_STOPWORDS for t in alpha)
    if (len(alpha) >= 6 and common / len(alpha) < 0.12) or (len(alpha) >= 3 and common == 0):
        raise ScriptError("the script does not look like English (no common English words)", hint)


def words(low: str) -> list[str]:
    """The word tokens of lower-cased text ("you're" is one word)."""
    return _WORD.findall(low)


def _word_index(low: str, offset: int) -> int:
    return len(_WORD.findall(low, 0, offset))


def _phones(
    low: str, tokens: tuple[str, ...]
) -> tuple[list[PhoneMention], list[tuple[int, int]], int]:
    """Numbers in the script, their character spans, and the extra spoken words they cost."""
    found: list[PhoneMention] = []
    spans: list[tuple[int, int]] = []
    extra = 0
    # Cheap gates first: most scripts have no digits, or too few digit words to spell a number.
    written = _DIGITS.finditer(low) if _HAS_DIGIT.search(low) else ()
    spelt = sum(t in _DIGIT_WORD_SET for t in tokens) >= 7
    for m in written:
        digits = sum(map(str.isdigit, m.group()))
        if 7 <= digits <= 15:
            chunk = m.group()
            first = _word_index(low, m.start())
            found.append(PhoneMention(first, first + len(_WORD.findall(chunk)), digits, False))
            spans.append(m.span())
            extra += digits - len(chunk.split())  # each digit is said as a word
    for m in _SPOKEN.finditer(low) if spelt else ():
        chunk = m.group()
        digits = len(_DIGIT_WORDS.findall(chunk))
        digits += sum(1 if w == "double" else 2 for w in _MULTIPLIER.findall(chunk))
        if digits >= 7:
            first = _word_index(low, m.start())
            found.append(PhoneMention(first, first + len(_WORD.findall(chunk)), digits, True))
            spans.append(m.span())
    for m in _PLACEHOLDER_NUMBER.finditer(low):
        first = _word_index(low, m.start())
        found.append(PhoneMention(first, first + 1, 10, False))
        spans.append(m.span())
        extra += 9
    found.sort(key=lambda p: p.start_word)
    return found, spans, extra


def analyse(text: str, *, listener_names: tuple[str, ...] = ()) -> Script:
    """Validate and read ``text``; raises :class:`ScriptError` for input the coach refuses."""
    raw = check_size(text)
    low = raw.lower().replace("’", "'").replace("‘", "'")
    if len(low) != len(raw):  # rare letters change length when lower-cased; keep offsets aligned
        raw = low
    tokens = tuple(_WORD.findall(low))
    check_english(raw, tokens)
    phones, spans, extra = _phones(low, tokens)
    masked = low
    for start, end in spans:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    words = len(_CHUNK.findall(raw))
    spoken = words + extra
    capitalised = raw != low
    names = {n.lower() for n in listener_names if n}
    greeting = lx.GREETING.match(low)
    if (
        greeting
        and greeting.group(1) not in lx.NOT_A_NAME
        and (not capitalised or raw[greeting.start(1)].isupper())
    ):
        names.add(greeting.group(1))
    return Script(
        raw=raw,
        low=low,
        masked=masked,
        capitalised=capitalised,
        tokens=tokens,
        words=words,
        spoken_words=spoken,
        seconds=round(spoken * 60 / WORDS_PER_MINUTE, 1),
        sentences=tuple(s for s in _SENTENCE_END.split(low) if s.strip()),
        phones=tuple(phones),
        listener_names=frozenset(names),
    )


_SUFFIXES = (
    "ations", "ation", "ities", "ity", "ments", "ment", "ness", "ings", "ing", "ions", "ion",
    "ies", "ied", "ers", "er", "ed", "es", "ly", "s", "e",
)  # fmt: skip


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A deliberately crude stem, enough to match "productivity" with "production"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]


_CONTENT_STOP = lx.ENGLISH_STOPWORDS | frozenset(
    [
        "a",
        "our",
        "more",
        "less",
        "some",
        "all",
        "any",
        "new",
        "next",
        "last",
        "want",
        "wants",
        "like",
        "make",
        "get",
        "their",
        "them",
        "her",
        "his",
        "she",
        "he",
        "they",
        "its",
        "your",
        "you",
        "goal",
        "goals",
        "year",
        "years",
        "month",
        "months",
        "week",
        "weeks",
        "time",
    ]
)


@lru_cache(maxsize=1024)  # goal texts are stemmed again for every script scored against them
def content_stems(text: str) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    return frozenset(stem(w) for w in words if w not in _CONTENT_STOP and len(w) > 2)
