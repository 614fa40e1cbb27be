"""The "cannot reach its database" page on a phone, as a salesperson who pressed Save
while the database server restarted sees it: the words say what happened and that
nothing was saved, nothing scrolls sideways, and the same Save works once it is back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import PHONE, screenshot, sign_in
from tests.support.outage import database_gone
from tests.support.web_outage import NOTHING_SAVED, SAYS_UNREACHABLE, Served

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def phone(browser: Browser, pg_served: Served) -> Iterator[Page]:
    """A signed-in browser at phone width on the PostgreSQL server."""
    context = browser.new_context(base_url=pg_served.base, viewport=PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page)
    expect(page.get_by_role("navigation", name="Main")).to_be_attached()
    yield page
    context.close()


def test_the_outage_page_reads_on_a_phone_and_the_form_saves_afterwards(
    phone: Page, pg_served: Served, request: pytest.FixtureRequest
) -> None:
    phone.goto("/contacts")
    phone.get_by_role("textbox", name="Name", exact=True).fill("Sarah Chen")
    with database_gone(pg_served.url, request):
        with phone.expect_navigation():
            phone.get_by_role("button", name="Add contact").click()
        expect(phone.get_by_role("heading", level=1, name=SAYS_UNREACHABLE)).to_be_visible()
        expect(phone.get_by_text(NOTHING_SAVED)).to_be_visible()
        screenshot(phone, "database-unreachable")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        try_again = phone.get_by_role("link", name="Try again")
        expect(try_again).to_have_attribute("href", "/contacts")  # back to the form
    assert pg_served.contacts_named("Sarah Chen") == 0

    try_again.click()  # the database is back: the form, sent again, saves once
    phone.get_by_role("textbox", name="Name", exact=True).fill("Sarah Chen")
    phone.get_by_role("button", name="Add contact").click()
    expect(phone.get_by_text("Added Sarah Chen.")).to_be_visible()
    assert pg_served.contacts_named("Sarah Chen") == 1
