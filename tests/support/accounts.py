"""Signing in over HTTP for the web app's tests: a user in the database, and a client that
goes through the real sign-in form."""

from __future__ import annotations

import re
from typing import Any

import httpx

from ringback.accounts import service
from ringback.db.session import transaction

EMAIL = "dana@example.com"
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_user(url: str, email: str = EMAIL, password: str = PASSWORD, **kw: Any) -> service.UserView:
    """A user in the database at ``url``."""
    with transaction(url) as db:
        return service.add_user(db, email, password, **kw)


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token in a page's forms."""
    found = CSRF_RE.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def sign_in(
    client: httpx.Client, email: str = EMAIL, password: str = PASSWORD, next: str = "/"
) -> httpx.Response:
    """Fill in and send the sign-in form (not following the redirect)."""
    token = csrf_of(client.get("/signin"))
    form = {"email": email, "password": password, "csrf_token": token, "next": next}
    return client.post("/signin", data=form, follow_redirects=False)
