"""The pages' desktop layout holds (issue 15 §1): every rule of app.css reaches the
desktop, not only phones (an unclosed ``@media (max-width: 719px)`` once kept the Inbox,
Coach, Stats and Settings styles to phones, so on a desktop Coach's score was body-sized
text in one long column and the Inbox's "capture" checkbox was a full-width square)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.browser import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _style(page: Page, selector: str, prop: str) -> str:
    return str(page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).{prop}"))


def test_coach_on_a_desktop_is_two_columns_with_a_large_score(signed_in: Page) -> None:
    page = signed_in
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    page.goto("/coach")
    page.get_by_label("Your voicemail script").fill("Hi Bill, this is Dana from Northwind.")
    page.locator("#score .score-value").wait_for()
    assert len(_style(page, ".coach-grid", "gridTemplateColumns").split()) == 2
    assert float(_style(page, "#score .score-value", "fontSize").removesuffix("px")) >= 32
    assert _style(page, ".finding .verdict", "backgroundColor") != "rgba(0, 0, 0, 0)"


def test_coach_on_a_phone_is_one_column(signed_in: Page) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/coach")
    assert len(_style(page, ".coach-grid", "gridTemplateColumns").split()) == 1
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
