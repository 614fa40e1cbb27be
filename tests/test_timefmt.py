"""The one formatter for times, days, lengths and counts that people read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ringback.timefmt import (
    format_day,
    format_duration,
    format_mentioned,
    format_when,
    plural,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # Monday 7 Dec, 3 pm in New York


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 7, 14, 14, tzinfo=UTC), "today 9:14 am"),
        (datetime(2026, 12, 7, 4, 59, tzinfo=UTC), "yesterday 11:59 pm"),
        (datetime(2026, 12, 8, 17, 0, tzinfo=UTC), "tomorrow 12:00 pm"),
        (datetime(2026, 11, 30, 20, 0, tzinfo=UTC), "Mon 30 Nov, 3:00 pm"),
        (datetime(2025, 12, 7, 17, 0, tzinfo=UTC), "Sun 7 Dec 2025, 12:00 pm"),
    ],
)
def test_when_is_said_as_a_person_reads_it_in_the_users_timezone(
    moment: datetime, expected: str
) -> None:
    assert format_when(moment, NY, now=NOW) == expected


def test_an_email_never_says_today_because_it_is_read_later() -> None:
    moment = datetime(2026, 12, 7, 14, 14, tzinfo=UTC)
    assert format_when(moment, NY, now=NOW, relative=False) == "Mon 7 Dec, 9:14 am"


def test_a_time_the_caller_named_is_said_the_same_way_with_its_zone_when_not_the_users() -> None:
    assert format_mentioned("2026-12-10", NY, now=NOW) == "Thu 10 Dec"
    assert format_mentioned("2026-12-08", NY, now=NOW) == "tomorrow"
    assert format_mentioned("2027-01-04T15:00:00-05:00", NY, now=NOW) == "Mon 4 Jan 2027, 3:00 pm"
    # Said in the Pacific zone: kept as said, and the zone named.
    pacific = format_mentioned("2026-12-10T15:00:00-08:00", NY, now=NOW)
    assert pacific == "Thu 10 Dec, 3:00 pm UTC-08:00"
    la = datetime(2026, 12, 10, 15, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert format_when(la, NY, now=NOW, own_zone=True) == "Thu 10 Dec, 3:00 pm PST"
    assert format_when(la, NY, now=NOW) == "Thu 10 Dec, 6:00 pm"
    assert format_mentioned("next week", NY, now=NOW) == "next week"


def test_days_lengths_and_counts() -> None:
    today = date(2026, 12, 7)
    assert format_day(date(2026, 12, 6), today=today) == "yesterday"
    assert format_day(date(2026, 12, 6), today=today, named=False) == "Sun 6 Dec"
    assert format_day(date(2027, 2, 1), today=today) == "Mon 1 Feb 2027"
    assert [format_duration(s) for s in (27, 725, 3723, None)] == ["0:27", "12:05", "1:02:03", ""]
    assert [plural(n, "question") for n in (0, 1, 2)] == [
        "0 questions",
        "1 question",
        "2 questions",
    ]
    assert (
        plural(1, "reply", "replies") == "1 reply" and plural(3, "reply", "replies") == "3 replies"
    )
