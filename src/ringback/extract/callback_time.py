"""When the caller wants to be called back: which of the dates said is the callback time.

A voicemail names many times, and most are not when to call: "the closing is on the
10th", "my flight lands at 7:45", "we close at 7", "the offer expires Friday", "I had the
inspection this morning". The callback time is the one said of a call, a talk or a
meeting: "call me tomorrow after 3", "can we meet Thursday at two", "I'm free this
evening", "let me know by Friday", "please call by Wednesday" (a deadline for the call
is a callback time; a deadline for anything else is not).

How a date is read (rules, not a model, so that the result is explainable and cheap):
- its clause (the sentence cut at commas, semicolons and "and/but/so/because") is read
  for cue words of two kinds: a call, talk, meeting or availability ("call", "talk",
  "meet", "come by", "I'm free", "let me know", "an answer by"), and an event ("closing",
  "flight", "lands", "expires", "due", "moved", "appointment", "send", "pay");
- the cue nearest to the date decides (so "call me before the closing on the 10th" gives
  the 10th to the closing); with no cue in its clause, the nearest in its sentence;
- a date told in the past ("I had", "we signed"), or already past when the message came
  in, is never a callback time;
- the first date that passes is the callback time. Its value is ISO 8601 in the user's
  timezone: a date and time when a clock time was said, a date alone when only a day or
  a part of a day was ("tomorrow", "Tuesday morning").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from ringback.extract.dates import DateMention

_CALL = re.compile(
    r"\bcall\b(?!\s+(?:from|with)\b)|\bring\s+(?:me|us)\b|\bphone\s+me\b|\btext\s+me\b"
    r"|\bgive\s+(?:me|us)\s+a\s+(?:call|ring|buzz|shout|holler)\b|\breach\s+(?:me|us)\b"
    r"|\bget\s+back\s+to\s+(?:me|us)\b|\bget\s+in\s+touch\b|\bhear\s+(?:back\s+)?from\s+you\b"
    r"|\btouch\s+base\b|\b(?:catch|try)\s+me\b|\breturn\s+my\s+call\b|\blet\s+(?:me|us)\s+know\b"
    r"|\b(?:an\s+|your\s+)(?:answer|response|reply|decision)\b|\bhear\s+back\b"
    # talking and meeting
    r"|\b(?:talk|chat|speak|discuss|connect)\b|\bgo\s+over\b|\bcatch\s+up\b|\bmeet\b"
    r"|\bmeet\s+up\b|\b(?:a|set\s+up\s+a|schedule\s+a|have\s+a)\s+meeting\b"
    r"|\bget\s+together\b|\bsit\s+down\b|\bcome\s+(?:by|over|in|out|see)\b"
    r"|\b(?:stop|swing|drop|pop)\s+(?:by|in|over)\b|\bgrab\s+(?:a\s+)?(?:coffee|lunch|drink|bite)\b"
    r"|\bsee\s+you\b|\bshowing\b|\btour\b|\bwalk-?\s?through\b|\bwalk\s+through\b"
    r"|\bconsult(?:ation)?\b|\bbe\s+(?:there|here|over|by)\b"
    r"|\b(?:i|we)\s+(?:can|could)\s+(?:be|come|stop|swing|meet|drop)\b"
    r"|\b(?:set\s+up|book|schedule|arrange|find)\s+(?:a|an|the|some)?\s*"
    r"(?:time|call|visit|demo|meeting|consultation)\b"
    # availability and proposals
    r"|\b(?:i'?m|i\s+am|we'?re|we\s+are|are\s+you|you'?re|be|i'?ll\s+be|we'?ll\s+be)\s+"
    r"(?:free|available|around|in\s+the\s+office|back\s+in\s+the\s+office)\b"
    r"|\bworks?\b|\bwould\s+work\b|\bis\s+(?:best|good|fine|great|better|perfect)\b"
    r"|\b(?:best|good)\s+time\b|\b(?:i|we)\s+can\s+do\b|\b(?:can|could)\s+we\s+do\b"
    r"|\blet'?s\s+do\b|\b(?:how|what)\s+about\b|\beither\b"
    r"|\b(?:want|like|love)\s+to\s+see\b|\bmy\s+(?:number|cell|phone)\s+is\b"
)
_EVENT = re.compile(
    r"\bclos(?:e|es|ed|ing)\b(?!\s+of\s+business)|\bflights?\b|\bland(?:s|ed|ing)?\b"
    r"|\bdepart\w*|\barriv\w*|\bmov(?:e|es|ed|ing)\b|\bmove-?in\b|\binspect(?:ions?|ed)?\b|\bapprais(?:al|als|ed)\b"
    r"|\bexpir\w*|\bdeadline\b|\bdue\b|\bdeliver\w*|\bship\w*|\bstart(?:s|ed|ing)?\b"
    r"|\bbegin\w*|\bfinish\w*|\bdone\b|\bready\b|\bopen\s+house\b|\blease\b|\brenew\w*"
    r"|\brent\b|\bpa(?:y|ys|id|ying|yment)\b|\bsurgery\b|\bparty\b|\bwedding\b|\bvacation\b"
    r"|\bholiday\b|\bout\s+of\s+(?:town|the\s+office)\b|\baway\b|\bappointment\b|\bremind\w*"
    r"|\bscheduled\b|\bbooked\b|\bset\s+for\b|\bsign(?:ed|ing)?\b|\bsen[dt]\w*|\bemail\b"
    r"|\bmail\b|\bsubmit\w*|\bneed\s+(?:the|your|those|that|these|it|them|a|an)\b|\boffer\b"
    r"|\bbirthday\b|\bfuneral\b|\bclass\b|\bgame\b"
    # business hours: "we're open until 6", "the office opens at 8"
    r"|\b(?:we'?re|we\s+are|(?:office|store|shop)\s+is)\s+open\b|\bopens?\b(?=\s+(?:until|till|at|from))"
)
_PAST = re.compile(
    r"\b(?:had|was|were|did|came|went|saw|met|spoke|talked|called|signed|sent|got|showed"
    r"|closed|happened|moved|landed|left|finished|started|visited|toured|inspected|yesterday"
    r"|ago|last|already)\b"
)
_FUTURE = re.compile(
    r"\b(?:will|gonna|going\s+to|can|could|would|please|let'?s|want|need|should)\b|'ll\b"
)
_WORD = re.compile(r"[a-z']+")
# A dot ends a sentence unless it ends a title ("Dr. Kim", "St. Louis"), or "p.m." with
# the day still to come ("3 p.m. tomorrow").
_SENTENCE_END = re.compile(
    r"[?!;]|(?<!\b[ap]\.m)(?<!\bdr)(?<!\bmr)(?<!\bms)(?<!\bmrs)(?<!\bst)\.(?=\s|$)"
    r"|(?<=\b[ap]\.m)\.(?=\s|$)(?!\s+(?:tomorrow|today|tonight|on|this|next)\b)"
)
_CLAUSE_END = re.compile(r",|\b(?:and|but|so|because|since|though|although)\b")
# A callback time may be a few minutes before the message's timestamp ("call me at 3",
# left at 3:02): that is now, not the past.
_SLACK = timedelta(minutes=15)


def _bounds(text: str, start: int, end: int, stops: re.Pattern[str]) -> tuple[int, int]:
    lefts = [m.end() for m in stops.finditer(text, 0, start)]
    right = stops.search(text, end)
    return (lefts[-1] if lefts else 0), (right.start() if right else len(text))


def _nearest_cue(text: str, lo: int, hi: int, start: int, end: int) -> str | None:
    """ "call" or "event": the kind of the cue nearest to text[start:end] in text[lo:hi].

    A cue before the date wins over one after it: a date follows what it is said of
    ("starts the new roof on the 10th", "call me tomorrow"), which matters most in a
    transcript with no punctuation ("...on the 10th give me a call...")."""
    best: tuple[int, int, str] | None = None
    for kind, pattern in (("call", _CALL), ("event", _EVENT)):
        for m in pattern.finditer(text, lo, hi):
            if m.end() <= start:
                side, distance = 0, start - m.end()
            elif m.start() >= end:
                side, distance = 1, m.start() - end
            else:
                continue  # inside the date itself ("close of business")
            if best is None or (side, distance) < best[:2]:
                best = (side, distance, kind)
    return best[2] if best else None


def _told_in_past(clause: str) -> bool:
    return bool(_PAST.search(clause)) and not _FUTURE.search(clause)


def _is_ahead(mention: DateMention, received_at: datetime) -> bool:
    value = mention.value
    if isinstance(value, datetime):
        return value >= received_at - _SLACK
    if isinstance(value, date):
        return value >= received_at.date()
    return False


def is_callback(text: str, mention: DateMention, received_at: datetime) -> bool:
    """Whether ``mention`` (found in ``text``, the normalised transcript with numbers said
    digit by digit masked) is said of a call, a talk or a meeting still ahead."""
    if not _is_ahead(mention, received_at):
        return False
    start, end = mention.span
    while end > start and text[end - 1] == ".":
        end -= 1  # "10:30 a.m." may end its sentence: the dot is the sentence's
    s_lo, s_hi = _bounds(text, start, end, _SENTENCE_END)
    c_lo, c_hi = _bounds(text, start, end, _CLAUSE_END)
    c_lo, c_hi = max(c_lo, s_lo), min(c_hi, s_hi)
    if _told_in_past(text[c_lo:start]):
        return False
    kind = _nearest_cue(text, c_lo, c_hi, start, end)
    if kind is None:
        kind = _nearest_cue(text, s_lo, s_hi, start, end)
    if kind is None and _is_fragment(text[s_lo:start] + text[end:s_hi]):
        # "Call me back. Tomorrow after three.": a sentence that is only a time belongs
        # to the sentences around it.
        kind = _nearest_cue(text, 0, len(text), start, end)
    return kind == "call"


def _is_fragment(rest: str) -> bool:
    """Whether what a sentence says besides its date is no more than a word ("maybe")."""
    return len(_WORD.findall(rest)) <= 1


def callback_mention(
    text: str, mentions: Sequence[DateMention], received_at: datetime
) -> DateMention | None:
    """The date said as the callback time, or None (see the module's rules)."""
    return next((m for m in mentions if is_callback(text, m, received_at)), None)


def callback_iso(mention: DateMention | None) -> str | None:
    """``callback_at``: a date and time when a clock time was said, else a date alone."""
    if mention is None or mention.value is None:
        return None
    value = mention.value
    if isinstance(value, datetime) and not mention.exact:
        return value.date().isoformat()
    return value.isoformat()


__all__ = ["callback_iso", "callback_mention", "is_callback"]
