"""The web app over HTTP on a given database (SQLite or PostgreSQL), signed in, for the
page tests of Coach, Stats and Settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ringback.web import create_app
from tests.support.accounts import add_user, csrf_of, sign_in
from tests.support.twilio import make_settings

FRAGMENT = {"X-Requested-With": "ringback"}


class SignedIn:
    """A TestClient signed in through the real form, and the page's CSRF token."""

    def __init__(self, client: TestClient, settings: Any) -> None:
        self.client = client
        self.settings = settings
        self.token = csrf_of(client.get("/settings"))

    def post(self, path: str, *, fragment: bool = False, **kwargs: Any) -> Any:
        data = {"csrf_token": self.token, **kwargs.pop("data", {})}
        headers = {**(FRAGMENT if fragment else {}), **kwargs.pop("headers", {})}
        return self.client.post(path, data=data, headers=headers, **kwargs)


@contextmanager
def signed_in_app(tmp_path: Path, database_url: str, **overrides: Any) -> Iterator[SignedIn]:
    """The app on ``database_url`` (already migrated) with a signed-in browser."""
    settings = make_settings(tmp_path, database_url=database_url, **overrides)
    add_user(database_url, name="Dana Wells")
    app = create_app(settings, prepare_database=False)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        assert sign_in(client).status_code == 303
        yield SignedIn(client, settings)
