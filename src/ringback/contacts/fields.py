"""Reading what people type: emails, timezones, kinds with friendly aliases, and times.

Every reader raises ``ValueError`` with a message that can be shown to the user as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ringback.contacts.models import BackStoryKind, Direction, InteractionKind
from ringback.phones import to_e164

# Deliberately simple: one @, no spaces, a dotted domain. Full RFC 5322 accepts addresses
# no CRM exports and rejects nothing a typo produces; this catches the typos.
_EMAIL = re.compile(
    r"^[^@\s\"<>(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)


def normalise_email(raw: str) -> str:
    text = raw.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text) or ".." in text:
        raise ValueError(f"{raw.strip()!r} is not a valid email address")
    return text.lower()


def normalise_timezone(raw: str) -> str:
    """An IANA name, also from the spellings CRMs export (HubSpot writes
    ``america_slash_new_york`` or ``America/New York``)."""
    text = raw.strip()
    try:
        ZoneInfo(text)
        return text
    except (ZoneInfoNotFoundError, ValueError):
        pass
    key = re.sub(r"\s+", "_", text.replace("_slash_", "/")).lower()
    found = _zones_by_lower_name().get(key)
    if found:
        return found
    raise ValueError(f"unknown timezone {raw!r}; use an IANA name such as America/New_York")


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


_STORY_ALIASES = {
    "personal": BackStoryKind.PERSONAL_GOAL,
    "professional": BackStoryKind.PROFESSIONAL_GOAL,
    "career": BackStoryKind.PROFESSIONAL_GOAL,
    "business": BackStoryKind.PROFESSIONAL_GOAL,
    "financial": BackStoryKind.FINANCIAL_GOAL,
    "money": BackStoryKind.FINANCIAL_GOAL,
    "challenges": BackStoryKind.CHALLENGE,
    "pain": BackStoryKind.CHALLENGE,
    "problem": BackStoryKind.CHALLENGE,
    "interests": BackStoryKind.INTEREST,
    "hobby": BackStoryKind.INTEREST,
    "life": BackStoryKind.LIFE_EVENT,
    "event": BackStoryKind.LIFE_EVENT,
}

_INTERACTION_ALIASES = {
    "phone": InteractionKind.CALL,
    "voicemail": InteractionKind.VOICEMAIL_LEFT,
    "vm": InteractionKind.VOICEMAIL_LEFT,
    "vm_left": InteractionKind.VOICEMAIL_LEFT,
    "vm_received": InteractionKind.VOICEMAIL_RECEIVED,
    "mail": InteractionKind.EMAIL,
    "e_mail": InteractionKind.EMAIL,
}


def _key(raw: str) -> str:
    return re.sub(r"[\s\-]+", "_", raw.strip().lower())


def story_kind(raw: str) -> BackStoryKind:
    key = _key(raw)
    try:
        return BackStoryKind(key)
    except ValueError:
        pass
    if key in _STORY_ALIASES:
        return _STORY_ALIASES[key]
    if key.endswith("_goal") and key[:-5] in _STORY_ALIASES:
        return _STORY_ALIASES[key[:-5]]
    valid = ", ".join(k.value for k in BackStoryKind)
    raise ValueError(
        f"unknown back-story kind {raw!r}; use one of {valid} (or personal, professional, financial)"
    )


def interaction_kind(raw: str) -> InteractionKind:
    key = _key(raw)
    try:
        return InteractionKind(key)
    except ValueError:
        pass
    if key in _INTERACTION_ALIASES:
        return _INTERACTION_ALIASES[key]
    valid = ", ".join(k.value for k in InteractionKind)
    raise ValueError(f"unknown interaction kind {raw!r}; use one of {valid}")


# What a seller usually means when they leave the direction out.
_DEFAULT_DIRECTION = {
    InteractionKind.CALL: Direction.OUTBOUND,
    InteractionKind.VOICEMAIL_LEFT: Direction.OUTBOUND,
    InteractionKind.VOICEMAIL_RECEIVED: Direction.INBOUND,
    InteractionKind.EMAIL: Direction.OUTBOUND,
    InteractionKind.MEETING: Direction.NONE,
    InteractionKind.NOTE: Direction.NONE,
}


def direction_for(kind: InteractionKind, raw: str | None) -> Direction:
    if raw is None:
        return _DEFAULT_DIRECTION[kind]
    try:
        direction = Direction(_key(raw))
    except ValueError:
        raise ValueError(f"unknown direction {raw!r}; use inbound or outbound") from None
    # A voicemail's direction is part of its kind; a contradiction is a typo, not data.
    fixed = {InteractionKind.VOICEMAIL_LEFT, InteractionKind.VOICEMAIL_RECEIVED}
    if kind in fixed and direction != _DEFAULT_DIRECTION[kind]:
        raise ValueError(
            f"a {kind.value} is always {_DEFAULT_DIRECTION[kind].value}; drop --direction"
        )
    return direction


# A date without a time means the start of the working day, in the user's timezone.
DEFAULT_TIME_OF_DAY = time(9, 0)


def parse_when(raw: str, tz: tzinfo) -> datetime:
    """ISO date or date-time → aware datetime. Times without a zone are in ``tz``."""
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(text), DEFAULT_TIME_OF_DAY)
        except ValueError:
            raise ValueError(
                f"cannot read {raw!r} as a time; write e.g. 2026-11-23 14:30 or 2026-11-23"
            ) from None
    if len(text) == 10 and "T" not in text and " " not in text:
        value = datetime.combine(value.date(), DEFAULT_TIME_OF_DAY)
    check_year(value, raw)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def parse_date(raw: str) -> date:
    """ISO date (YYYY-MM-DD) within :func:`check_year`'s range."""
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"cannot read {raw!r} as a date; write YYYY-MM-DD") from None
    check_year(value, raw)
    return value


# The dates a person can mean when they type one: nothing a phone or a CRM records is
# before 1970, and a follow-up is not due a century out. Year 1, 110 or 9999 is a typo;
# stored, it would sort first or last forever (and year 1 or 9999 overflows on +- a day).
EARLIEST_YEAR = 1970
YEARS_AHEAD = 100


def latest_year() -> int:
    return date.today().year + YEARS_AHEAD


def check_year(value: date, raw: str) -> None:
    """ValueError unless ``value`` lies between 1970 and 100 years from now."""
    if not EARLIEST_YEAR <= value.year <= latest_year():
        raise ValueError(
            f"{raw.strip()[:40]!r} is out of range: dates run from {EARLIEST_YEAR} to "
            f"{latest_year()}; check the year"
        )


def normalise_phones(raw: Iterable[str], region: str) -> list[str]:
    out: list[str] = []
    for value in raw:
        e164 = to_e164(value, region)
        if e164 not in out:
            out.append(e164)
    return out


def normalise_emails(raw: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in raw:
        address = normalise_email(value)
        if address not in out:
            out.append(address)
    return out


# The schema's column sizes; checked here so PostgreSQL never gets to refuse a long value.
_MAX_LENGTH = {"name": 200, "company": 200, "title": 200, "owner": 200}


def check_lengths(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        limit = _MAX_LENGTH.get(key)
        if limit and value and len(value.strip()) > limit:
            raise ValueError(f"the {key} is {len(value.strip())} characters long; at most {limit}")


def blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None
