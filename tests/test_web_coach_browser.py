"""Coach, Stats and Settings in a real browser (issue 15 §3, §4): the score changing as a
script is typed, a rehearsal recorded with Chromium's fake microphone playing real
recorded speech, the stats charts drawn as SVG, and the phone viewport."""

from __future__ import annotations

import io
import re
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from bench import voicemail_corpus
from playwright.sync_api import Browser, Page, expect

from ringback.contacts.models import BackStoryKind
from ringback.contacts.service import add_back_story, add_contact
from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.tracking.models import Channel, Outcome, Way
from ringback.tracking.service import log_outcome
from tests.conftest import IN_CI
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
from tests.support.twilio import make_settings

pytestmark = pytest.mark.browser
NO_NUMBER = (
    "Hi Bill, this is Dana from Northwind. I'm following up on our call Tuesday, where you "
    "mentioned the Austin office. I'm calling to share how your team can save 5 hours a week. "
    "Could we talk Thursday at 10 am?"
)
NUMBER = " You can reach me at 415 555 0137. Again, 415 555 0137."


def _verdict(page: Page, rule: str) -> str | None:
    return page.locator(f'#findings [data-rule="{rule}"]').get_attribute("data-verdict")


def test_the_score_changes_as_the_script_is_typed(signed_in: Page) -> None:
    page = signed_in
    page.goto("/coach")
    box = page.get_by_label("Your voicemail script")
    box.fill(NO_NUMBER)
    callback = page.locator('#findings [data-rule="callback_number"]')
    expect(callback).to_have_attribute("data-verdict", "not")
    before = int(page.locator("#score .score-value").inner_text())
    box.press("End")
    box.press_sequentially(NUMBER, delay=5)  # typed key by key, as a person does
    expect(callback).to_have_attribute("data-verdict", re.compile("met|partly"))
    expect(page.locator("#score .score-value")).not_to_have_text(str(before))
    assert int(page.locator("#score .score-value").inner_text()) > before
    assert page.get_by_role("button", name="Score it").is_hidden()  # scored as you type
    screenshot(page, "coach")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


def test_compose_from_a_contact_and_take_a_variant_into_the_script(
    signed_in: Page, live_server: LiveServer
) -> None:
    payload = "<img src=x onerror=alert(1)>Bill"
    with transaction(live_server.database_url) as session:
        bill = add_contact(session, name=f"{payload} Turner", company="ABC Logistics", region="US")
        add_back_story(
            session,
            contact=bill,
            kind=BackStoryKind.PROFESSIONAL_GOAL,
            text="Open an Austin office",
        )
    page = signed_in
    dialogs = record_dialogs(page)
    page.goto("/coach")
    page.get_by_label("Contact", exact=True).select_option(
        label=f"{payload} Turner (ABC Logistics)"
    )
    page.get_by_role("button", name="Compose").click()
    variants = page.locator("#variants .variant")
    expect(variants.first).to_be_visible()
    expect(page.locator("#variants h3")).to_have_text(f"For {payload} Turner, best first")
    first = variants.first
    expect(first.locator(".variant-score")).to_have_text(re.compile(r"\d+/100"))
    first.get_by_role("button", name="Use this script").click()
    expect(page.get_by_label("Your voicemail script")).to_have_value(
        first.locator(".variant-text").inner_text()
    )
    expect(page.locator("#findings .finding").first).to_be_visible()
    assert page.locator("main img").count() == 0 and dialogs == []


@pytest.fixture(scope="module")
def spoken_take(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real recorded message (Asterisk's voice, FSDD digits) as a 48 kHz WAV, the file
    Chromium's fake microphone plays."""
    if not voicemail_corpus.available():
        if IN_CI:
            pytest.fail("CI=true requires the Asterisk prompts and FSDD")
        pytest.skip("needs the Asterisk prompts (scripts/test-deps) and ../shared/eval/fsdd")
    message = voicemail_corpus.build(12.0, seed=7)
    with wave.open(io.BytesIO(message.wav)) as source:
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype=np.int16)
    path = tmp_path_factory.mktemp("mic") / "take.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(np.repeat(samples, 6).tobytes())  # 8 -> 48 kHz, pitch intact
    return path


@pytest.fixture(scope="module")
def mic_browser(browser: Browser, spoken_take: Path) -> Iterator[Browser]:
    """A second Chromium whose fake microphone plays ``spoken_take``."""
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*ARGS, f"--use-file-for-fake-audio-capture={spoken_take}"],
    )
    yield launched
    launched.close()


