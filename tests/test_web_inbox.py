"""The Inbox pages over HTTP (issue 15 §3, §5), on SQLite and PostgreSQL: the list (unread
first, 50 a page), a voicemail's page (opening it marks it read), its recording (by id
only, with ranges), capturing exactly the checked items, mark done, and status notes.

The rows are what the pipeline writes for a processed message; a real recording through
the real pipeline is in test_web_inbox_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, insert, select

from ringback.contacts.models import BackStoryItem, Contact, ContactPhone
from ringback.db.session import get_engine, transaction
from ringback.voicemail import listing
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from ringback.voicemail.store import store_original
from tests.support.audio import to_wav
from tests.support.web_pages import MigratedApp

HTML = {"accept": "text/html"}
NY = ZoneInfo("America/New_York")
NOW = datetime.now(UTC)
FACTS: dict[str, Any] = {
    "callback_number": "+14155550137",
    "callback_number_confidence": 0.97,
    "caller_name": "Sarah",
    "company": "Northwind",
    "dates": [{"text": "after three tomorrow", "iso": "2026-11-24T15:00:00-05:00"}],
    "amounts": ["$450,000"],
    "addresses": ["12 Oak Street"],
    "summary": "wants to see the house tomorrow after 3 pm",
    "asks_callback": True,
}


class Inbox(MigratedApp):
    """The app on a migrated database with one signed-in user, and rows to put in it."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        super().__init__(tmp_path, url)
        self.n = 0

    def add(self, **values: Any) -> int:
        self.n += 1
        row = {
            "source": VoicemailSource.UPLOAD,
            "source_key": f"test-{self.n}",
            "from_number": "+12125550199",
            "received_at": NOW - timedelta(hours=self.n),
            "duration": 27.0,
            "status": VoicemailStatus.DONE,
            "transcript": "Hi, this is Sarah from Northwind.",
            "facts": {"summary": f"message {self.n}"},
            **values,
        }
        with transaction(self.url) as session:
            item = Voicemail(**row)
            session.add(item)
            session.flush()
            return item.id

    def bulk(self, count: int, **fields: Any) -> None:
        """``count`` messages in one statement, a minute apart back from now; a field given
        as a function gets the row's number."""
        rows = [
            {
                "source": VoicemailSource.UPLOAD,
                "source_key": f"bulk-{i}",
                "received_at": NOW - timedelta(minutes=i),
                "status": VoicemailStatus.DONE,
                **{name: value(i) if callable(value) else value for name, value in fields.items()},
            }
            for i in range(count)
        ]
        with transaction(self.url) as session:
            session.execute(insert(Voicemail), rows)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.form_post("/inbox", path, data, headers=HTML)

    def row(self, voicemail_id: int) -> Voicemail:
        with transaction(self.url) as session:
            found = session.get(Voicemail, voicemail_id)
            assert found is not None
            session.expunge(found)
            return found


@pytest.fixture
def inbox(tmp_path: Path, db_url: str) -> Iterator[Inbox]:
    made = Inbox(tmp_path, db_url)
    yield made
    made.close()


def listed_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="inbox-open" href="/inbox/(\d+)"', html)]


def test_the_list_is_unread_first_then_newest_with_who_called_and_the_number(
    inbox: Inbox,
) -> None:
    old_unread = inbox.add(received_at=NOW - timedelta(days=3))
    new_read = inbox.add(received_at=NOW - timedelta(minutes=5), read_at=NOW)
    with transaction(inbox.url) as session:
        contact = Contact(name="Sarah Chen")
        contact.phones.append(ContactPhone(e164="+12125550123", label="mobile"))
        session.add(contact)
        session.flush()
        contact_id = contact.id
    newest_unread = inbox.add(
        received_at=NOW - timedelta(hours=1),
        contact_id=contact_id,
        facts={**FACTS, "callback_extension": "12"},
    )
    page = inbox.client.get("/inbox")
    assert page.status_code == 200
    assert listed_ids(page.text) == [newest_unread, old_unread, new_read]
    assert "Sarah Chen" in page.text  # the contact's name, not the said "Sarah"
    assert 'href="tel:+14155550137;ext=12"' in page.text
    assert "+1 415-555-0137 ext. 12" in page.text
    assert FACTS["summary"] in page.text
    assert "+1 212-555-0199" in page.text  # no contact, no name said: the number
    assert page.text.count("badge-new") == 2


