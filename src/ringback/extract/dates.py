"""Dates and times said in a voicemail, resolved against when it was received.

Conventions (a wrong date is worse than none, so each rule is fixed and tested):
- Everything is resolved in the user's timezone; offsets come from zoneinfo, so DST holds.
- A bare weekday, "on Thursday", "by Friday": the first such day strictly after the day the
  message was received. "this Thursday": the same, except that said on a Thursday it means
  today. "next Thursday": the Thursday of next week (Monday-based weeks); said on a
  Wednesday that is 8 days later, said on a Friday it is 6 days later.
- A clock hour without am/pm: 1-6 is pm, 7-11 is am, 12 is noon (business hours), unless a
  part of the day says otherwise ("tonight at eight" = 20:00, "Tuesday morning at 10").
- Parts of the day: morning 09:00, afternoon 14:00, evening 18:00, tonight 19:00, noon and
  lunchtime 12:00, end of day / close of business 17:00; "early"/"late" shift them.
- A time with no day: the first occurrence after the message was received (today, else
  tomorrow). "End of day" alone is today.
- "the 15th": the next 15th, today included. "March 3rd", "3/12" (US month/day): this year,
  or next year once the date has passed. "next week": its Monday. "end of the week": Friday.
  "this weekend": Saturday. "in two weeks": received date + 14 days; "in an hour": received
  time + 60 minutes.
- Clock forms: "2:30 pm", "2 p.m.", "two o'clock", "half past two", "quarter to three",
  "230" and "10.30" (Whisper's spellings). A bare number is a time only after "at", "around",
  "after", "before", "by"... and when what follows cannot make it a count ("at 2 locations")
  or a price ("asking around seven fifty"); "two thirty" alone only before "works", a day,
  am/pm or the end of a sentence.
- "between two and four" is its start (14:00). "after three tomorrow" keeps "after" as a
  qualifier (used in the summary, not in the ISO value).
- Said in the past ("the open house Sunday, thirty groups came through", "last Tuesday",
  "instead of Monday"), a weekday is not reported: it is not a plan.
- A day without a time is an ISO date ("2026-11-26"); with a time, an ISO datetime with the
  offset. Repeats of the same instant are reported once.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ringback.extract._text import Normalized
from ringback.extract._when import PERIODS, Piece, find_pieces
from ringback.extract.said_digits import mask_said_digits

# Words allowed between two pieces of one mention ("Thursday at 2", "2 pm on Friday").
_GLUE = re.compile(
    r"[\s,]*(?:(?:at|around|about|on|in\s+the|by|say|maybe|or\s+so|sometime|any\s*time|"
    r"starting|beginning|from)"
    r"[\s,]*)*"
)
# "Thursday two thirty": a clock time straight after a day, without "at".
_WEAK_TIME = re.compile(r"[\s,]+(\d{1,2})(?::(\d{2})|\s(\d{2}))\b(?!\s*\d)")
_SENTENCE_END = re.compile(r"[.?!;]")
_CLAUSE_END = re.compile(r"[.?!;,]|\b(?:and|but|so)\b")
_PAST = re.compile(
    r"\b(?:was|were|had|did|came|went|saw|met|spoke|talked|called|signed|sent|got|showed|"
    r"closed|happened|yesterday|ago|last)\b"
)
_FUTURE = re.compile(
    r"\b(?:will|'ll|going\s+to|gonna|can|could|would|should|let'?s|want|wants|need|needs|"
    r"please|next|this|coming|until|by|before|after|works?|free|available|plan|planning|"
    r"schedule[sd]?|expect|hope|if)\b|'ll\b"
)
_PM_PERIODS = frozenset({"afternoon", "evening", "night"})
_MERIDIEM_END = re.compile(r"\b[ap]\.m$", re.IGNORECASE)
_LEADING_NOISE = re.compile(r"^(?:at|around|about|on|say|maybe|in\s+the)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    """One date or time said: the words, the ISO value, and where it was said.

    ``exact`` is whether a clock time was said ("at 3", "noon", "in an hour"): a part of
    the day ("tomorrow afternoon") resolves to a time for ``iso`` but is not exact, so a
    callback time taken from it is a date alone. ``span`` is its place in the normalised
    text (:func:`ringback.extract.normalize`), for reading what was said around it."""

    text: str
    iso: str
    has_time: bool
    qualifier: str = ""  # after | before | by | until | between | ""
    value: datetime | date | None = None
    exact: bool = field(default=False, compare=False)
    period: str = field(default="", compare=False)  # "morning", "night", "end of day"...
    span: tuple[int, int] = field(default=(0, 0), compare=False)

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "iso": self.iso}


def _group(pieces: list[Piece], text: str) -> list[list[Piece]]:
    groups: list[list[Piece]] = []
    for piece in pieces:
        if groups:
            last = groups[-1]
            kinds = {p.kind for p in last}
            gap = text[last[-1].end : piece.start]
            fits = (
                piece.kind not in kinds
                # a period refines a clock time and vice versa, a day takes both
                or (piece.kind == "period" and "time" in kinds and "period" not in kinds)
                # "Wednesday, November 25th": a weekday named with its date
                or (
                    piece.kind == "day"
                    and piece.month is not None
                    and len(last) == 1
                    and last[0].weekday is not None
                )
            )
            if fits and len(gap) <= 16 and _GLUE.fullmatch(gap):
                last.append(piece)
                continue
        groups.append([piece])
    return groups


def _weak_times(pieces: list[Piece], text: str) -> list[Piece]:
    """Add "Thursday 2 30"-style times that only count right after a day."""
    extra: list[Piece] = []
    for i, piece in enumerate(pieces):
        if piece.kind != "day" or piece.rel_minutes is not None:
            continue
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        m = _WEAK_TIME.match(text, piece.end)
        if m and (nxt is None or nxt.start >= m.end()):
            h, mi = int(m.group(1)), int(m.group(2) or m.group(3))
            if 1 <= h <= 12 and 0 <= mi <= 59:
                extra.append(Piece(m.start(1), m.end(), "time", hour=h, minute=mi))
    return sorted(pieces + extra, key=lambda p: p.start)


def _resolve_day(p: Piece, today: date) -> date | None:
    if p.rel_months:
        month_index = today.month - 1 + p.rel_months
        year, month = today.year + month_index // 12, month_index % 12 + 1
        return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    if p.rel_days is not None:
        return today + timedelta(days=p.rel_days)
    if p.weekday is not None:
        delta = (p.weekday - today.weekday()) % 7
        if p.day is not None:
            # "Thursday the 15th": the next date that is both, within a year.
            for offset in range(0, 366):
                d = today + timedelta(days=offset)
                if d.day == p.day and d.weekday() == p.weekday:
                    return d
        if delta == 0 and p.weekday_mode != "this":
            delta = 7
        if p.weekday_mode == "next" and p.weekday > today.weekday():
            delta += 7
        return today + timedelta(days=delta)
    if p.day == -1:  # end of the month
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if p.day is not None and p.month is None:
        year, month = today.year, today.month
        for _ in range(13):
            if p.day <= calendar.monthrange(year, month)[1]:
                d = date(year, month, p.day)
                if d >= today:
                    return d
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None
    if p.day is not None and p.month is not None:
        years = [p.year] if p.year else [today.year, today.year + 1]
        for year in years:
            try:
                d = date(year, p.month, p.day)
            except ValueError:
                return None
            if p.year or d >= today:
                return d
    return None


def _clock(hour: int, minute: int, meridiem: str, period: str) -> tuple[int, int]:
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    elif not meridiem and hour <= 12:
        if period:
            if period.split()[-1] in _PM_PERIODS and hour < 12:
                hour += 12
        elif 1 <= hour <= 6:
            hour += 12
    return hour % 24, minute


def _instant(d: date, hm: tuple[int, int], tz: ZoneInfo) -> datetime:
    naive = datetime(d.year, d.month, d.day, hm[0], hm[1], tzinfo=tz)
    # A wall time inside a spring-forward gap does not exist; round-trip to a real one.
    return naive.astimezone(UTC).astimezone(tz)


def _resolve(group: list[Piece], local: datetime, tz: ZoneInfo) -> datetime | date | None:
    days = [p for p in group if p.kind == "day"]
    # "Wednesday, November 25th": the calendar date is the precise one.
    day = next((p for p in days if p.month is not None), days[0] if days else None)
    time = next((p for p in group if p.kind == "time"), None)
    period = next((p.period for p in group if p.period), "")
    if day is not None and day.rel_minutes is not None:
        exact = local + timedelta(minutes=day.rel_minutes)
        return exact.replace(second=0, microsecond=0)
    if time is not None:
        hm = _clock(time.hour or 0, time.minute, time.meridiem, period)
    elif period:
        hm = PERIODS[period] if period in PERIODS else PERIODS[period.split()[-1]]
    else:
        hm = None
    if day is not None:
        d = _resolve_day(day, local.date())
        if d is None:
            return None
        return d if hm is None else _instant(d, hm, tz)
    if hm is None:
        return None
    if period == "end of day" and time is None:
        return _instant(local.date(), hm, tz)
    candidate = _instant(local.date(), hm, tz)
    if candidate <= local:
        candidate = _instant(local.date() + timedelta(days=1), hm, tz)
    return candidate


def _around(text: str, start: int, end: int, stops: re.Pattern[str]) -> str:
    lefts = [m.end() for m in stops.finditer(text, max(0, start - 80), start)]
    right = stops.search(text, end, end + 80)
    return text[lefts[-1] if lefts else max(0, start - 80) : right.start() if right else end + 80]


def _told_in_past(text: str, group: list[Piece]) -> bool:
    """A bare weekday in a sentence told in the past ("the open house Sunday, thirty groups
    came through") is the last such day, which we do not report; a future cue in the same
    sentence ("we met Monday and will close Friday") keeps it."""
    if len(group) != 1 or group[0].weekday is None or group[0].weekday_mode or group[0].day:
        return False
    # Past tense anywhere in the sentence, and no future cue in the weekday's own clause.
    sentence = _around(text, group[0].start, group[0].end, _SENTENCE_END)
    clause = _around(text, group[0].start, group[0].end, _CLAUSE_END)
    return bool(_PAST.search(sentence)) and not _FUTURE.search(clause)


def extract_dates(norm: Normalized, received_at: datetime, tz: ZoneInfo) -> list[DateMention]:
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    local = received_at.astimezone(tz)
    # A phone number said digit by digit is no date: "call me at 4, 1, 5" is not 4 pm.
    text = mask_said_digits(norm.text)
    pieces = _weak_times(find_pieces(text), text)
    mentions: list[DateMention] = []
    seen: set[str] = set()
    for group in _group(pieces, text):
        kinds = {p.kind for p in group}
        if all(p.weak for p in group):
            continue  # "in meetings all morning": a part of the day, not a time to act
        value = _resolve(group, local, tz)
        if value is None:
            continue
        # "this morning" said in the afternoon is the past: context, not a request.
        past = isinstance(value, datetime) and value < local - timedelta(hours=1)
        if kinds == {"day"} and group[0].rel_days == 0 and group[0].period and past:
            continue
        if _told_in_past(text, group):
            continue
        iso = value.isoformat()
        if iso in seen:
            continue
        seen.add(iso)
        mentions.append(_mention(norm, group, value))
    return mentions


def _mention(norm: Normalized, group: list[Piece], value: datetime | date) -> DateMention:
    start, end = group[0].start, group[-1].end
    said = norm.source(start, end).strip(" ,.")
    said = _LEADING_NOISE.sub("", said)
    if _MERIDIEM_END.search(said):
        said += "."  # "2 p.m" lost its final dot to the strip above
    return DateMention(
        text=said,
        iso=value.isoformat(),
        has_time=isinstance(value, datetime),
        qualifier=next((p.qualifier for p in group if p.qualifier), ""),
        value=value,
        exact=any(p.kind == "time" or p.rel_minutes is not None for p in group),
        period=next((p.period for p in group if p.period), ""),
        span=(start, end),
    )


__all__ = ["DateMention", "extract_dates"]
