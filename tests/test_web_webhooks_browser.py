"""The Webhooks block in a real browser on a phone: a long CRM URL and the secret wrap
instead of pushing the Settings page sideways, and the secret is shown once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import PHONE

pytestmark = pytest.mark.browser

# Loopback, and never sent to: no event is queued and no test is pressed.
LONG_URL = "http://127.0.0.1:9/hooks/" + "catch/" * 40 + "?token=" + "x" * 60


def test_a_long_webhook_url_and_its_secret_wrap_on_a_phone(signed_in: Page) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/settings#webhooks")
    page.get_by_label("Send events to (URL)").fill(LONG_URL)
    page.get_by_role("button", name="Add the webhook").click()
    secret = page.locator(".webhook-secret")
    expect(secret).to_contain_text("whsec_")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto("/settings#webhooks")
    expect(page.locator(".webhook")).to_have_count(1)
    expect(page.locator(".webhook-secret")).to_have_count(0)  # shown once only
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_each_event_checkbox_sits_beside_its_name(signed_in: Page) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/settings#webhooks")
    for event in ("voicemail.processed", "call.reviewed", "attempt.returned"):
        box = page.get_by_role("checkbox", name=event)
        expect(box).to_be_checked()
        mark, name = box.bounding_box(), page.get_by_text(event, exact=True).bounding_box()
        assert mark and name
        assert mark["x"] + mark["width"] <= name["x"], (event, mark, name)  # to its left
        assert abs((mark["y"] + mark["height"] / 2) - (name["y"] + name["height"] / 2)) < 12