def test_fifty_a_page_with_an_older_link_and_nothing_twice(inbox: Inbox) -> None:
    inbox.bulk(
        120, facts=lambda i: {"summary": f"bulk {i}"}, read_at=lambda i: NOW if i % 2 else None
    )
    seen: list[int] = []
    page = inbox.client.get("/inbox")
    for number in (1, 2, 3):
        ids = listed_ids(page.text)
        assert len(ids) == (50 if number < 3 else 20)
        seen += ids
        if number < 3:
            assert f'href="/inbox?page={number + 1}">Older</a>' in page.text
            page = inbox.client.get(f"/inbox?page={number + 1}")
    assert "Older</a>" not in page.text and 'href="/inbox?page=2">Newer</a>' in page.text
    assert len(set(seen)) == 120
    # 60 unread (even i, newest first) then 60 read.
    with transaction(inbox.url) as session:
        read = {
            v.id for v in session.scalars(select(Voicemail).where(Voicemail.read_at.is_not(None)))
        }
    assert not read & set(seen[:60]) and set(seen[60:]) == read
    assert seen[:60] == sorted(seen[:60]) and seen[60:] == sorted(seen[60:])  # newest first
    for bad in ("0", "-1", "x", "99999999"):
        refused = inbox.client.get(f"/inbox?page={bad}", headers=HTML)
        assert refused.status_code == 422 and "Check: page" in refused.text


