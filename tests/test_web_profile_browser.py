"""Settings → Your profile in a real browser on a phone (360 px), as a rep: a number that
is not one is refused with what was typed kept, a good one is saved, and the greeting
callers to their line hear says the name they saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import PHONE, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser

SAM = "sam.profile@example.com"


def test_a_rep_sets_their_name_and_number_on_a_phone(page: Page, live_server: LiveServer) -> None:
    live_server.add_user(SAM, role="rep")
    sign_in(page, SAM, live_server.password)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/settings#profile")
    name, phone = page.get_by_label("Your name"), page.get_by_label("Your callback number")
    name.fill("Sam Lee")
    phone.fill("call me maybe")
    page.get_by_role("button", name="Save your profile").click()
    expect(page.locator("#profile-error")).to_contain_text("not a phone number")
    expect(page.get_by_label("Your callback number")).to_have_value("call me maybe")
    expect(page.get_by_label("Your name")).to_have_value("Sam Lee")
    expect(page.get_by_label("Your callback number")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_label("Your callback number").fill("617 555 0142")
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_role("status").or_(page.locator(".flash-success")).first).to_contain_text(
        "Your profile is saved"
    )
    expect(page.get_by_label("Your name")).to_have_value("Sam Lee")
    expect(page.get_by_label("Your callback number")).to_have_value("+1 617-555-0142")
    personal = page.locator('.line-greeting[data-line="personal"]')
    expect(personal).to_contain_text("you've reached Sam Lee")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.get_by_role("button", name="Save your profile").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "settings-profile")
