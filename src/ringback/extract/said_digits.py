"""Numbers said digit by digit, hidden from the date reader.

A caller who spells a phone number out ("four one five, six two eight…") is transcribed
as "4, 1, 5, 6, 2, 8", "4-1-5", "4.15, 5.5", "4 1 5" or "415 555 0137" depending on the
recogniser and the carrier. Each lone figure looks like a clock hour to a date reader
("at 4" → 16:00), so before dates are read every such run is overwritten with ``#``
(same length, so offsets still map back to the transcript).

What counts as a run (in the normalised text, where number words are already figures):
figures separated only by a comma, a dot, a dash or blanks (or a spoken "dash"), and
- three figures or more ("4, 1, 5", "4.15, 5.5", "415 555 0137"), or
- two figures with six digits or more ("415 5550137").
Two short figures stay readable: "2 30" and "10.30" are clock times, "3, 2027" a year.
A figure glued to a letter, a colon or a slash is no part of a run: "3rd", "2:30", "12/3"
are dates and times, never phone digits. A lone hour said just before a number written
in groups ("at 3, 415 555 0137") keeps its meaning as a time.
"""

from __future__ import annotations

import re

MASK = "#"
_SEP = r"(?:\s*[,.\-–—()]\s*|\s+(?:dash\s+|hyphen\s+)?|\s*(?:dash|hyphen)\s*)"
_RUN = re.compile(rf"(?<![\w:/$,.\d])\d+(?:{_SEP}\d+)+(?![\w:/%])")
_DIGITS = re.compile(r"\d+")


def _masked_span(run: str) -> tuple[int, int] | None:
    """The part of one candidate run (start, end offsets in it) that is phone digits."""
    figures = list(_DIGITS.finditer(run))
    count = len(figures)
    digits = sum(len(f.group()) for f in figures)
    if count < 3 and not (count == 2 and digits >= 6):
        return None
    first, rest = figures[0], figures[1:]
    # "call me at 3, 415 555 0137": a short hour, then a number written in groups.
    grouped = all(len(f.group()) >= 3 for f in rest) and sum(len(f.group()) for f in rest) >= 7
    if len(first.group()) <= 2 and grouped:
        return rest[0].start(), rest[-1].end()
    return first.start(), figures[-1].end()


def spelled_digits(said: str, minute: int) -> bool:
    """Whether a would-be clock time ("4.04", "4 04", "404") is rather the digits of a
    number ("four oh four"): people name times on the five minutes, and only a colon
    ("4:04") makes another minute a time."""
    return minute % 5 != 0 and ":" not in said


def mask_said_digits(text: str) -> str:
    """``text`` with every run of figures said digit by digit replaced by ``#``."""
    if not any(ch.isdigit() for ch in text):
        return text
    out = text
    for m in _RUN.finditer(text):
        span = _masked_span(m.group())
        if span is None:
            continue
        start, end = m.start() + span[0], m.start() + span[1]
        out = out[:start] + MASK * (end - start) + out[end:]
    return out


__all__ = ["MASK", "mask_said_digits", "spelled_digits"]
