"""**The** way a time, a day, a length or a count is written for a person to read.

Every command, email and page that shows a time to a person uses these, so the inbox, the
email and the prep sheet say the same thing the same way, always in the user's timezone
(``RINGBACK_TIMEZONE``, ``settings.tz``). Machine output (``--json``, the API, ``.ics``)
keeps ISO 8601 and never comes through here.

* :func:`format_when` — ``today 9:14 am``, ``yesterday 5:02 pm``, ``tomorrow 3:00 pm``,
  ``Mon 7 Dec, 3:00 pm``; another year's adds the year (``Tue 7 Dec 2027, 3:00 pm``).
* :func:`format_day` — the same for a date alone: ``today``, ``Mon 7 Dec``.
* :func:`format_mentioned` — a time given as ISO 8601 text (a date or a date and time, e.g.
  a callback time the caller named), in the same words; shown in the zone it was said in,
  with that zone's name when it is not the user's (``Mon 7 Dec, 3:00 pm PST``).
* :func:`format_stored` — a stored moment as ISO 8601 text (UTC or any zone), shown like
  :func:`format_when` in the user's timezone.
* :func:`format_duration` — ``0:27``, ``12:05``, ``1:02:03``.
* :func:`plural` — ``1 question``, ``2 questions``, ``1 reply``/``3 replies``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

__all__ = [
    "format_clock",
    "format_day",
    "format_duration",
    "format_mentioned",
    "format_stored",
    "format_when",
    "plural",
]

# Days said by name rather than by date, relative to today.
_NAMED = {0: "today", -1: "yesterday", 1: "tomorrow"}


def format_clock(moment: datetime) -> str:
    """``9:14 am``, ``12:00 pm`` (the moment's own wall clock)."""
    return f"{moment.hour % 12 or 12}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"


def _today(tz: tzinfo, now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(tz).date()


def format_day(day: date, *, today: date | None = None, named: bool = True) -> str:
    """``Mon 7 Dec`` (``Mon 7 Dec 2027`` in another year); ``today``, ``yesterday`` and
    ``tomorrow`` when ``named`` and it is one of those (``today`` defaults to the machine's
    date: pass the user's, ``datetime.now(settings.tz).date()``)."""
    today = today or date.today()
    if named and (name := _NAMED.get((day - today).days)):
        return name
    year = f" {day.year}" if day.year != today.year else ""
    return f"{day:%a} {day.day} {day:%b}{year}"


def format_when(
    moment: datetime,
    tz: tzinfo,
    *,
    now: datetime | None = None,
    own_zone: bool = False,
    relative: bool = True,
) -> str:
    """``moment`` as a person says it, in the user's timezone ``tz``: ``today 9:14 am``,
    ``yesterday 5:02 pm``, ``Mon 7 Dec, 3:00 pm``. A naive ``moment`` is taken to be in
    ``tz``. ``own_zone``: keep the zone the moment carries (a time someone named in their
    zone) and add its name when that is not the user's: ``Mon 7 Dec, 3:00 pm PST``.
    ``relative=False`` never says today/yesterday/tomorrow (an email is read later than it
    is written). ``now`` is for tests; it defaults to the current time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    local = moment.astimezone(tz)
    zone = ""
    if own_zone and moment.utcoffset() != local.utcoffset():
        local, zone = moment, f" {moment.tzname() or moment.strftime('%z')}"
    day = format_day(local.date(), today=_today(tz, now), named=relative)
    sep = " " if day in _NAMED.values() else ", "
    return f"{day}{sep}{format_clock(local)}{zone}"


def format_mentioned(
    iso: str, tz: tzinfo, *, now: datetime | None = None, relative: bool = True
) -> str:
    """A time given as ISO 8601 text (``2026-12-07`` or ``2026-12-07T15:00:00-08:00``) in
    the words of :func:`format_day` / :func:`format_when`; text that is not ISO 8601 is
    returned as it is (it is already words). ``relative=False`` never says today or
    tomorrow (text kept to be read another day: a back-story note)."""
    try:
        if len(iso) == 10:
            return format_day(date.fromisoformat(iso), today=_today(tz, now), named=relative)
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return format_when(moment, tz, now=now, own_zone=True, relative=relative)


def format_stored(iso: str | None, tz: tzinfo, *, now: datetime | None = None) -> str:
    """A stored moment given as ISO 8601 text (often UTC, from a service's JSON-ready dict)
    shown in the user's timezone ``tz`` like :func:`format_when`; empty for None, and text
    that is not ISO 8601 as it is."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return format_when(moment, tz, now=now)


def format_duration(seconds: float | None) -> str:
    """``0:27``, ``12:05``, ``1:02:03``; empty when the length is unknown."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 question``, ``2 questions``, ``0 questions``; ``many`` for a plural that is not
    ``word + "s"`` (``plural(n, "reply", "replies")``)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
