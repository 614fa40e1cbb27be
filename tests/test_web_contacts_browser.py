"""Contacts and Today in a real browser (issue 15 §4, §5): a contact and a back-story item
added through the forms and found by search; script in a name and a note shown as text; a
voice memo recorded with Chromium's fake microphone lands on the timeline; the phone
viewport never scrolls sideways. Screenshots: today, contacts, contact."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.audio import needs_audio, voicemail_wav
from tests.support.browser import (
    ARGS,
    CHROMIUM,
    DESKTOP,
    PHONE,
    LiveServer,
    record_dialogs,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser
PAYLOAD = '<img src=x onerror="alert(1)">Mallory<script>alert(2)</script>'


def add_contact(page: Page, name: str, company: str, phone: str, email: str) -> None:
    page.goto("/contacts")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Company", exact=True).fill(company)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Add contact").click()


def add_day(url: str) -> int:
    """A callback due from a voicemail, and a drafted follow-up email: what Today lists."""
    from ringback.contacts.models import Contact, ContactEmail, FollowUp
    from ringback.db.session import transaction
    from ringback.tracking.models import Channel, FollowUpSequence, FollowUpStep, StepStatus
    from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus

    now = datetime.now(UTC)
    # Overdue since earlier *today* in the app's timezone (UTC) even just after midnight,
    # when half an hour ago was yesterday (the page then rightly says so).
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction(url) as session:
        contact = Contact(name="Priya Natarajan", company="Harbor Dental")
        contact.emails = [ContactEmail(address="priya@harbor.example")]
        session.add(contact)
        session.flush()
        task = FollowUp(
            contact_id=contact.id,
            title="Call back Priya Natarajan: wants a quote for two offices",
            due_at=max(now - timedelta(minutes=30), midnight),
        )
        sequence = FollowUpSequence(contact_id=contact.id, started_at=now - timedelta(days=1))
        session.add_all([task, sequence])
        session.flush()
        session.add_all(
            [
                Voicemail(
                    source=VoicemailSource.UPLOAD,
                    source_key="today",
                    contact_id=contact.id,
                    received_at=now - timedelta(hours=1),
                    status=VoicemailStatus.DONE,
                    callback_task_id=task.id,
                    facts={"summary": "wants a quote", "callback_number": "+14155550188"},
                ),
                FollowUpStep(
                    sequence_id=sequence.id,
                    position=0,
                    business_day=0,
                    channel=Channel.EMAIL,
                    due_at=now - timedelta(hours=2),
                    status=StepStatus.DRAFTED,
                    subject="Your quote for two offices",
                    body="Hi Priya,\n\nAs promised on your voicemail: the quote.",
                ),
            ]
        )
        return contact.id


def test_today_shows_the_callback_with_its_number_and_the_prep_brief(
    signed_in: Page, live_server: LiveServer
) -> None:
    contact_id = add_day(live_server.database_url)
    page = signed_in
    page.goto("/")
    callbacks = page.locator("section", has=page.get_by_role("heading", name="Callbacks due"))
    expect(callbacks).to_contain_text("Call back Priya Natarajan")
    expect(callbacks.locator('a[href="tel:+14155550188"]')).to_be_visible()
    expect(callbacks).to_contain_text(re.compile(r"overdue since today \d+:\d\d [ap]m"))
    drafts = page.locator("section", has=page.get_by_role("heading", name="Follow-up emails"))
    expect(drafts).to_contain_text("As promised on your voicemail: the quote.")
    expect(drafts.get_by_role("button", name="Approve and send")).to_be_visible()
    unread = page.locator("section", has=page.get_by_role("heading", name="Voicemails not read"))
    expect(unread).to_contain_text("wants a quote")
    screenshot(page, "today")
    callbacks.get_by_role("link", name="Prep brief").click()
    expect(page).to_have_url(re.compile(rf"/contacts/{contact_id}#prep$"))
    expect(page.locator("#prep")).to_be_in_viewport()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


def test_add_a_contact_and_a_back_story_item_then_find_them(signed_in: Page) -> None:
    page = signed_in
    add_contact(page, "Sarah Chen", "Northwind Realty", "(415) 555-0137", "sarah@nw.example")
    expect(page.get_by_text("Added Sarah Chen.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sarah Chen")
    expect(page.locator('a[href="tel:+14155550137"]')).to_be_visible()

    page.get_by_text("Add to the back story").click()
    page.get_by_label("Kind", exact=True).last.select_option("professional_goal")
    page.get_by_label("What you learned").fill("wants to open a second office by spring")
    page.get_by_role("button", name="Add", exact=True).click()
    story = page.locator("#story")
    expect(story).to_contain_text("Added to the back story.")
    expect(story.locator(".story-text")).to_have_text("wants to open a second office by spring")
    expect(story.locator(".story-phrase")).to_contain_text("Messages say:")

    # Edited in place: the phrase messages say.
    story.get_by_text("Edit", exact=True).click()
    story.get_by_label("What messages say", exact=True).fill("open your second office by spring")
    story.get_by_role("button", name="Save").click()
    expect(story).to_contain_text("“open your second office by spring”")
    page.reload()
    expect(page.locator("#prep")).to_contain_text("wants to open a second office by spring")
    screenshot(page, "contact")

    for query in ("chen", "northwind", "415-555-0137", "sarah@nw"):
        page.goto("/contacts")
        page.get_by_label("Search by name, company, job title, phone or email").fill(query)
        page.get_by_role("button", name="Search").click()
        expect(page.locator(".contact-open")).to_have_text(["Sarah Chen"])
    screenshot(page, "contacts")


def test_script_in_a_contact_name_and_a_note_is_shown_as_text(signed_in: Page) -> None:
    page = signed_in
    dialogs = record_dialogs(page)
    add_contact(page, PAYLOAD, PAYLOAD, "", "")
    expect(page.get_by_role("heading", level=1)).to_have_text(PAYLOAD)
    page.get_by_label("Note", exact=True).fill(f"Said {PAYLOAD} on the call")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#timeline .timeline-text").first).to_have_text(
        f"Said {PAYLOAD} on the call"
    )
    page.goto("/contacts?q=mallory")
    expect(page.locator(".contact-open")).to_have_text([PAYLOAD])
    assert page.locator("main img").count() == 0
    assert dialogs == []


def test_on_a_phone_nothing_scrolls_sideways(signed_in: Page) -> None:
    page = signed_in
    add_contact(page, "Bartholomew " + "Longname" * 6, "A very long company name " * 3, "", "")
    contact_url = page.url
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    for path in ("/", "/contacts", contact_url):
        page.goto(path)
        no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def microphone_browser(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    """A second Chromium (from the same Playwright) whose fake microphone plays a real
    speech recording: the flag is a launch argument, so the shared browser cannot."""
    wav = tmp_path_factory.mktemp("mic") / "speech.wav"
    wav.write_bytes(voicemail_wav())
    args = [*ARGS, f"--use-file-for-fake-audio-capture={wav}"]
    launched = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield launched
    launched.close()


@pytest.mark.slow
@needs_audio
def test_a_voice_memo_recorded_in_the_browser_lands_on_the_timeline(
    microphone_browser: Browser, live_server: LiveServer
) -> None:
    context = microphone_browser.new_context(base_url=live_server.base, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        sign_in(page, live_server.email, live_server.password)
        add_contact(page, "Memo Person", "", "", "")
        page.get_by_role("button", name="Record a voice memo").click()
        # The speech file plays into the microphone: keep recording until 8 s are in.
        expect(page.locator("#memo-status")).to_contain_text("Recording 0:08", timeout=30_000)
        page.get_by_role("button", name="Stop and save").click()
        timeline = page.locator("#timeline")
        expect(timeline).to_contain_text("Voice memo transcribed and noted.", timeout=120_000)
        text = timeline.locator(".timeline-text").first.inner_text()
        assert text.startswith("(voice memo recorded here)"), text
        assert re.search(r"hello|telephone|number", text, re.I), text
        page.reload()
        expect(page.locator("#timeline .timeline-text").first).to_have_text(text)
    finally:
        context.close()
