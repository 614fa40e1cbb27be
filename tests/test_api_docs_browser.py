"""The API's reference page (/api/v1/docs) read on a phone, as a CRM developer checking a
parameter away from their desk would: nothing scrolls sideways, words are not split letter
by letter, and the spec's `code` marks show as code, not as backticks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import PHONE, screenshot

pytestmark = pytest.mark.browser


def test_the_api_docs_read_on_a_phone(signed_in: Page) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", level=1, name="Ringback API")).to_be_visible()
    screenshot(page, "api-docs")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The list's parameters: each name and where it goes stay whole words on one line.
    card = page.locator("section", has=page.get_by_role("heading", name="List contacts"))
    for word in ("updated_since", "query", "integer"):
        shown = card.get_by_text(word).first
        expect(shown).to_be_visible()
        box = shown.bounding_box()
        assert box and box["height"] < 30, (word, box)  # one line, not a column of letters
    text = page.locator("main").inner_text()
    assert "`" not in text, text[text.index("`") - 40 : text.index("`") + 40]
    expect(page.locator("main code", has_text="Authorization: Bearer TOKEN").first).to_be_visible()
