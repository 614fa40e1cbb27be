"""One line for an email subject: what the caller wants, when, and about what.

"wants to meet Thursday 2 pm about the listing on 123 Main Street". Built from a detected
intent (the strongest one wins), the first date mentioned and the topic after
"about"/"regarding", never from free generation: every word in it was in the message.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from ringback.extract._text import NUMBER_WORDS
from ringback.extract.dates import DateMention

MAX_LENGTH = 80
NO_ACTION = "left a message"  # the summary when no request is recognised

_DOC = (
    r"((?:signed\s+|updated\s+|new\s+|revised\s+|final\s+)?(?:contract|paperwork|documents?|"
    r"disclosures?|agreement|forms?|quote|proposal|invoice|estimate|listing\s+agreement|brochure|"
    r"info(?:rmation)?|details|pictures|photos|floor\s*plans?|comps|inspection\s+report|report|"
    r"appraisal|pre-?approval(?:\s+letter)?|(?:bank\s+)?statements?|purchase\s+order|w-?9|lease|application|receipt|price\s+list|"
    r"catalog(?:ue)?|specs?|samples?|slides|deck))\b"
)
# (intent, action phrase, pattern), strongest first: a concrete request (cancel, offer,
# meeting, document) says more than the generic "call me back" most messages end with.
_INTENTS: list[tuple[str, str, re.Pattern[str]]] = [
    ("cancel", "wants to cancel", re.compile(r"\bcancel(?:l?ing|l?ed)?\b")),
    (
        "reschedule",
        "wants to reschedule",
        re.compile(r"\bre-?schedul|\bmove\s+(?:our|the)\s+(?:meeting|appointment|call|showing)"),
    ),
    (
        "offer",
        "wants to make an offer",
        re.compile(
            r"\b(?:make|put\s+in|submit|write\s+up|present)\s+(?:an?\s+)?(?:\w+\s+)?offer\b"
        ),
    ),
    (
        "showing",
        "wants a showing",
        re.compile(
            r"\b(?:showing|tour|walk-?\s?through|see\s+(?:the|that|this|your)\s+"
            r"(?:house|home|place|property|unit|apartment|condo|listing))\b"
        ),
    ),
    (
        "meet",
        "wants to meet",
        re.compile(
            r"\b(?:meet(?:ing)?(?:\s+up)?|get\s+together|sit\s+down|come\s+(?:by|over|in|out)|"
            r"stop\s+by|swing\s+by|drop\s+by|grab\s+(?:a\s+)?(?:coffee|lunch|drink))\b"
        ),
    ),
    (
        "send",
        "asks you to send",
        re.compile(
            r"\b(?:(?:send|email|e-mail|forward|fax|mail)\s+(?:me|us|over|him|her|them)?\s*"
            r"(?:over\s+)?|need\s+)(?:the|a|an|your|that|those|some|a\s+copy\s+of\s+the)?\s*" + _DOC
        ),
    ),
    (
        "schedule",
        "wants to set up a time",
        re.compile(
            r"\b(?:schedule|set\s+up\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}?(?:time|call|meeting|appointment|demo|"
            r"consultation|consult|demonstration|visit)|book\s+(?:a|an)|"
            r"your\s+availability|find\s+a\s+time|appointment)\b"
        ),
    ),
    (
        "question",
        "has a question",
        re.compile(
            r"\b(?:question|wondering|wanted\s+to\s+ask|want\s+to\s+ask|curious|do\s+you\s+know|"
            r"could\s+you\s+tell\s+me|can\s+you\s+tell\s+me)\b"
            # a yes/no question about a thing: "is it still available?"
            r"|\b(?:is|are|does|do)\s+(?:it|the|that|this|there|they|pets)\b[^.?!]{0,60}\?"
        ),
    ),
    (
        "price",
        "asks about the price",
        re.compile(
            r"\bhow\s+much\b|\bpricing\b|\b(?:asking|the|your|a)\s+price\b(?:[^.?!]|\.\d){0,30}\?"
            r"|\bwhat(?:'s|\s+is|\s+are|\s+would)\s+(?:the\s+|your\s+)?(?:price|fees?|rates?|cost)"
            r"|\bprice\s+(?:range|point)\b|\bquote\b"
        ),
    ),
    (
        "callback",
        "asks for a call back",
        re.compile(
            r"\b(?:call\s+(?:me|us|him|her)?\s*back|give\s+(?:me|us)\s+a\s+(?:call|ring|buzz|shout)|"
            r"call\s+me|get\s+back\s+to\s+me|reach\s+me|return\s+my\s+call|ring\s+me|"
            r"hear\s+from\s+you|touch\s+base|please\s+call|call\s+(?:us|our)|"
            r"(?:can|could|should)\s+we\s+(?:talk|chat|speak)|reach\s+out|(?:want|like|love)\s+to\s+(?:talk|chat|"
            r"discuss)|let'?s\s+(?:talk|chat))\b"
        ),
    ),
]
_TOPIC = re.compile(
    r"\b(?:about|regarding|re:|concerning|follow(?:ing)?\s+up\s+on|in\s+regards?\s+to|with\s+regards?\s+to|in\s+reference\s+to)"
    r"\s+(.{3,70}?)(?=\s*[.?!,;:]|\s+(?:and|so|if|please|can|could|would|i|i'm|we|call|give|let|"
    r"because|but|thanks|thank|when|whenever|you|it's|that's|just|which|im|were|we're|its)\b|$)",
    re.IGNORECASE,
)
_BAD_TOPIC_START = re.compile(
    r"^(?:it|that|this|you|me|us|him|her|them|\d|\$|noon|a\s+(?:week|day|month|minute|second|year|half|quarter)|an\s+hour|"
    r"to\b|whether|how|what|when|half|quarter)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(r"\b(?:um+|uh+|uhm|er)\b,?\s*", re.IGNORECASE)


def detect_intent(text: str) -> tuple[str, str]:
    low = text.lower()
    for name, phrase, pattern in _INTENTS:
        m = pattern.search(low)
        if m:
            if name == "send":
                return name, f"{phrase} the {m.group(1)}"
            return name, phrase
    return "message", NO_ACTION


def _clock(dt: datetime) -> str:
    hour = dt.hour % 12 or 12
    suffix = "am" if dt.hour < 12 else "pm"
    if dt.hour == 12 and dt.minute == 0:
        return "noon"
    return f"{hour}:{dt.minute:02d} {suffix}" if dt.minute else f"{hour} {suffix}"


def when_phrase(mention: DateMention, today: date) -> str:
    value = mention.value
    if value is None:
        return mention.text
    day = value.date() if isinstance(value, datetime) else value
    if day == today:
        day_text = "today"
    elif day == today + timedelta(days=1):
        day_text = "tomorrow"
    elif timedelta(0) < day - today < timedelta(days=7):
        day_text = day.strftime("%A")
    else:
        day_text = f"{day.strftime('%b')} {day.day}"
        if isinstance(value, datetime):
            day_text += ","  # "Dec 1, 2 pm" rather than "Dec 1 2 pm"
    parts = [day_text]
    if isinstance(value, datetime) and not mention.exact and mention.period:
        # "tomorrow morning": the part of the day as said, not the 9 am it stands for.
        if day == today:
            parts = ["tonight" if mention.period == "night" else f"this {mention.period}"]
        else:
            parts.append(mention.period)
        if mention.qualifier in ("by", "before", "until"):
            parts.insert(0, mention.qualifier)
    elif isinstance(value, datetime):
        clock = _clock(value)
        if mention.qualifier in ("after", "before", "by", "until"):
            clock = f"{mention.qualifier} {clock}"
        parts.append(clock)
    elif mention.qualifier in ("by", "before", "until", "after"):
        parts.insert(0, mention.qualifier)
    return " ".join(parts)


def topic(text: str, replacements: list[tuple[int, int, str]]) -> str | None:
    """The phrase after "about"/"regarding", with addresses written canonically."""
    for m in _TOPIC.finditer(text):
        phrase = m.group(1).strip()
        first = phrase.split()[0].lower() if phrase.split() else ""
        if _BAD_TOPIC_START.match(phrase) or first in NUMBER_WORDS:
            continue  # "about two", "about eighteen hundred dollars": not a topic
        start, end = m.start(1), m.start(1) + len(phrase)
        for r_start, r_end, canonical in sorted(replacements, reverse=True):
            if start <= r_start and r_end <= end + 40 and r_start < end:
                phrase = text[start:r_start] + canonical
                break
        return phrase
    return None


def _shorten(line: str) -> str:
    if len(line) <= MAX_LENGTH:
        return line
    cut = line[: MAX_LENGTH - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;") + "…"


def summarize(
    text: str,
    callback: DateMention | None,
    addresses: list[tuple[str, tuple[int, int]]],
    today: date,
    action: str | None = None,
) -> str:
    """The subject line. ``callback``: the callback time (``callback_at``), the only time
    a summary names; an event ("the closing on the 10th") is never read as when to call.
    addresses: canonical strings with spans in the *original* text; action as detected."""
    clean = text  # not stripped: address spans index into it
    if not clean.strip():
        return "left no message"
    if action is None:
        _, action = detect_intent(clean)
    parts = [action]
    if callback is not None:
        when = when_phrase(callback, today)
        # An action takes its time ("wants to meet Thursday 2 pm"); the bare fallback does
        # not: "left a message tomorrow" would read as when the message was left.
        if action == NO_ACTION:
            parts = [f"{action}, mentions {when}"]
        else:
            parts.append(when)
    about = topic(clean, [(s, e, a) for a, (s, e) in addresses])
    joiner = "for" if action.endswith("price") else "about"
    if about:
        parts.append(f"{joiner} {_FILLER.sub('', about).strip()}")
    elif addresses:
        parts.append(f"{joiner} {addresses[0][0]}")
    return _shorten(" ".join(parts))
