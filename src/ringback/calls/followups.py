"""What was said that the contact record should keep: goals, challenges, dates, promises.

Seed 002 asks the rep to "remember what was said"; seed 000 builds every call on the back
story. From the speaker-attributed sentences of a call this proposes:

* **back-story items** from the customer's own words: goals ("we want to…", "our goal
  is…", "we're looking to…") and challenges ("the problem is…", "we're struggling
  with…"), filed as financial, personal or professional by their words;
* **follow-up tasks** from promises on either side ("I'll send you…"), whose owner comes
  from who said it (the rep's "I'll" is yours, the customer's "I'll" is theirs: reusing
  the commitment patterns of ``ringback.contacts.promises``), due on the date said in the
  same sentence when there is one (``ringback.extract`` resolves "next
  Thursday" against when the call took place);
* a follow-up for any other date the customer names ("our budget review is on March 3rd").

Nothing is written here: ``ringback call accept`` files what the user keeps.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ringback.calls.metrics import Turn
from ringback.calls.questions import sentences

_GOAL = re.compile(
    r"\b(?:we|i)(?:'re| are|'m| am)?\s+(?:want|wanna|need|hope|plan|aim|trying|looking|hoping|"
    r"planning|aiming)\s+(?:to|for)\b|\b(?:our|my|the)\s+(?:main\s+|big\s+|biggest\s+)?"
    r"(?:goal|priority|objective|target|plan)\s+(?:is|this year|for)\b|\bwe'?d\s+(?:like|love)\s+to\b",
    re.I,
)
_CHALLENGE = re.compile(
    r"\b(?:problem|challenge|struggl\w*|issue|bottleneck|frustrat\w*|headache|pain|"
    r"difficult|hard\s+to|can'?t\s+(?:keep|find|get|afford)|behind\s+on|losing|too\s+(?:slow|"
    r"expensive|costly|long)|worried|concern\w*)\b",
    re.I,
)
_FINANCIAL = re.compile(
    r"\b(?:budget|cost|costs|revenue|profit|margin|price|pricing|cash|spend|savings|save|"
    r"dollars?|percent|roi|expenses?|money|funding|invest\w*)\b|\$\d",
    re.I,
)
_PERSONAL = re.compile(
    r"\b(?:family|kids?|daughter|son|wife|husband|vacation|retire\w*|health|home|house|"
    r"wedding|move|moving|hobby|personally)\b",
    re.I,
)
_QUESTION_START = re.compile(
    r"^\W*(?:what|how|why|when|where|who|which|do|does|did|can|could|is|are)\b", re.I
)


@dataclass(frozen=True)
class Proposal:
    """One proposed update. ``kind`` is "back_story" or "follow_up"."""

    id: int
    kind: str
    text: str
    speaker: str
    start: float
    story_kind: str | None = None  # for back_story: a BackStoryKind value
    by: str | None = None  # for promises: "you" or "them"
    due: str | None = None  # ISO date or date-time

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def _first_date(sentence: str, at: datetime, tz: ZoneInfo) -> str | None:
    from ringback.extract import extract_dates, normalize

    found = extract_dates(normalize(sentence), at, tz)
    return found[0].iso if found else None


def _commitment(sentence: str, speaker: str) -> str | None:
    """ "you" or "them" for a promise in ``sentence`` said by ``speaker``, else None."""
    from ringback.contacts.promises import _MINE, _THEIRS

    if _MINE.search(sentence):
        return "you" if speaker == "rep" else "them"
    if _THEIRS.search(sentence):
        return "them" if speaker == "rep" else "you"
    return None


def propose(turns: tuple[Turn, ...], *, call_at: datetime, tz: ZoneInfo) -> list[Proposal]:
    """The proposals of one call, in the order they were said."""
    if call_at.tzinfo is None:
        raise ValueError("call_at must be timezone-aware")
    out: list[Proposal] = []
    seen: set[str] = set()

    def add(**fields: Any) -> None:
        key = f"{fields['kind']}:{fields['text'].lower()}"
        if key not in seen:
            seen.add(key)
            fields["start"] = round(fields["start"], 2)
            out.append(Proposal(id=len(out) + 1, **fields))

    for turn in turns:
        for start, raw in sentences(turn.words):
            sentence = raw.strip()
            if len(sentence.split()) < 3:
                continue
            by = _commitment(sentence, turn.speaker)
            if by is not None:
                title = f"{'You promised' if by == 'you' else 'They promised'}: {sentence}"
                add(
                    kind="follow_up",
                    text=title,
                    speaker=turn.speaker,
                    start=start,
                    by=by,
                    due=_first_date(sentence, call_at, tz),
                )
                continue
            if (
                turn.speaker != "customer"
                or sentence.endswith("?")
                or _QUESTION_START.match(sentence)
            ):
                continue
            if _GOAL.search(sentence):
                kind = (
                    "financial_goal"
                    if _FINANCIAL.search(sentence)
                    else "personal_goal"
                    if _PERSONAL.search(sentence)
                    else "professional_goal"
                )
                add(
                    kind="back_story",
                    text=sentence,
                    speaker="customer",
                    start=start,
                    story_kind=kind,
                )
            elif _CHALLENGE.search(sentence):
                add(
                    kind="back_story",
                    text=sentence,
                    speaker="customer",
                    start=start,
                    story_kind="challenge",
                )
            due = _first_date(sentence, call_at, tz)
            if due is not None:
                add(
                    kind="follow_up",
                    text=f"They mentioned ({_clock(start)}): {sentence}",
                    speaker="customer",
                    start=start,
                    due=due,
                )
    return out
