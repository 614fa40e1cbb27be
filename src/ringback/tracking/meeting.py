"""The one meeting time a follow-up email proposes, and how its text names it (pure).

A follow-up email used to say the voicemail's "Thursday at 10" in its text while its
invite proposed the next business day: two sources for one promise. Here one aware
datetime, resolved in the *contact's* timezone, feeds both: :func:`meeting_time` picks it
(the day and hour the voicemail proposed, when still ahead, else the next business day at
10:00), :func:`when_words` says it in the text, and the invite is built from the same
value. :func:`without_when` takes the voicemail's own day and time out of a sentence the
email quotes, so the text never names a second, different day.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from ringback.tracking.cadence import add_business_days

MEETING_HOUR = 10
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"(?P<day>" + "|".join(_DAYS) + r"|tomorrow)"
_CLOCK = (
    r"(?P<hour>\d{1,2})(?::(?P<minute>[0-5]\d))?\s*"
    r"(?P<half>a\.?m\.?|p\.?m\.?|o'clock)?(?![\d%:])"
)
# "(on) (this|next) Thursday (at|around) 10(:30)( am)", or a day alone.
_WHEN = re.compile(
    rf"\b(?:on\s+)?(?:this\s+|next\s+)?{_DAY}\b(?:\s+(?:morning|afternoon))?"
    rf"(?:,?\s+(?:at|around|by)\s+{_CLOCK})?",
    re.IGNORECASE,
)
# "at 10 am" with no day: still a time the email must not contradict.
_TIME_ONLY = re.compile(rf"\b(?:at|around)\s+{_CLOCK}", re.IGNORECASE)


def _hour(match: re.Match[str]) -> time | None:
    if not match.group("hour"):
        return None
    hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
    half = (match.group("half") or "").lower().replace(".", "")
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    elif not half or half == "o'clock":
        # "at 2" in a business call is 2 pm, never 2 in the night.
        hour = hour + 12 if 1 <= hour <= 7 else hour
    return time(hour, minute) if hour < 24 else None


def named_when(text: str | None, *, said_on: date) -> tuple[date, time | None] | None:
    """The day (and time, if any) a sentence proposes, counted from the day it was said:
    "Thursday" is the next Thursday after ``said_on``, "tomorrow" the day after."""
    match = _WHEN.search(text or "")
    if match is None:
        return None
    name = match.group("day").lower()
    if name == "tomorrow":
        day = said_on + timedelta(days=1)
    else:
        ahead = (_DAYS.index(name) - said_on.weekday()) % 7 or 7
        day = said_on + timedelta(days=ahead)
    return day, _hour(match)


def names_a_time(text: str | None) -> bool:
    """Whether a sentence names a day or a clock time."""
    return bool(text) and (_WHEN.search(text or "") or _TIME_ONLY.search(text or "")) is not None


def without_when(text: str) -> str:
    """The sentence with the day and time it names taken out ("a call Thursday at 10 to
    show…" → "a call to show…")."""
    text = _TIME_ONLY.sub("", _WHEN.sub("", text))
    return re.sub(r"\s+([,.;!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def meeting_time(
    next_step: str | None, *, left_at: datetime, send_at: datetime, tz: tzinfo
) -> datetime:
    """The meeting the email proposes, aware, in ``tz`` (the contact's zone).

    The day and time the voicemail proposed (read in ``tz``), when it is still at least an
    hour after the email goes out; otherwise the next business day after sending, 10:00.
    """
    named = named_when(next_step, said_on=left_at.astimezone(tz).date())
    if named is not None:
        day, clock = named
        when = datetime.combine(day, clock or time(MEETING_HOUR), tz)
        if when >= send_at + timedelta(hours=1):
            return when
    day = add_business_days(send_at.astimezone(tz).date(), 1)
    return datetime.combine(day, time(MEETING_HOUR), tz)


def when_words(meeting: datetime, tz: tzinfo) -> str:
    """ "Thursday, November 5 at 10:00 am": the weekday, the date and the time, in ``tz``."""
    local = meeting.astimezone(tz)
    clock = local.strftime("%-I:%M %p").lower()
    return f"{local.strftime('%A, %B %-d')} at {clock}"
