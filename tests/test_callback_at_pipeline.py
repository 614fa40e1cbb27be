"""``callback_at`` through the inbox: the stored facts, the callback task's due time, the
email's summary line and its calendar invite all take the time the caller asked to be
called back, never an event's date or a digit of the number they spelled out.

The transcriber is the test stand-in (the point is the text); extraction, the database
(SQLite and PostgreSQL), the follow-up stage and the SMTP delivery are the real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ringback.contacts.models import FollowUp
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail
from tests.support.mail import parts_of
from tests.support.pipeline import FakeTranscriber, speech_8k, wav_bytes
from tests.support.smtp import Server, smtp_settings

NY = ZoneInfo("America/New_York")
RECEIVED = datetime(2026, 11, 23, 9, 30, tzinfo=NY)  # a Monday morning
# A closing (an event) said first, then the number spelled out digit by digit with a
# comma after each (one transcript style of "four one five..."), then the callback time.
SAID = (
    "Hi, this is Karen Lopez with Lopez Realty. The closing on the 10th is on track. "
    "Call me at 4, 1, 5, 6, 2, 8, 1, 9, 9, 0, tomorrow after 3 p.m."
)
CALLBACK_AT = "2026-11-24T15:00:00-05:00"


def _process(db_url: str, tmp_path: Path, server: Server, said: str) -> tuple[int, Any]:
    from ringback.voicemail.adapters import EmailNotifier, FactsExtractor
    from ringback.voicemail.followup import FollowUpStage
    from ringback.voicemail.pipeline import default_stages, ingest

    settings = smtp_settings(tmp_path, server.port, database_url=db_url)
    stages = default_stages(
        transcriber=FakeTranscriber(text=said),
        extractor=FactsExtractor(settings),
        notifier=EmailNotifier(settings, db_url),
        follow_up=FollowUpStage(db_url, settings),
    )
    result = ingest(
        wav_bytes(speech_8k(3.0)),
        url=db_url,
        data_dir=settings.data_dir,
        source="upload",
        stages=stages,
        received_at=RECEIVED,
        from_number="+16505550199",
        region="US",
    )
    assert result.status == "done", result.status_reason
    (msg,) = server.handler.messages()
    return result.id, msg


def _stored(db_url: str, voicemail_id: int) -> tuple[dict[str, Any], datetime]:
    with transaction(db_url) as session:
        row = session.get(Voicemail, voicemail_id)
        assert row is not None and row.facts is not None
        task = session.scalars(select(FollowUp).where(FollowUp.contact_id == row.contact_id)).one()
        due = task.due_at if task.due_at.tzinfo else task.due_at.replace(tzinfo=UTC)
        return dict(row.facts), due


def test_facts_task_summary_and_invite_take_the_callback_time(
    db_url: str, tmp_path: Path, smtpd: Callable[..., Server]
) -> None:
    voicemail_id, msg = _process(db_url, tmp_path, smtpd(), SAID)
    facts, due = _stored(db_url, voicemail_id)
    assert facts["callback_at"] == CALLBACK_AT
    assert "2026-12-10" in [d["iso"] for d in facts["dates"]], "the closing is still a date"
    assert not any(d["iso"].startswith("2026-11-23T16") for d in facts["dates"]), "not '4' = 4 pm"
    assert due == datetime.fromisoformat(CALLBACK_AT)
    assert facts["summary"] == "asks for a call back tomorrow after 3 pm"
    assert "asks for a call back tomorrow after 3 pm" in msg["Subject"]
    plain = msg.get_body(("plain",)).get_content()
    assert "asks for a call back tomorrow after 3 pm" in plain
    ics = parts_of(msg)["text/calendar"].get_payload(decode=True).decode()
    assert "DTSTART:20261124T200000Z" in ics  # 3 pm in New York


def test_a_message_with_only_events_gets_no_invite_and_the_default_due_time(
    db_url: str, tmp_path: Path, smtpd: Callable[..., Server]
) -> None:
    said = (
        "Hi, it's Dana. My flight lands at 7:45 tonight and the closing is Friday at 10 am. "
        "Call me back at 415 555 0137."
    )
    voicemail_id, msg = _process(db_url, tmp_path, smtpd(), said)
    facts, due = _stored(db_url, voicemail_id)
    assert facts["callback_at"] is None
    assert len(facts["dates"]) == 2, "both events are dates"
    assert due == datetime(2026, 11, 24, 10, 0, tzinfo=NY), "the next business morning"
    for shown in (facts["summary"], msg["Subject"]):
        assert "7:45" not in shown and "Friday" not in shown and "10 am" not in shown
    assert "text/calendar" not in parts_of(msg)


@pytest.mark.parametrize(
    "number",
    ["4, 1, 5, 6, 2, 8, 1, 9, 9, 0", "4-1-5-6-2-8-1-9-9-0", "4.15, 6.2, 8, 1990", "415 628 1990"],
)
def test_no_task_or_invite_from_the_digits_of_a_number(
    db_url: str, tmp_path: Path, smtpd: Callable[..., Server], number: str
) -> None:
    voicemail_id, msg = _process(db_url, tmp_path, smtpd(), f"Hi, it's Karen, call me at {number}.")
    facts, due = _stored(db_url, voicemail_id)
    assert facts["dates"] == [] and facts["callback_at"] is None
    assert due == datetime(2026, 11, 24, 10, 0, tzinfo=NY)
    assert "text/calendar" not in parts_of(msg) and " pm" not in msg["Subject"]
