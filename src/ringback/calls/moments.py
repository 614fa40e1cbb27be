"""The moments of a call a reviewer jumps to: each question, number, commitment and next
step, at the second it was said.

Read from the same sentences as the questions and the proposals (a turn cut at sentence
punctuation and at pauses), so a moment's time is the time of the words in the player.
A sentence can be more than one kind ("I'll send the 3 quotes on Friday" is a number, a
commitment and a next step): it is listed once with all its kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ringback.calls.analysis import CallAnalysis
from ringback.calls.followups import _commitment, _first_date
from ringback.calls.questions import sentences

KINDS = ("question", "number", "commitment", "next step")

# "Let's book a time", "the next step is…": a plan for after the call without a date said.
_NEXT_STEP = re.compile(
    r"\b(?:next\s+steps?|follow(?:\s|-)?up|let'?s\s+(?:book|schedule|set\s+up|meet|talk|plan)|"
    r"(?:schedule|book|set\s+up)\s+(?:a|an|the|another)\s+(?:call|meeting|demo|time|visit)|"
    r"get\s+back\s+to\s+you|call\s+you\s+back|touch\s+base|send\s+(?:you|over)\b)",
    re.I,
)
_DIGITS = re.compile(r"\d[\d,.:/%]*")


@dataclass(frozen=True)
class Moment:
    """One sentence worth jumping to: when, who, what was said and what kinds it is."""

    start: float
    speaker: str
    text: str
    kinds: tuple[str, ...]
    detail: str = ""  # "open"/"closed" for a question, "you"/"them" for a commitment, a due date

    def as_json(self) -> dict[str, Any]:
        """The moment as stored in a review's result."""
        return {
            "start": round(self.start, 2),
            "speaker": self.speaker,
            "text": self.text,
            "kinds": list(self.kinds),
            "detail": self.detail,
        }


def has_number(sentence: str) -> bool:
    """Does ``sentence`` say a number (spoken or in digits)? A lone "one" ("the one I
    want") is a word, not a figure."""
    from ringback.extract import normalize

    return any(m.group().rstrip(",.:") != "1" for m in _DIGITS.finditer(normalize(sentence).text))


def find_moments(analysis: CallAnalysis, *, call_at: datetime, tz: ZoneInfo) -> list[Moment]:
    """Every moment of the call, in the order they were said."""
    question_kind = {(round(q.start, 2), q.text): q.kind for q in analysis.questions}
    out: list[Moment] = []
    for turn in analysis.metrics.turns:
        for start, raw in sentences(turn.words):
            text = raw.strip()
            if not text:
                continue
            kinds: list[str] = []
            details: list[str] = []
            asked = question_kind.get((round(start, 2), text))
            if asked:
                kinds.append("question")
                details.append(asked)
            if has_number(text):
                kinds.append("number")
            by = _commitment(text, turn.speaker)
            if by:
                kinds.append("commitment")
                details.append("you promised" if by == "you" else "they promised")
            due = _first_date(text, call_at, tz) if len(text.split()) >= 3 else None
            if due or _NEXT_STEP.search(text):
                kinds.append("next step")
                if due:
                    details.append(f"due {due}")
            if kinds:
                out.append(Moment(start, turn.speaker, text, tuple(kinds), ", ".join(details)))
    return sorted(out, key=lambda m: m.start)
