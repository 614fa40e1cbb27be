"""Building call turns for the call-review tests."""

from __future__ import annotations

from ringback.calls.model import Speaker, SpokenWord


def said(speaker: Speaker, start: float, text: str, rate: float = 0.3) -> list[SpokenWord]:
    """Words of ``text`` one after the other, ``rate`` seconds each, from ``start``."""
    out = []
    for i, word in enumerate(text.split()):
        out.append(SpokenWord(speaker, word, start + i * rate, start + (i + 1) * rate))
    return out
