"""Browser test fixtures (issue 15 §4): `ringback serve` as users run it, Debian's Chromium
driven by Playwright, a signed-in page, and screenshots at desktop and phone sizes.

The fixtures are registered in tests/conftest.py, so a test module only asks for them::

    @pytest.mark.browser
    def test_something(signed_in: Page) -> None: ...

Playwright's own browser download is not reachable here, so Chromium is Debian's
(``scripts/test-deps`` installs it). Without it the tests skip saying so, except under
``CI=true``, where a missing browser fails them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.accounts import EMAIL, PASSWORD, add_user
from tests.support.web import Server, ringback_serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page

CHROMIUM = os.environ.get("RINGBACK_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
ARGS = [
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A fake camera and microphone, allowed without a prompt: for rehearsal recordings.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


def _missing_reason() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"chromium not found at {CHROMIUM} (scripts/test-deps installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install 'ringback[test]')"
    return None


@dataclass
class LiveServer:
    """`ringback serve` on a loopback port, with a user who can sign in."""

    server: Server
    database_url: str
    email: str = EMAIL
    password: str = PASSWORD

    @property
    def base(self) -> str:
        return self.server.base

    def add_user(self, email: str, **kw: Any) -> None:
        """Another user (password :data:`PASSWORD`)."""
        add_user(self.database_url, email, self.password, **kw)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test module, on a fresh SQLite data directory, with one user."""
    tmp = tmp_path_factory.mktemp("live")
    with ringback_serve(tmp) as server:  # it creates the database on start-up
        url = f"sqlite:///{tmp / 'data' / 'ringback.db'}"
        add_user(url, name="Dana Wells")
        yield LiveServer(server, url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium, headless, launched once per test session."""
    from tests.conftest import IN_CI  # here: conftest imports this module

    reason = _missing_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) at desktop size, on the live server."""
    context = browser.new_context(base_url=live_server.base, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, email: str = EMAIL, password: str = PASSWORD) -> None:
    """Fill in the sign-in form the way a person does, by its labels."""
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def signed_in(page: Page, live_server: LiveServer) -> Page:
    """:func:`page`, signed in as the live server's user and on Today."""
    from playwright.sync_api import expect

    sign_in(page, live_server.email, live_server.password)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return page


def screenshot(page: Page, name: str) -> list[Path]:
    """Save the page as ``build/screenshots/NAME-desktop.png`` and ``NAME-phone.png``
    (full page), leaving it at the size it had."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    saved = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if size:
        page.set_viewport_size(size)
    return saved


def record_dialogs(page: Page) -> list[str]:
    """From now on, every alert/confirm/prompt the page opens is dismissed and its message
    added to the list returned (an injected ``alert(1)`` shows up there)."""
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return dialogs
