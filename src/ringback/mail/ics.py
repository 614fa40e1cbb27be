"""A minimal iCalendar (RFC 5545) event, written by hand: one VEVENT needs no library."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

DEFAULT_DURATION = timedelta(minutes=30)
PRODID = "-//Ringback//Voicemail//EN"


def proposed_time(isos: Iterable[str], tz: tzinfo) -> datetime | None:
    """The first ISO date that carries a time of day, as an aware datetime.

    Dates alone ("Thursday") are not meetings: an all-day invite would block the
    whole calendar day for what is really "call me sometime Thursday". A time without
    an offset is read in the user's timezone, the one extraction resolved it in.
    """
    for iso in isos:
        if "T" not in iso and " " not in iso.strip():
            continue
        try:
            when = datetime.fromisoformat(iso.strip())
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=tz)
    return None


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11); also drops other control characters."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = re.sub(r"\r\n|\r|\n|\u2028|\u2029|\x85", "\\\\n", value)
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", value)


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75  # continuation lines start with a space
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def utc_stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _mailto(address: str) -> str:
    return "mailto:" + re.sub(r"[\s\x00-\x1f\x7f;:,\"<>]", "", address)


def meeting_invite(
    *,
    uid: str,
    start: datetime,
    summary: str,
    stamp: datetime,
    duration: timedelta = DEFAULT_DURATION,
    description: str = "",
    location: str = "",
    organizer: str = "",
    url: str = "",
    method: str = "PUBLISH",
) -> str:
    """One VCALENDAR with one VEVENT, times in UTC, CRLF line ends.

    METHOD:PUBLISH, not REQUEST: the mail goes to the user about their own calendar,
    and REQUEST would make clients send RSVPs to the organizer (that is, to us).
    ``uid`` must be stable so that a re-sent mail updates the event instead of adding
    a second one; ``stamp`` is passed in (not "now") for the same reason.
    """
    if start.tzinfo is None:
        raise ValueError("meeting start must be timezone-aware")
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(start)}",
        f"DTEND:{utc_stamp(start + duration)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if organizer:
        lines.append(f"ORGANIZER:{_mailto(organizer)}")
    if url and re.match(r"^https?://[^\s\x00-\x1f\x7f]+$", url):
        lines.append(f"URL:{url}")
    lines += [
        "STATUS:TENTATIVE",  # the caller proposed it; nobody has confirmed yet
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
