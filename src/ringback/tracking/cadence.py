"""Cadences and business-day arithmetic for follow-up sequences (pure functions).

A cadence is a list of (business day, channel) steps counted from the voicemail that
started the sequence: the default, "day 0 voicemail + email, day 3 email, day 7 call", is
``0:email,3:email,7:call`` (the voicemail is the attempt itself). Steps fall due at the
send hour in the *contact's* timezone, so an email reaches them at 9:00 their time, on
either side of a DST change.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringback.tracking.models import Channel

Cadence = tuple[tuple[int, Channel], ...]

DEFAULT_CADENCE: Cadence = ((0, Channel.EMAIL), (3, Channel.EMAIL), (7, Channel.CALL))
MAX_STEPS = 20
MAX_DAY = 90

_STEP = re.compile(r"^\s*(\d{1,3})\s*:\s*(email|call)\s*$", re.IGNORECASE)


def parse_cadence(text: str) -> Cadence:
    """``"0:email, 3:email, 7:call"`` → steps, sorted by day (emails before calls)."""
    steps: list[tuple[int, Channel]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _STEP.match(part)
        if not match:
            raise ValueError(
                f"cannot read the cadence step {part.strip()!r}; write e.g. 0:email,3:email,7:call"
            )
        day = int(match.group(1))
        if day > MAX_DAY:
            raise ValueError(f"step day {day} is more than {MAX_DAY} business days out")
        steps.append((day, Channel(match.group(2).lower())))
    if not steps:
        raise ValueError("the cadence has no steps; write e.g. 0:email,3:email,7:call")
    if len(steps) > MAX_STEPS:
        raise ValueError(f"a cadence has at most {MAX_STEPS} steps")
    return tuple(sorted(set(steps), key=lambda s: (s[0], s[1] is Channel.CALL)))


def format_cadence(steps: Cadence) -> str:
    return ",".join(f"{day}:{channel.value}" for day, channel in steps)


def add_business_days(start: date, days: int) -> date:
    """``days`` working days (Mon–Fri) after ``start``; 0 is ``start`` itself, moved to
    Monday when it is a weekend day."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count


def contact_zone(name: str | None, fallback: tzinfo) -> tzinfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # an unknown zone on a contact must not stop the sequence: use the user's
    return fallback


def due_at(started: datetime, business_day: int, *, tz: tzinfo, hour: int) -> datetime:
    """When a step is due: the send hour on that business day in ``tz``; a day-0 step
    whose hour has passed is due at once (the voicemail was just left)."""
    local = started.astimezone(tz)
    day = add_business_days(local.date(), business_day)
    due = datetime.combine(day, time(hour), tz)
    return max(due, started) if business_day == 0 else due
