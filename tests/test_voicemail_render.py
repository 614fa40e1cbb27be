"""How `ringback inbox show` and `voicemail analyze` put a message's facts on the terminal."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ringback.voicemail import render

FACTS: dict[str, Any] = {
    "caller_name": "[bold]Eve[/bold]",
    "company": "Acme [Holdings]",
    "callback_number": "+14155550137",
    "callback_number_confidence": 0.93,
    "summary": "wants to meet Thursday at two",
    "dates": [{"text": "Thursday at two", "iso": "2026-11-26T14:00:00-05:00"}],
    "callback_due": "2026-11-24",
}


def detail(facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 4,
        "status": "done",
        "caller": "[bold]Eve[/bold]",
        "received_at": "2026-11-23T14:30:00-05:00",
        "duration_label": "0:27",
        "language": "en",
        "transcript": "Hi, this is Eve …",
        "facts": facts,
        "follow_up": {
            "id": 9,
            "title": "Call back Eve",
            "due_at": "2026-11-26T14:00:00-05:00",
            "done": False,
        },
        "stages": [],
    }


def test_facts_show_what_was_said_and_dates_a_person_reads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    render.detail(detail(FACTS))
    out = capsys.readouterr().out
    # Said text is never taken for terminal markup.
    assert out.count("[bold]Eve[/bold]") == 2 and "Acme [Holdings]" in out
    # Dates read as dates, in the time zone they were stated in.
    # (another year's date adds the year: the test may run after 2026)
    assert re.search(r"Thursday at two → Thu 26 Nov( 2026)?, 2:00 pm", out)
    assert "Tue 24 Nov" in out
    assert re.search(r"due Thu 26 Nov( 2026)?, 2:00 pm", out)
    assert "2026-11-26T14:00:00" not in out


def test_a_date_that_is_not_iso_is_shown_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    render.detail(detail({**FACTS, "dates": [{"text": "soon", "iso": "sometime"}]}))
    assert "soon → sometime" in capsys.readouterr().out
