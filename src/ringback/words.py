"""The words of a text as Ringback compares them: lower-cased letters and digits, an
apostrophe kept inside a word ("you're" is one word), a typographic one (’) made straight.
Greeting checks, rehearsal alignment and call-transcript matching all read words this way."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")


def plain_words(text: str) -> list[str]:
    """``"You’re at 415-555"`` -> ``["you're", "at", "415", "555"]``."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))
