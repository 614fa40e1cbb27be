"""The Inbox in a real browser (issue 15 §4, §5): a voicemail added by `ringback inbox add`
(real speech, the real Whisper model) is listed, plays, and the transcript follows it; a
click on a word seeks the player there; caller text with markup stays text; the phone
viewport."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from ringback.contacts.models import Contact
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from ringback.voicemail.store import store_original
from tests.conftest import Cli
from tests.support.audio import needs_audio, to_wav, voicemail_wav
from tests.support.browser import PHONE, LiveServer, record_dialogs, screenshot

pytestmark = pytest.mark.browser
PAYLOAD = "<script>alert(1)</script>"
NAME = '<img src=x onerror="alert(2)">Mallory'


def data_dir(live_server: LiveServer) -> Path:
    return Path(live_server.database_url.removeprefix("sqlite:///")).parent


@pytest.fixture(scope="module")
def added(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> int:
    """A real recording through `ringback inbox add`, into the live server's data."""
    wav = tmp_path_factory.mktemp("audio") / "message.wav"
    wav.write_bytes(voicemail_wav())
    cli = Cli(data_dir(live_server), None)
    result = cli("inbox", "add", str(wav), "--from", "212 555 0199", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["status"] == "done", row
    return int(row["id"])


def with_recording(
    live_server: LiveServer, source_key: str, audio: bytes, **fields: Any
) -> tuple[int, Path]:
    """A processed message with its recording stored in the live server's data folder:
    its id and where the recording is."""
    stored = store_original(audio, data_dir(live_server), filename=f"{source_key}.wav")
    with transaction(live_server.database_url) as session:
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key=source_key,
            original_path=str(stored.path),
            mime=stored.mime,
            received_at=datetime.now(UTC),
            status=VoicemailStatus.DONE,
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id, stored.path


def add_others(url: str) -> None:
    """Beside the real one: a message read earlier from a contact, and one that failed."""
    earlier = datetime.now(UTC) - timedelta(days=2, hours=3)
    with transaction(url) as session:
        contact = Contact(name="Sarah Chen")
        session.add(contact)
        session.flush()
        session.add_all(
            [
                Voicemail(
                    source=VoicemailSource.UPLOAD,
                    source_key="earlier",
                    received_at=earlier,
                    read_at=earlier,
                    status=VoicemailStatus.DONE,
                    contact_id=contact.id,
                    facts={
                        "summary": "wants to see the house on Oak Street after 3 pm",
                        "callback_number": "+14155550137",
                    },
                ),
                Voicemail(
                    source=VoicemailSource.TWILIO,
                    source_key="failed",
                    received_at=earlier - timedelta(days=1),
                    status=VoicemailStatus.FAILED,
                    status_reason="transcribe: the speech model could not be loaded",
                    from_number="+13125550142",
                ),
            ]
        )


@pytest.mark.slow
@needs_audio
def test_a_voicemail_from_the_inbox_plays_and_a_word_seeks_the_player(
    signed_in: Page, live_server: LiveServer, added: int
) -> None:
    add_others(live_server.database_url)
    page = signed_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    item = page.locator(f'a[href="/inbox/{added}"]')
    expect(item).to_contain_text("+1 212-555-0199")
    expect(item.locator(".badge-new")).to_be_visible()
    expect(page.locator(".inbox-open").first).to_have_attribute("href", f"/inbox/{added}")
    expect(page.get_by_text("the speech model could not be loaded")).to_be_visible()
    expect(page.locator('a[href="tel:+12125550199"]').first).to_be_visible()
    screenshot(page, "inbox-list")

    item.click()
    expect(page).to_have_url(re.compile(rf"/inbox/{added}$"))
    audio = page.locator("audio#player")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    assert page.evaluate("document.getElementById('player').duration") > 15
    words = page.locator("#transcript .word")
    assert words.count() >= 5
    # A word from the middle: clicking it puts the player at that word's start.
    target = words.nth(words.count() // 2)
    start = float(target.get_attribute("data-start") or "nan")
    assert start > 1
    target.click()
    moved = page.evaluate("document.getElementById('player').currentTime")
    assert abs(moved - start) < 0.05, (moved, start)
    expect(target).to_have_class(re.compile(r"\bcurrent\b"))

    # Enter on a word plays from there (a key press is a user gesture: no autoplay block),
    # and the highlight follows the recording.
    first = words.nth(1)
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(s) => { const a = document.getElementById('player'); "
        "return !a.paused && a.currentTime > s + 0.5; }",
        arg=float(first.get_attribute("data-start") or "0"),
    )
    expect(page.locator("#transcript .word.current")).to_have_count(1)
    audio.evaluate("a => a.pause()")
    screenshot(page, "inbox-voicemail")

    page.get_by_role("button", name="Mark done", exact=True).click()
    expect(page.get_by_text(f"Voicemail #{added} marked done.")).to_be_visible()
    expect(page.locator(f'a[href="/inbox/{added}"] .badge-new')).to_have_count(0)


def test_script_in_a_transcript_and_a_caller_name_is_shown_as_text(
    signed_in: Page, live_server: LiveServer
) -> None:
    with transaction(live_server.database_url) as session:
        contact = Contact(name=NAME)
        session.add(contact)
        session.flush()
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key="xss",
            received_at=datetime.now(UTC),
            status=VoicemailStatus.DONE,
            contact_id=contact.id,
            transcript=f"Hi {PAYLOAD} there",
            words=[
                {"text": " Hi", "start": 0.1, "end": 0.3, "probability": 0.9},
                {"text": " " + PAYLOAD, "start": 0.4, "end": 0.9, "probability": 0.2},
            ],
            facts={"summary": PAYLOAD, "caller_name": NAME, "company": PAYLOAD},
        )
        session.add(row)
        session.flush()
        voicemail_id = row.id
    page = signed_in
    dialogs = record_dialogs(page)
    page.goto("/inbox")
    item = page.locator(f'a[href="/inbox/{voicemail_id}"]')
    expect(item.locator(".inbox-caller")).to_have_text(NAME)
    expect(item.locator(".inbox-summary")).to_have_text(PAYLOAD)
    page.goto(f"/inbox/{voicemail_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    unsure = page.locator("#transcript .word.unsure")
    expect(unsure).to_have_text(PAYLOAD)
    expect(unsure).to_have_attribute("title", "unsure")
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 1
    assert dialogs == []


def test_on_a_phone_the_player_is_full_width_and_nothing_scrolls_sideways(
    signed_in: Page, live_server: LiveServer
) -> None:
    words = [
        {"text": f" word{i},", "start": i * 0.3, "end": i * 0.3 + 0.25, "probability": 0.9}
        for i in range(120)
    ]
    voicemail_id, _ = with_recording(
        live_server,
        "phone",
        to_wav((8000 * np.sin(np.arange(8000 * 40) / 3)).astype(np.int16)),
        from_number="+14155550137",
        transcript="".join(str(w["text"]) for w in words),
        words=words,
        facts={"summary": "a long message " * 10, "callback_number": "+14155550137"},
    )
    page = signed_in
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    for path in ("/inbox", f"/inbox/{voicemail_id}"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    player = page.locator("audio#player").bounding_box()
    card = page.locator(".voicemail-player").bounding_box()
    assert player and card and player["width"] >= card["width"] - 40  # the card's width
    transcript = page.locator("#transcript").bounding_box()
    assert transcript and transcript["x"] + transcript["width"] <= PHONE["width"]
    assert transcript["height"] > 150  # 120 words wrapped onto many lines
    expect(page.get_by_role("link", name="+1 415-555-0137").first).to_be_visible()
    expect(page.get_by_role("button", name="Capture and mark done")).to_be_visible()


def test_on_a_phone_a_message_is_deleted_after_its_confirmation(
    signed_in: Page, live_server: LiveServer
) -> None:
    audio = to_wav((8000 * np.sin(np.arange(8000) / 5)).astype(np.int16))
    voicemail_id, recording = with_recording(
        live_server, "to-delete", audio, transcript="Please forget me."
    )
    page = signed_in
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"/inbox/{voicemail_id}")
    button = page.get_by_role("button", name="Delete voicemail")
    expect(button).to_be_hidden()  # behind "Delete…", which says what goes and stays
    page.get_by_text("Delete…").click()
    expect(page.get_by_text("Stays:")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    button.click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_text(f"Voicemail #{voicemail_id} deleted")).to_be_visible()
    assert not recording.exists()
    with transaction(live_server.database_url) as session:
        assert session.get(Voicemail, voicemail_id) is None
