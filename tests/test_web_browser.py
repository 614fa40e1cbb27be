"""The web app's shell in a real browser (issue 15 §4, §5): signing in and out, a wrong
password, CSRF, script injection shown as text, and the phone viewport."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import PHONE, LiveServer, record_dialogs, screenshot, sign_in

pytestmark = pytest.mark.browser
NAV = ["Today", "Contacts", "Inbox", "Calls", "Coach", "Stats", "Settings"]


def test_signed_out_a_page_leads_to_sign_in_and_back(page: Page) -> None:
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/signin\?next=/inbox$"))
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    screenshot(page, "signin")
    page.get_by_label("Email").fill("Dana@Example.com")  # any case
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def test_sign_in_shows_every_page_and_sign_out_ends_it(signed_in: Page) -> None:
    page = signed_in
    nav = page.get_by_role("navigation", name="Main")
    for label in NAV:
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", level=1, name=label)).to_be_visible()
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
    screenshot(page, "settings")
    page.goto("/")
    screenshot(page, "today")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/contacts")
    expect(page).to_have_url(re.compile(r"/signin"))


def test_a_wrong_password_says_so_and_signs_nobody_in(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server.email, "not the password at all")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.get_by_label("Email")).to_have_value(live_server.email)  # kept, to correct
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot(page, "signin-wrong-password")
    assert not [c for c in page.context.cookies() if c["name"] == "rb_session"]
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin"))


def test_a_forged_or_missing_csrf_token_is_refused(signed_in: Page) -> None:
    page = signed_in
    token = page.locator('form.signout input[name="csrf_token"]')
    token.evaluate("el => el.value = 'forged'")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("reload the page")).to_be_visible()
    screenshot(page, "error-403")
    page.goto("/")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()  # still signed in
    page.locator('form.signout input[name="csrf_token"]').evaluate("el => el.remove()")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    # Another site's form posting here: the browser sends no session cookie (SameSite=Lax).
    page.goto("/")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()


def test_script_in_a_name_is_shown_as_text(page: Page, live_server: LiveServer) -> None:
    payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    live_server.add_user("mallory@example.com", name=payload)
    dialogs = record_dialogs(page)
    sign_in(page, "mallory@example.com")
    expect(page.locator(".who")).to_have_text(payload)  # the characters, not markup
    page.goto("/settings")
    expect(page.get_by_text(payload, exact=False).first).to_be_visible()
    assert page.locator("main img").count() == 0
    assert dialogs == []


def test_on_a_phone_the_nav_is_usable_and_nothing_scrolls_sideways(signed_in: Page) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    for path in ("/", "/signin", "/no/such/page"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    for label in NAV:
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_in_viewport()
        box = link.bounding_box()
        assert (
            box
            and box["height"] >= 40
            and box["x"] >= 0
            and box["x"] + box["width"] <= PHONE["width"]
        )
    nav.get_by_role("link", name="Coach", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Coach")).to_be_visible()
    page.goto("/no/such/page")
    screenshot(page, "error-404")


def test_static_assets_are_served_from_the_package(live_server: LiveServer) -> None:
    for asset, kind in (("/static/app.css", "text/css"), ("/static/app.js", "javascript")):
        reply = httpx.get(live_server.base + asset)
        assert reply.status_code == 200 and kind in reply.headers["content-type"], asset
