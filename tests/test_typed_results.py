"""The contacts and inbox services hand back frozen records (what the web pages call),
and each record's JSON is the command's ``--json`` contract."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ringback.contacts import service as contacts
from ringback.contacts.models import BackStoryKind
from ringback.db.session import transaction
from ringback.voicemail import inbox
from ringback.voicemail.capture import capture_message
from tests.support.inbox import FACTS, add_row, settings


def test_contact_add_edit_story_list_show_are_frozen_records(db_url: str) -> None:
    with transaction(db_url) as session:
        made = contacts.create_contact(
            session, name="Bill Turner", phones=["415-555-0137"], region="US"
        )
        edited = contacts.edit_contact(
            session, ref="Bill", fields={"company": "ABC Inc"}, region="US"
        )
        noted = contacts.note_back_story(
            session,
            ref=made.id,
            kind=BackStoryKind.CHALLENGE,
            text="Churn doubled",
            region="US",
        )
        listed = contacts.list_contacts(session, search="abc", region="US")
        shown = contacts.show_contact(session, ref="+14155550137", region="US")
    for record in (made, edited, noted, listed, shown):
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.id = 0  # type: ignore[misc]
    assert made.phones == ("+14155550137",) and edited.changes == ("company: — → ABC Inc",)
    assert listed.total == 1 and listed.items[0].contact.company == "ABC Inc"
    assert shown.back_story["challenge"][0].text == noted.text == "Churn doubled"
    assert shown.as_json()["back_story"]["challenge"][0]["text"] == "Churn doubled"
    assert edited.as_json()["changes"] == ["company: — → ABC Inc"]


def test_inbox_list_show_capture_are_frozen_records(db_url: str, tmp_path: Path) -> None:
    s = settings(tmp_path)
    vid = add_row(db_url, facts=FACTS, status="done", from_number="+14155550137")
    with transaction(db_url) as session:
        (entry,) = inbox.list_inbox(session, settings=s)
        captured = capture_message(session, settings=s, voicemail_id=vid)
        shown = inbox.show_message(session, settings=s, voicemail_id=vid)
        assert inbox.list_inbox(session, settings=s) == ()
    for record in (entry, captured, shown):
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.status = "x"  # type: ignore[misc]
    assert entry.id == vid and not entry.as_json()["handled"]
    assert shown.entry.handled and shown.follow_up is not None
    assert captured.follow_up is not None and captured.follow_up.id == shown.follow_up.id
    assert shown.as_json()["follow_up"]["id"] == captured.to_json()["follow_up"]["id"]