def test_the_list_is_one_query_however_many_messages(inbox: Inbox) -> None:
    inbox.bulk(
        5000,
        from_number=lambda i: f"+1212555{i:04d}",
        facts=FACTS,
        words=[{"text": "x", "start": 0, "end": 1, "probability": 1}] * 50,
    )
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = get_engine(inbox.url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        with transaction(inbox.url) as session:
            found = listing.inbox_page(session, region="US", page=40)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(found.items) == 50 and found.has_older
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects
    assert "LIMIT" in selects[0].upper() and "words" not in selects[0]


def test_opening_a_voicemail_marks_it_read_and_shows_its_facts(inbox: Inbox) -> None:
    first = inbox.add(received_at=NOW - timedelta(days=2))
    second = inbox.add(
        received_at=NOW - timedelta(days=1),
        facts={**FACTS, "callback_number_confidence": 0.55},
        words=[
            {"text": " Hi,", "start": 0.5, "end": 0.8, "probability": 0.98},
            {"text": " Sarah", "start": 0.9, "end": 1.3, "probability": 0.31},
        ],
    )
    assert listed_ids(inbox.client.get("/inbox").text) == [second, first]
    page = inbox.client.get(f"/inbox/{second}")
    assert page.status_code == 200
    assert inbox.row(second).read_at is not None
    assert listed_ids(inbox.client.get("/inbox").text) == [first, second]  # read: below
    assert '<span class="word" data-start="0.50" data-end="0.80">Hi,</span>' in page.text
    assert (
        'class="word unsure" data-start="0.90" data-end="1.30" title="unsure">Sarah<' in page.text
    )
    assert 'href="tel:+14155550137"' in page.text
    assert "check the recording (55% sure)" in page.text  # the email's line: under 0.8
    assert re.search(
        r"after three tomorrow <span class=\"hint\">\(Tue 24 Nov( 2026)?, 3:00 pm\)", page.text
    )
    assert "Northwind" in page.text and "$450,000" in page.text and "12 Oak Street" in page.text
    assert '<script src="/static/player.js"' in page.text
    sure = inbox.client.get(f"/inbox/{inbox.add(facts=FACTS)}")
    assert "check the recording" not in sure.text
    missing = inbox.client.get("/inbox/999999", headers=HTML)
    assert missing.status_code == 404 and "no voicemail #999999" in missing.text


def test_the_recording_is_served_by_id_with_ranges_and_nothing_else(
    inbox: Inbox, tmp_path: Path
) -> None:
    audio = to_wav((30000 * np.sin(np.arange(16000) / 5)).astype(np.int16))
    stored = store_original(audio, inbox.settings.data_dir, filename="msg.wav")
    playable = inbox.add(original_path=str(stored.path), mime="audio/wav", original_size=len(audio))
    outside = tmp_path / "elsewhere.wav"
    outside.write_bytes(audio)
    stray = inbox.add(original_path=str(outside), mime="audio/wav")
    pdf = store_original(b"%PDF-1.7\n" * 50, inbox.settings.data_dir, filename="x.pdf")
    rejected = inbox.add(
        original_path=str(pdf.path), mime="application/pdf", status=VoicemailStatus.REJECTED
    )

    whole = inbox.client.get(f"/inbox/{playable}/audio")
    assert whole.status_code == 200 and whole.content == audio
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes"
    part = inbox.client.get(f"/inbox/{playable}/audio", headers={"range": "bytes=100-1099"})
    assert part.status_code == 206 and part.content == audio[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(audio)}"

    for path in (
        f"/inbox/{stray}/audio",  # a stored path outside the data folder
        f"/inbox/{rejected}/audio",  # not audio
        "/inbox/999999/audio",
        f"/inbox/{playable}/audio/../../../../etc/passwd",
    ):
        assert inbox.client.get(path, headers=HTML).status_code == 404, path
    for path in ("/inbox/..%2F..%2Fetc%2Fpasswd/audio", f"/inbox/{stored.path}/audio"):
        assert inbox.client.get(path, headers=HTML).status_code in (404, 422), path
    signed_out = TestClient(inbox.client.app, base_url="http://127.0.0.1")
    answer = signed_out.get(f"/inbox/{playable}/audio", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


def back_story(url: str) -> list[tuple[str, str]]:
    with transaction(url) as session:
        items = session.scalars(select(BackStoryItem).order_by(BackStoryItem.id))
        return [(str(b.kind), b.text) for b in items]


def test_capture_saves_exactly_the_checked_items(inbox: Inbox) -> None:
    voicemail_id = inbox.add(facts=FACTS, from_number="+14155550137")
    page = inbox.client.get(f"/inbox/{voicemail_id}")
    boxes = re.findall(r'name="keep" value="(\d+)" checked> <span><strong>([^<]+)', page.text)
    assert boxes == [("0", "Interest:"), ("1", "Financial goal:"), ("2", "Interest:")]

    missing_token = inbox.client.post(
        f"/inbox/{voicemail_id}/capture", data={"keep": ["0"]}, headers=HTML
    )
    assert missing_token.status_code == 403 and back_story(inbox.url) == []

    saved = inbox.post(f"/inbox/{voicemail_id}/capture", {"keep": ["0", "2"]})
    assert saved.status_code == 303
    assert back_story(inbox.url) == [
        ("interest", "Wants to see the house tomorrow after 3 pm; times mentioned: "
         "after three tomorrow (Tue 24 Nov, 3:00 pm)"),
        ("interest", "Address mentioned: 12 Oak Street"),
    ]  # fmt: skip
    assert inbox.row(voicemail_id).handled_at is not None
    after = inbox.client.get(f"/inbox/{voicemail_id}")
    assert "Captured into new contact Sarah: 2 items saved. Marked done." in after.text
    assert 'name="keep"' not in after.text and "Address mentioned: 12 Oak Street" in after.text

    again = inbox.post(f"/inbox/{voicemail_id}/capture", {"keep": ["1"]})
    assert again.status_code == 303 and len(back_story(inbox.url)) == 2
    with transaction(inbox.url) as session:
        assert [c.name for c in session.scalars(select(Contact))] == ["Sarah"]


def test_capture_with_nothing_checked_files_the_call_but_no_back_story(inbox: Inbox) -> None:
    voicemail_id = inbox.add(facts=FACTS)
    assert inbox.post(f"/inbox/{voicemail_id}/capture").status_code == 303
    assert back_story(inbox.url) == [] and inbox.row(voicemail_id).handled_at is not None


def test_mark_done_and_a_message_still_processing_or_failed_says_what_to_do(
    inbox: Inbox,
) -> None:
    done = inbox.add(facts=FACTS)
    answer = inbox.post(f"/inbox/{done}/done")
    assert answer.status_code == 303 and answer.headers["location"] == "/inbox"
    assert inbox.row(done).handled_at is not None and inbox.row(done).read_at is not None
    listed = inbox.client.get("/inbox").text
    assert "marked done" in listed and '<span class="badge">Done</span>' in listed
    page = inbox.client.get(f"/inbox/{done}").text
    assert "/done" not in page
    # Done is not filed: the page still offers to capture it, without marking it again.
    assert page.count('name="keep"') == 3 and "Capture into the contact" in page
    assert inbox.post(f"/inbox/{done}/capture", {"keep": ["1"]}).status_code == 303
    assert back_story(inbox.url) == [("financial_goal", "Amounts mentioned: $450,000")]
    page = inbox.client.get(f"/inbox/{done}").text
    assert 'name="keep"' not in page and "Amounts mentioned: $450,000" in page
    assert inbox.post("/inbox/999999/done").status_code == 404

    busy = inbox.add(status=VoicemailStatus.PROCESSING, facts=None, transcript=None)
    failed = inbox.add(
        status=VoicemailStatus.FAILED,
        status_reason="transcribe: model file is damaged\nTraceback...",
        facts=None,
    )
    listed = inbox.client.get("/inbox").text
    assert "Processing" in listed and "Being transcribed" in listed
    assert "transcribe: model file is damaged. Listen to the recording. To try again" in listed
    assert "Traceback" not in listed
    page = inbox.client.get(f"/inbox/{failed}").text
    assert "ringback inbox resume --failed" in page and 'name="keep"' not in page
    refused = inbox.post(f"/inbox/{busy}/capture")
    assert refused.status_code == 303
    assert "Nothing to capture yet" in inbox.client.get(f"/inbox/{busy}").text


def test_caller_text_is_escaped(inbox: Inbox) -> None:
    evil = "<script>alert(1)</script>"
    voicemail_id = inbox.add(
        caller_name='<img src=x onerror="alert(2)">',
        transcript=evil,
        facts={**FACTS, "summary": evil, "caller_name": None},
        words=[{"text": evil, "start": 0.0, "end": 1.0, "probability": 0.2}],
    )
    for path in ("/inbox", f"/inbox/{voicemail_id}"):
        text = inbox.client.get(path).text
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
