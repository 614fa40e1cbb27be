"""``callback_at``: when the caller asked to be called back, from the table in
tests/data/callback_at.toml (add a case there, not here), and no date from a phone
number said digit by digit, in any transcript style."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ringback.extract import extract_facts, normalize

TABLE = tomllib.loads((Path(__file__).parent / "data" / "callback_at.toml").read_text())
TZ = ZoneInfo(TABLE["timezone"])
CASES: dict[str, dict[str, Any]] = {c["name"]: c for c in TABLE["case"]}


def _received(case: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(case.get("received_at", TABLE["received_at"])).replace(tzinfo=TZ)


def test_the_table_is_varied() -> None:
    assert len(CASES) >= 30
    nulls = [c for c in CASES.values() if c["callback_at"] == "none"]
    assert 5 <= len(nulls) <= len(CASES) - 15, "both answers are well represented"
    assert sum("number" in c for c in CASES.values()) >= 10
    assert sum("events" in c for c in CASES.values()) >= 10


@pytest.mark.parametrize("name", list(CASES))
def test_callback_at(name: str) -> None:
    case = CASES[name]
    facts = extract_facts(case["text"], received_at=_received(case), tz=TZ)
    expected = None if case["callback_at"] == "none" else case["callback_at"]
    assert facts.callback_at == expected, [(d.text, d.iso) for d in facts.dates]
    assert facts.to_dict()["callback_at"] == expected
    said = [d.text for d in facts.dates]
    for event in case.get("events", ()):
        assert event in said, f"{event!r} is a date said in the message"
        (mention,) = [d for d in facts.dates if d.text == event]
        assert mention is not facts.callback, f"{event!r} is an event, not when to call"


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if "number" in c])
def test_no_date_from_a_number_said_digit_by_digit(name: str) -> None:
    case = CASES[name]
    text: str = case["text"]
    start = text.index(case["number"])
    end = start + len(case["number"])
    norm = normalize(text)
    facts = extract_facts(text, received_at=_received(case), tz=TZ)
    for mention in facts.dates:
        m_start, m_end = norm.span(*mention.span)
        assert m_end <= start or m_start >= end, f"{mention.text!r} read from the number"


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            CASES["realtor_number_in_commas_then_time"]["text"],
            "asks for a call back tomorrow after 3 pm",
        ),
        (
            CASES["realtor_offer_expires_ring_before_noon"]["text"],
            "asks for a call back tomorrow before noon",
        ),
        (CASES["realtor_flight_lands"]["text"], "asks for a call back tomorrow morning"),
        (CASES["lender_rate_lock_expires_call_by_monday"]["text"], "asks for a call back by"),
    ],
)
def test_the_summary_names_the_callback_time_and_no_other(text: str, summary: str) -> None:
    facts = extract_facts(text, received_at=_received({}), tz=TZ)
    assert facts.summary.startswith(summary), facts.summary
    for word in ("4 pm", "6 pm", "7:45", "Dec 10", "Friday"):
        assert word not in facts.summary