@contextmanager
def mic_page(mic_browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A signed-in page in the browser with the speaking microphone."""
    context = mic_browser.new_context(base_url=live_server.base, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, live_server.email, live_server.password)
        yield page
    finally:
        context.close()


@pytest.mark.slow
def test_a_rehearsal_recorded_in_the_browser_gets_a_delivery_report(
    mic_browser: Browser, live_server: LiveServer
) -> None:
    with mic_page(mic_browser, live_server) as page:
        page.goto("/coach")
        page.get_by_label("Your voicemail script").fill(NO_NUMBER + NUMBER)
        page.get_by_role("button", name="Record a take").click()
        status = page.locator("#rehearse .record-status")
        # Long enough for the whole message the microphone plays.
        expect(status).to_have_text(re.compile(r"Recording… (1[2-9]|[2-9]\d) s"), timeout=30_000)
        page.get_by_role("button", name="Stop and measure").click()
        report = page.locator("#rehearsal .delivery-report")
        expect(report).to_be_visible(timeout=180_000)  # Whisper loads on the first take
        rows = report.locator("table.delivery")
        for measure in ("Length", "Pace", "Pauses", "Filler words", "Your number"):
            expect(rows.get_by_role("rowheader", name=measure, exact=True)).to_be_visible()
        expect(rows).to_contain_text("words a minute")
        expect(rows).to_contain_text("digits a second")  # the FSDD number was heard
        expect(report.locator(".transcript")).not_to_be_empty()
        assert 1 <= report.locator("ol.changes > li").count() <= 3
        screenshot(page, "coach-rehearsal")


@pytest.mark.slow
def test_a_greeting_recorded_in_the_browser_is_checked_and_not_used_when_it_fails(
    mic_browser: Browser, live_server: LiveServer
) -> None:
    with mic_page(mic_browser, live_server) as page:
        page.goto("/settings")
        page.get_by_role("button", name="Record it now").click()
        status = page.locator("#greeting .record-status")
        expect(status).to_have_text(re.compile(r"Recording… [3-9] s"), timeout=30_000)
        page.get_by_role("button", name="Stop and check").click()
        result = page.locator("#greeting-result")
        # The microphone plays a stranger's recording: it never says the owner's name.
        expect(result.get_by_role("alert")).to_contain_text("Not used", timeout=180_000)
        expect(result.locator('[data-check="says_name"] .verdict')).to_have_text("No")
        expect(result.locator(".transcript")).to_contain_text("We heard:")
        expect(page.locator('.line-greeting[data-line="personal"]')).to_contain_text(
            "no recording yet"
        )


def _log_voicemails(live_server: LiveServer, tmp: Path) -> None:
    settings = make_settings(tmp, database_url=live_server.database_url)
    start = utcnow() - timedelta(days=20)
    with transaction(live_server.database_url) as session:
        people = [
            add_contact(session, name=f"Prospect {i}", allow_duplicate=True, region="US")
            for i in range(6)
        ]
        for i, person in enumerate(people):
            log_outcome(
                session,
                channel=Channel.VOICEMAIL,
                contact_id=person.id,
                settings=settings,
                script=NO_NUMBER + (NUMBER if i % 2 else ""),
                variant="<b>goal-first</b>" if i % 2 else "plain",
                at=start + timedelta(days=3 * i, hours=i),
            )
            if i % 3 == 0:
                log_outcome(
                    session,
                    channel=Channel.CALL,
                    contact_id=person.id,
                    settings=settings,
                    direction=Way.INBOUND,
                    outcome=Outcome.CONNECTED,
                    at=start + timedelta(days=3 * i + 1),
                )


def test_stats_charts_render_as_svg(
    signed_in: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    page = signed_in
    page.goto("/stats")
    expect(page.get_by_role("heading", name="No calls logged yet")).to_be_visible()
    assert page.locator("svg.chart").count() == 0
    _log_voicemails(live_server, tmp_path)
    page.reload()
    expect(page.get_by_text("of 6 voicemails returned")).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(5)
    for i in range(5):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 60  # drawn, not collapsed
    assert page.locator("svg.chart rect.bar").count() > 4
    expect(page.locator("#by-variant")).to_contain_text(re.compile("not enough data yet", re.I))
    expect(page.locator("#by-variant td").get_by_text("<b>goal-first</b>")).to_be_visible()
    screenshot(page, "stats")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


def test_settings_page_on_a_phone(signed_in: Page) -> None:
    page = signed_in
    page.goto("/settings")
    expect(page.get_by_role("heading", name="Your greeting")).to_be_visible()
    expect(page.get_by_role("button", name="Record it now")).to_be_visible()  # MediaRecorder
    expect(page.get_by_text("the local mailbox (no SMTP server set)")).to_be_visible()
    expect(page.get_by_role("link", name="Change your password")).to_be_visible()
    screenshot(page, "settings")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for name in ("Record it now", "Check and use it", "Send a test email"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box and box["height"] >= 40 and box["x"] + box["width"] <= PHONE["width"]
