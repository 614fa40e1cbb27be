"""Building call turns for the call-review tests."""

from __future__ import annotations

from ringback.calls.model import Speaker, SpokenWord


def said(speaker: Speaker, start: float, text: str, rate: float = 0.3) -> list[SpokenWord]:
    """Words of ``text`` one after the other, ``rate`` seconds each, from ``start``."""
    out = []
    for i, word in enumerate(text.split()):
        out.append(SpokenWord(speaker, word, start + i * rate, start + (i + 1) * rate))
    return out


def conversation(lines: list[tuple[str, str]]) -> list[SpokenWord]:
    """(speaker, sentence) lines as words, 0.35 s apart, 1.2 s of silence between lines."""
    out, t = [], 0.5
    for speaker, sentence in lines:
        for word in sentence.split():
            out.append(SpokenWord(speaker, word, t, t + 0.3))  # type: ignore[arg-type]
            t += 0.35
        t += 1.2
    return out
