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


class MigratedApp:
    """The app on a freshly migrated database with one signed-in user (Dana Wells);
    ``close()`` when done. Page tests subclass it with helpers for their own rows."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        from ringback.db.migrate import upgrade

        self.settings: Any = make_settings(tmp_path, database_url=url)
        self.url = url
        upgrade(url)
        add_user(url, name="Dana Wells")
        self.client = TestClient(
            create_app(self.settings, prepare_database=False),
            base_url="http://127.0.0.1",
            raise_server_exceptions=False,
        )
        self.client.__enter__()
        assert sign_in(self.client).status_code == 303

    def form_post(self, page: str, path: str, data: dict[str, Any] | None, **kw: Any) -> Any:
        """POST ``data`` to ``path`` with the CSRF token of ``page``, as a browser form."""
        form = {"csrf_token": csrf_of(self.client.get(page)), **(data or {})}
        kw.setdefault("headers", {"accept": "text/html"})
        return self.client.post(path, data=form, follow_redirects=False, **kw)

    def close(self) -> None:
        self.client.__exit__(None, None, None)
