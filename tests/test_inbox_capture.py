"""Callback tasks and `inbox capture`, on messages as the pipeline leaves them (no model).

The rows here are what the pipeline writes for a processed message; the end-to-end
path that produces them from real audio is in test_inbox.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ringback.contacts.models import (
    BackStoryItem,
    Contact,
    ContactPhone,
    FollowUp,
    Interaction,
)
from ringback.db.session import transaction
from ringback.voicemail.capture import capture_message
from ringback.voicemail.followup import asks_for_callback, callback_due
from ringback.voicemail.models import Voicemail
from tests.conftest import Cli
from tests.support.inbox import FACTS, RECEIVED, add_row, run_stage, settings

NY = ZoneInfo("America/New_York")


def count(url: str, model: type) -> int:
    with transaction(url) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_callback_due_is_the_callback_time_the_caller_named() -> None:
    from ringback.extract import extract_facts

    facts = extract_facts("Call me back after three tomorrow.", received_at=RECEIVED, tz=NY)
    due = callback_due(facts.callback_at, received_at=RECEIVED, tz=NY)
    assert due == datetime(2026, 11, 24, 15, 0, tzinfo=NY)
    # A day alone ("Wednesday morning") is due that day at 10:00.
    assert callback_due("2026-11-25", received_at=RECEIVED, tz=NY) == datetime(
        2026, 11, 25, 10, 0, tzinfo=NY
    )
    # An event is not when to call: "the closing on the 10th" leaves the default.
    event = extract_facts("The closing is on the 10th, call me.", received_at=RECEIVED, tz=NY)
    assert event.dates and event.callback_at is None
    assert callback_due(event.callback_at, received_at=RECEIVED, tz=NY) == datetime(
        2026, 11, 24, 10, 0, tzinfo=NY
    )


def test_callback_due_defaults_to_the_next_business_morning() -> None:
    friday = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    due = callback_due(None, received_at=friday, tz=NY)
    assert due == datetime(2026, 11, 30, 10, 0, tzinfo=NY)
    assert callback_due(None, received_at=friday, tz=NY, urgent=True) == friday


@pytest.mark.parametrize(
    ("text", "number", "expected"),
    [
        ("Please call me back when you can.", False, True),
        ("Just letting you know the papers are signed.", False, False),
        ("My number is four one five...", False, True),
        ("The papers are signed, 415 555 0137.", True, True),
        ("No need to call me back, see you Thursday.", True, False),
    ],
)
def test_asks_for_callback(text: str, number: bool, expected: bool) -> None:
    assert asks_for_callback(text, spoken_number=number) is expected


def test_capture_files_the_message_under_a_new_contact_once(db_url: str, tmp_path: Path) -> None:
    s = settings(tmp_path)
    vid = add_row(db_url, facts=FACTS, status="done", from_number="+14155550137")
    out = run_stage(db_url, vid, s, missed=False, facts=FACTS)
    assert out["created_contact"]
    assert datetime.fromisoformat(out["due_at"]) == datetime(2026, 11, 24, 15, 0, tzinfo=NY)

    with transaction(db_url) as session:
        first = capture_message(session, settings=s, voicemail_id=vid).to_json()
    assert not first["already_captured"]
    with transaction(db_url) as session:
        contact = session.get(Contact, first["contact_id"])
        assert contact is not None
        assert (contact.name, contact.company, contact.is_lead) == ("Sarah", "Northwind", True)
        assert [p.e164 for p in contact.phones] == ["+14155550137"]
        assert [e.address for e in contact.emails] == ["sarah@northwind.example"]
        kinds = sorted((b.kind.value, b.source) for b in contact.back_story)
        assert kinds == [
            ("financial_goal", f"voicemail #{vid}"),
            ("interest", f"voicemail #{vid}"),
            ("interest", f"voicemail #{vid}"),
        ]
        (interaction,) = contact.interactions
        assert interaction.kind.value == "voicemail_received"
        assert interaction.direction.value == "inbound"
        assert interaction.occurred_at == RECEIVED
        assert interaction.text and interaction.text.startswith("Hi, this is Sarah")
        (task,) = contact.follow_ups
        assert task.due_at == datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
        assert task.interaction_id == interaction.id
        assert f"(voicemail #{vid})" in task.title
        row = session.get(Voicemail, vid)
        assert row is not None and row.handled_at is not None and row.contact_id == contact.id

    with transaction(db_url) as session:
        again = capture_message(session, settings=s, voicemail_id=vid).to_json()
    # Running the stage again (a resumed pipeline) must not add a task either.
    run_stage(db_url, vid, s, missed=False, facts=FACTS)
    assert again["already_captured"] and again["contact_id"] == first["contact_id"]
    counts = [count(db_url, m) for m in (Contact, BackStoryItem, Interaction, FollowUp)]
    assert counts == [1, 3, 1, 1]


def test_known_caller_is_matched_by_number(db_url: str, tmp_path: Path) -> None:
    s = settings(tmp_path)
    with transaction(db_url) as session:
        bill = Contact(name="Bill Turner", phones=[ContactPhone(e164="+14155550137")])
        session.add(bill)
        session.flush()
        bill_id = bill.id
    vid = add_row(db_url, facts=FACTS, status="done", from_number="(415) 555-0137")
    assert run_stage(db_url, vid, s, missed=False, facts=FACTS)["contact_id"] == bill_id
    with transaction(db_url) as session:
        out = capture_message(session, settings=s, voicemail_id=vid).to_json()
    assert out["contact_id"] == bill_id and not out["created_contact"]
    assert count(db_url, Contact) == 1


def test_missed_call_creates_a_missed_call_task(db_url: str, tmp_path: Path) -> None:
    s = settings(tmp_path)
    vid = add_row(db_url, facts=None, status="no_message", from_number="+14155550199")
    out = run_stage(db_url, vid, s, missed=True, facts=None)
    with transaction(db_url) as session:
        task = session.get(FollowUp, out["task"])
        assert task is not None and task.title.startswith("Missed call from +1 415-555-0199")
        # Monday 14:30 → Tuesday 10:00 New York.
        assert task.due_at == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_capture_refuses_a_rejected_message(db_url: str, tmp_path: Path) -> None:
    from ringback.voicemail.capture import NotCapturable

    vid = add_row(db_url, facts=None, status="rejected", from_number=None)
    with pytest.raises(NotCapturable, match="rejected"), transaction(db_url) as session:
        capture_message(session, settings=settings(tmp_path), voicemail_id=vid)


@pytest.mark.parametrize(
    ("facts", "status", "number"),
    [(FACTS, "done", "+14155550137"), (None, "no_message", None)],
    ids=["message", "hang-up without caller ID"],
)
def test_a_captured_message_is_no_longer_unread_on_today(
    db_url: str, tmp_path: Path, facts: dict | None, status: str, number: str | None
) -> None:
    # Captured from the CLI without ever being opened: handling it is reading it, so
    # Today and the inbox stop showing it as new, as when it is captured from its page.
    from ringback.voicemail.today import today_agenda

    s = settings(tmp_path)
    vid = add_row(db_url, facts=facts, status=status, from_number=number)

    def unread() -> list[int]:
        with transaction(db_url) as session:
            agenda = today_agenda(session, now=RECEIVED, tz=NY, region="US")
            return [item.id for item in agenda.unread.items]

    assert unread() == [vid]
    with transaction(db_url) as session:
        capture_message(session, settings=s, voicemail_id=vid)
    assert unread() == []


def test_a_message_marked_done_can_still_be_captured_in_full(db_url: str, tmp_path: Path) -> None:
    # Marked done from the inbox first, filed later from the CLI or the API: the call,
    # its back story and the task all go into the contact; only a second capture is "already".
    from ringback.voicemail.listing import mark_done

    s = settings(tmp_path)
    vid = add_row(db_url, facts=FACTS, status="done", from_number="+14155550137")
    with transaction(db_url) as session:
        mark_done(session, voicemail_id=vid)
    with transaction(db_url) as session:
        first = capture_message(session, settings=s, voicemail_id=vid).to_json()
    assert not first["already_captured"] and len(first["back_story"]) == 3
    assert first["interaction_id"] is not None and first["follow_up"] is not None
    with transaction(db_url) as session:
        again = capture_message(session, settings=s, voicemail_id=vid).to_json()
    assert again["already_captured"] and again["back_story"] == first["back_story"]
    assert [count(db_url, m) for m in (Contact, BackStoryItem, Interaction)] == [1, 3, 1]


def test_the_cli_shows_the_proposed_items_and_captures_only_those_kept(
    cli: Cli, db_url: str
) -> None:
    import json

    vid = add_row(db_url, facts=FACTS, status="done", from_number="+14155550137")
    shown = cli("inbox", "show", str(vid))
    proposed = json.loads(cli("inbox", "show", str(vid), "--json").stdout)["proposed_back_story"]
    assert [item["index"] for item in proposed] == [0, 1, 2]
    screen = " ".join(shown.stdout.split())  # long items wrap at the terminal's width
    for item in proposed:  # numbered on screen as --keep takes them
        assert f"{item['index']}. {item['label']}: {item['text']}" in screen

    wrong = cli("inbox", "capture", str(vid), "--keep", "first")
    assert wrong.exit_code == 2 and "write them as 0,2" in wrong.stderr
    assert count(db_url, BackStoryItem) == 0  # a bad --keep files nothing

    kept = json.loads(cli("inbox", "capture", str(vid), "--keep", "0,2", "--json").stdout)
    texts = [item["text"] for item in kept["back_story"]]
    assert texts == [proposed[0]["text"], proposed[2]["text"]]
    assert count(db_url, BackStoryItem) == 2
    # Once handled, show no longer offers items to file.
    assert "Capturing files as back story" not in cli("inbox", "show", str(vid)).stdout


def test_a_message_with_no_request_proposes_no_interest_of_its_own(
    db_url: str, tmp_path: Path
) -> None:
    # "Hello, telephone number 212 555 0199, tomorrow, thank you": no request recognised.
    # Its summary ("left a message") is not something to remember about the caller; the
    # time it mentions still is.
    from ringback.voicemail.capture import story_items
    from ringback.voicemail.service import get_voicemail

    facts = {
        **FACTS,
        "summary": "left a message, mentions tomorrow",
        "amounts": [],
        "addresses": [],
        "dates": [{"text": "tomorrow", "iso": "2026-11-24"}],
    }
    vid = add_row(db_url, facts=facts, status="done", from_number="+12125550199")
    with transaction(db_url) as session:
        items = story_items(get_voicemail(session, vid), NY)
    assert items == [("interest", "Times mentioned: tomorrow (Tue 24 Nov)")]
