"""The Calls pages in Chromium (issue 15 §4): a real two-party stereo call uploaded
through the form, its progress shown while the worker analyses it, then the review:
two lanes, a moment that seeks the player, the speed control, space to play and pause,
and the phone viewport. Screenshots: calls-upload, calls-review (desktop and phone)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from bench import call_corpus

from tests.conftest import IN_CI
from tests.support.browser import PHONE, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def call_wav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 60-second stereo call spliced from real speech (bench/call_corpus.py), with one
    interruption by the rep and two open questions planted."""
    if not call_corpus.available():
        if IN_CI:
            pytest.fail("CI=true requires the Asterisk prompts (scripts/test-deps)")
        pytest.skip("test data missing: the Asterisk prompts (scripts/test-deps)")
    path = tmp_path_factory.mktemp("call") / "bill-call.wav"
    truth = call_corpus.write(path, 60.0, seed=4)
    assert len(truth.interruptions) == 1 and len(truth.questions) == 2
    yield path


def _audio(page: Page, expression: str) -> object:
    return page.eval_on_selector("#review-audio", f"a => {expression}")


def test_a_call_is_uploaded_analysed_and_reviewed_in_the_browser(
    signed_in: Page, call_wav: Path
) -> None:
    from playwright.sync_api import expect

    page = signed_in
    page.get_by_role("link", name="Calls").click()
    expect(page.get_by_role("heading", name="Review a call")).to_be_visible()
    page.get_by_label("Recording").set_input_files(str(call_wav))
    screenshot(page, "calls-upload")
    page.get_by_role("button", name="Analyze").click()

    # Progress while the worker analyses it, then the review replaces it by itself.
    expect(page.locator("#analysis-progress")).to_be_attached()
    expect(page.get_by_role("heading", name="How the call went")).to_be_visible(timeout=240_000)
    assert page.locator(".lane-rep .bar").count() > 0
    assert page.locator(".lane-customer .bar").count() > 0
    assert page.locator(".lane-rep .cut").count() == 1  # the planted interruption
    expect(page.get_by_text("Rep talk share")).to_be_visible()
    page.wait_for_function(
        "document.querySelector('#review-audio').readyState >= 1"
    )  # metadata loaded: the recording is served

    # A moment seeks the player to it.
    moment = page.locator(".moment").filter(has_text="question").last
    at = float(moment.get_attribute("data-seek") or "nan")
    assert at > 1
    moment.click()
    assert abs(float(_audio(page, "a.currentTime")) - at) < 0.3  # type: ignore[arg-type]

    # The speed control sets the playback rate.
    page.get_by_label("Speed").select_option("1.5")
    assert _audio(page, "a.playbackRate") == 1.5

    # Space plays and pauses (focus off the controls, as after reading the page).
    page.locator("h1").click()
    assert _audio(page, "a.paused") is True
    page.keyboard.press(" ")
    page.wait_for_function("!document.querySelector('#review-audio').paused")
    page.keyboard.press(" ")
    page.wait_for_function("document.querySelector('#review-audio').paused")
    before = float(_audio(page, "a.currentTime"))  # type: ignore[arg-type]
    page.keyboard.press("ArrowRight")
    assert float(_audio(page, "a.currentTime")) == pytest.approx(before + 5, abs=0.3)  # type: ignore[arg-type]

    # A click on a word seeks there, and that word is the one highlighted.
    word = page.locator("#review-transcript .w").nth(12)
    start = float(word.get_attribute("data-s") or "nan")
    word.click()
    assert abs(float(_audio(page, "a.currentTime")) - start) < 0.05  # type: ignore[arg-type]
    expect(word).to_have_class("w now")
    expect(page.locator("#review-transcript .w.now")).to_have_count(1)

    screenshot(page, "calls-review")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    lane = page.locator(".lane-rep .lane-track").bounding_box()
    assert lane is not None and 200 < lane["width"] <= PHONE["width"]
    expect(page.locator(".moment").first).to_be_visible()
