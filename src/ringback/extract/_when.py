"""Pieces of a spoken date or time, found in the normalised text (see _text.py).

dates.py combines adjacent pieces ("Thursday" + "at 2 30") and resolves them. A piece
says what was heard, not when it is: resolution needs the received time and timezone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ringback.extract.said_digits import spelled_digits

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
# Default clock time for a part of the day; "tomorrow afternoon" has to become one instant.
PERIODS = {
    "early morning": (8, 0),
    "morning": (9, 0),
    "late morning": (11, 0),
    "lunch": (12, 0),
    "early afternoon": (13, 0),
    "afternoon": (14, 0),
    "late afternoon": (16, 0),
    "early evening": (17, 0),
    "evening": (18, 0),
    "night": (19, 0),
    "end of day": (17, 0),
}

_MONTH_RE = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORD = r"(\d{1,2})(?:st|nd|rd|th)"
_YEAR = r"(?:,?\s+(20\d\d))?"
# A bare number after "at" is a clock time only when what follows cannot make it a count
# ("at 2 locations"): an allow-list, because guessing a time wrong is worse than missing it.
_TIME_FOLLOWS = (
    r"(?=\s*(?:$|[.,;:!?)](?!\d)|(?:on|this|next|tomorrow|today|tonight|in|or|and|if|works?|would|will"
    r"|is|please|so|to|for|then|that|my|i|we|you|sharp|ish|should|could|can|thanks|thank|let"
    r"|call|give|because|but|at|any|if|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|o'?\s?clock|a\.?\s?m\b|p\.?\s?m\b|okay|ok|alright|talk|see|sounds|again|too"
    r"|instead|latest|or\s+so|that|is|are|when|good|great|fine|with|right|yeah|yes|sound|sounds"
    r"|ok|correct)\b))"
)
# "2:30", "10.30" (Whisper's British style), "2 30" (from "two thirty").
_MINUTES = r"(?:[:.](\d{2})|\s(\d{2})(?!\d))?"
# Whisper also writes "two thirty" as "230": an hour and minutes run together.
_HOUR = r"(1[0-2][0-5]\d|[1-9][0-5]\d|\d{1,2})"
_AMPM = r"(?:\s*(a\.?\s?m\b\.?|p\.?\s?m\b\.?|o'?\s?clock))"


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    kind: str  # "day" | "time" | "period"
    # day pieces
    rel_days: int | None = None  # today=0, tomorrow=1, "in 2 weeks"=14
    weekday: int | None = None
    weekday_mode: str = ""  # "" | "this" | "next"
    month: int | None = None
    day: int | None = None
    year: int | None = None
    rel_months: int = 0
    rel_minutes: int | None = None  # "in an hour": a full instant
    # time pieces
    hour: int | None = None
    minute: int = 0
    meridiem: str = ""  # "am" | "pm" | ""
    period: str = ""
    qualifier: str = ""  # after | before | by | until | between
    weak: bool = False  # a bare part of the day ("all morning"): only counts next to a day


_DAY_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b"), "after_tomorrow"),
    (re.compile(r"\b(?:(by|until|till|before|after)\s+)?tomorrow\b"), "tomorrow"),
    (re.compile(r"\b(?:(by|until|till|before|after|later)\s+)?today\b"), "today"),
    (re.compile(r"\btonight\b"), "tonight"),
    (re.compile(r"\bthis\s+(early\s+|late\s+)?(morning|afternoon|evening)\b"), "this_period"),
    (
        re.compile(
            # "last Tuesday" and "instead of Monday" name days that are not plans.
            r"(?<!last\s)(?<!instead\sof\s)(?<!from\slast\s)"
            # "come by Thursday" is a visit, not a deadline.
            r"\b(?:(?<!come\s)(?<!stop\s)(?<!drop\s)(?<!swing\s)(by|until|till|before|after)\s+)?"
            r"(?:on\s+)?(?:(this|next)\s+)?(?:coming\s+)?"
            r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
            r"(?:,?\s+(?:the\s+)?" + _ORD + r")?\b"
        ),
        "weekday",
    ),
    (re.compile(r"\b" + _MONTH_RE + r"\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b" + _YEAR), "md"),
    (
        re.compile(
            r"\bthe\s+"
            + _ORD
            + r"(?:\s+of\s+"
            + _MONTH_RE
            + r")?\b"
            + _YEAR
            # "the 2nd draw", "the 3rd floor": an ordinal before a noun is not a date.
            + r"(?!\s+(?:floor|draw|times?|place|ones?|option|house|home|unit|payment|installment"
            r"|round|offer|quarter|bedroom|story|storey|grade|street|st|avenue|ave|deposit|step|phase"
            r"|person|people|call|meeting|week|month|year|day|item|thing|page|line|version|draft"
            r"|listing|property|buyer|seller|contract|showing|inspection|visit|appointment|level|lot"
            r"|half|child|kid|car|mortgage|loan|check|invoice|try|attempt|choice|one)s?\b)"
        ),
        "dm",
    ),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])"), "numeric"),
    (
        re.compile(
            r"\b(?:with)?in\s+(a|an|a\s+couple\s+of|a\s+few|\d{1,2})\s+(day|week|month)s?\b"
            r"|\b(a|1|2)\s+(week)s?\s+from\s+(?:today|now)\b"
        ),
        "in_days",
    ),
    (re.compile(r"\bin\s+(a|an|half\s+an|\d{1,3})\s+(hour|minute)s?\b"), "in_minutes"),
    (re.compile(r"\b(?:(by|until|before)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?week\b"), "eow"),
    (re.compile(r"\b(?:(by|until|before)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?month\b"), "eom"),
    (re.compile(r"\b(?:(by|after)\s+)?(?:early\s+)?next\s+week\b"), "next_week"),
    (re.compile(r"\b(?:(by|after|over|on)\s+)?this\s+weekend\b"), "weekend"),
]

_TIME_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\bbetween\s+(\d{1,2})"
            + _MINUTES
            + _AMPM
            + r"?\s+and\s+(?:(\d{1,2})"
            + _MINUTES
            + _AMPM
            + r"?|(noon|midday))\b"
        ),
        "between",
    ),
    (re.compile(r"\b" + _HOUR + _MINUTES + _AMPM), "clock"),
    (
        re.compile(
            r"\b(at|around|about|after|before|by|until|till|from|say|maybe)\s+"
            + _HOUR
            + _MINUTES
            + r"\b(?!:)"
            + _TIME_FOLLOWS
            + _AMPM
            + "?"
        ),
        "cued",
    ),
    (re.compile(r"\b(\d{1,2}):(\d{2})\b"), "colon"),
    # "two thirty works": an hour and a round minute with nothing before that makes it a
    # count or a house number; what follows must read like the end of a time.
    (
        re.compile(
            r"(?<![\d$.,:/-])(?<![\d$.,:/-]\s)\b(1[0-2]|[1-9])\s([0-5][05])\b"
            r"(?=\s*(?:$|[.,;:!?](?!\d)|(?:works?|would|is\s+(?:good|fine|great|best)|tomorrow"
            r"|today|tonight|on|this|next|monday|tuesday|wednesday|thursday|friday|saturday"
            r"|sunday|o'?\s?clock|a\.?\s?m\b|p\.?\s?m\b)\b))"
        ),
        "bare_hm",
    ),
    (
        re.compile(r"\b(?:(at|around|about|after|before|by|until)\s+)?half\s+past\s+(\d{1,2})\b"),
        "half",
    ),
    (
        re.compile(
            r"\b(?:(at|around|about|after|before|by|until)\s+)?(?:a\s+)?quarter\s+"
            r"(past|after|to|till|of)\s+(\d{1,2})\b"
        ),
        "quarter",
    ),
    (
        re.compile(r"\b(?:(at|around|about|after|before|by|until)\s+)?(noon|midday|lunchtime)\b"),
        "noon",
    ),
    (
        re.compile(
            r"\b(?:(by|before|until|at)\s+)?(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:business\s+)?day|close\s+of\s+business|eod|cob)\b"
        ),
        "eod",
    ),
    (
        re.compile(
            r"(?<!good )(?<!good\s\s)\b(?:((?:first|1st)\s+thing)\s+)?(in\s+the\s+)?(early\s+|late\s+)?"
            r"(morning|afternoon|evening)\b"
        ),
        "period",
    ),
]

_SMALL = {"a": 1, "an": 1, "a couple of": 2, "a few": 3, "half an": 0}


def _hm(hour: str, m1: str | None, m2: str | None) -> tuple[int, int] | None:
    if len(hour) >= 3:  # "230" = 2:30
        if m1 or m2:
            return None
        hour, m1 = hour[:-2], hour[-2:]
    h = int(hour)
    m = int(m1 or m2 or 0)
    if not 0 <= h <= 23 or not 0 <= m <= 59:
        return None
    return h, m


def _meridiem(text: str | None) -> str:
    if not text:
        return ""
    t = text.replace(".", "").replace(" ", "")
    return "am" if t.startswith("a") else "pm" if t.startswith("p") else ""


def _month(name: str | None) -> int | None:
    return MONTHS.get(name[:3]) if name else None


def _day_piece(kind: str, m: re.Match[str]) -> Piece | None:
    s, e = m.start(), m.end()
    g = m.groups()
    if kind in ("after_tomorrow", "tomorrow", "today"):
        rel = {"after_tomorrow": 2, "tomorrow": 1, "today": 0}[kind]
        return Piece(s, e, "day", rel_days=rel, qualifier=(g[0] or "") if g else "")
    if kind == "tonight":
        return Piece(s, e, "day", rel_days=0, period="night")
    if kind == "this_period":
        return Piece(s, e, "day", rel_days=0, period=((g[0] or "") + g[1]).strip())
    if kind == "weekday":
        qual, mode, name, dom = g
        return Piece(
            s,
            e,
            "day",
            weekday=WEEKDAYS.index(name),
            weekday_mode=mode or "",
            day=int(dom) if dom else None,
            qualifier=qual or "",
        )
    if kind == "md":
        return Piece(s, e, "day", month=_month(g[0]), day=int(g[1]), year=_year(g[2]))
    if kind == "dm":
        return Piece(s, e, "day", day=int(g[0]), month=_month(g[1]), year=_year(g[2]))
    if kind == "numeric":
        month, day = int(g[0]), int(g[1])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return Piece(s, e, "day", month=month, day=day, year=_year(g[2]))
    if kind == "in_days":
        count_word, unit = (g[0], g[1]) if g[1] else (g[2], g[3])
        n = _SMALL.get(count_word, 0) if not count_word.isdigit() else int(count_word)
        if unit == "month":
            return Piece(s, e, "day", rel_days=0, rel_months=n)
        return Piece(s, e, "day", rel_days=n * (7 if unit == "week" else 1))
    if kind == "in_minutes":
        n = _SMALL.get(g[0], 0) if not g[0].isdigit() else int(g[0])
        minutes = 30 if g[0] == "half an" else n * (60 if g[1] == "hour" else 1)
        return Piece(s, e, "day", rel_minutes=minutes)
    if kind == "eow":
        return Piece(s, e, "day", weekday=4, weekday_mode="this", qualifier=g[0] or "")
    if kind == "eom":
        return Piece(s, e, "day", day=-1, qualifier=g[0] or "")
    if kind == "next_week":
        return Piece(s, e, "day", weekday=0, weekday_mode="next", qualifier=g[0] or "")
    if kind == "weekend":
        return Piece(s, e, "day", weekday=5, weekday_mode="this")
    return None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text)
    return y + 2000 if y < 100 else y


def _time_piece(kind: str, m: re.Match[str]) -> Piece | None:
    s, e = m.start(), m.end()
    g = m.groups()
    if kind == "between":
        hm = _hm(g[0], g[1], g[2])
        if hm is None:
            return None
        # "between 2 and 4 pm": the end's am/pm carries over; "between 10 and noon" is morning.
        end_mer = "am" if g[8] else _meridiem(g[7]) if g[4] and hm[0] <= int(g[4]) else ""
        return Piece(
            s,
            e,
            "time",
            hour=hm[0],
            minute=hm[1],
            meridiem=_meridiem(g[3]) or end_mer,
            qualifier="between",
        )
    if kind == "clock":
        hm = _hm(g[0], g[1], g[2])
        if hm is None or spelled_digits(m.group(), hm[1]):
            return None
        return Piece(s, e, "time", hour=hm[0], minute=hm[1], meridiem=_meridiem(g[3]))
    if kind == "cued":
        hm = _hm(g[1], g[2], g[3])
        if (
            hm is None
            or (hm[0] > 12 and not g[2])
            or hm[0] == 0
            or spelled_digits(m.group(), hm[1])
        ):
            return None
        return Piece(
            s, e, "time", hour=hm[0], minute=hm[1], meridiem=_meridiem(g[4]), qualifier=_qual(g[0])
        )
    if kind in ("colon", "bare_hm"):
        hm = _hm(g[0], g[1], None)
        return None if hm is None else Piece(s, e, "time", hour=hm[0], minute=hm[1])
    if kind == "half":
        return Piece(s, e, "time", hour=int(g[1]) % 24, minute=30, qualifier=_qual(g[0]))
    if kind == "quarter":
        h = int(g[2]) % 24
        if g[1] in ("past", "after"):
            return Piece(s, e, "time", hour=h, minute=15, qualifier=_qual(g[0]))
        return Piece(s, e, "time", hour=(h - 1) % 24 or 12, minute=45, qualifier=_qual(g[0]))
    if kind == "noon":
        return Piece(s, e, "time", hour=12, minute=0, meridiem="pm", qualifier=_qual(g[0]))
    if kind == "eod":
        return Piece(s, e, "period", period="end of day", qualifier=_qual(g[0]) or "by")
    if kind == "period":
        first, in_the, adj, name = g
        period = "early morning" if first else ((adj or "") + name).strip()
        return Piece(s, e, "period", period=period, weak=not (first or in_the))
    return None


def _qual(word: str | None) -> str:
    return word if word in ("after", "before", "by", "until", "till") else ""


# A pattern runs only when one of these substrings is in the text: most messages mention
# few dates, and skipping a regex scan is the cheapest way to stay fast on long transcripts.
_DIGIT = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
_NEEDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("after_tomorrow", "tomorrow"), ("tomorrow",)),
    **dict.fromkeys(("dm", "clock", "cued", "bare_hm"), _DIGIT),
    **dict.fromkeys(("eow", "eom"), ("end",)),
    "today": ("today",),
    "tonight": ("tonight",),
    "this_period": ("this",),
    "weekday": ("day",),
    "md": _MONTH_NAMES,
    "numeric": ("/",),
    "in_days": ("day", "week", "month"),
    "in_minutes": ("hour", "minute"),
    "next_week": ("next week",),
    "weekend": ("weekend",),
    "between": ("between",),
    "colon": (":",),
    "half": ("half",),
    "quarter": ("quarter",),
    "noon": ("noon", "midday", "lunchtime"),
    "eod": ("end", "eod", "cob", "close of"),
    "period": ("morning", "afternoon", "evening"),
}


_PRICE_BEFORE = re.compile(
    r"\b(?:for|of|is|was|about|like|pay|paid|offer(?:ed)?|price[ds]?|list(?:ed)?|asking|at|"
    r"approved|budget|under|over|around|costs?|only|just)\s+$"
    r"|\b(?:ask|asking|offer|pay|list|sell|sold|price)\s+(?:\w+\s+)?$"
)


def _wanted(kind: str, text: str) -> bool:
    return any(needle in text for needle in _NEEDS[kind])


def find_pieces(text: str) -> list[Piece]:
    """All date/time pieces, longest first where they overlap, in text order."""
    found: list[Piece] = []
    for pattern, kind in _DAY_PATTERNS:
        if not _wanted(kind, text):
            continue
        for m in pattern.finditer(text):
            piece = _day_piece(kind, m)
            if piece:
                found.append(piece)
    for pattern, kind in _TIME_PATTERNS:
        if not _wanted(kind, text):
            continue
        for m in pattern.finditer(text):
            if kind in ("bare_hm", "cued") and _PRICE_BEFORE.search(
                text, max(0, m.start() - 25), m.start()
            ):
                continue  # "pre-approved for five fifty", "ask around seven fifty": prices
            piece = _time_piece(kind, m)
            if piece:
                found.append(piece)
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    kept: list[Piece] = []
    for piece in found:
        if kept and piece.start < kept[-1].end:
            continue  # overlaps a longer, earlier piece
        kept.append(piece)
    return kept
