"""The v1 API over HTTP for the tests: the app on a migrated database (SQLite or
PostgreSQL) with users, their personal tokens, and clients carrying a token or a session."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringback.accounts import sessions
from ringback.accounts.service import UserView
from ringback.db.session import transaction
from ringback.web import create_app
from tests.support.accounts import EMAIL, PASSWORD, add_user, sign_in
from tests.support.twilio import make_settings

BASE = "http://127.0.0.1"


class Api:
    """The app with one user (``user``); ``client(token)`` is a script, ``browser()`` a
    signed-in browser. Close with :meth:`close`."""

    def __init__(self, tmp_path: Path, url: str, **settings: Any) -> None:
        self.settings = make_settings(tmp_path, database_url=url, **settings)
        self.url = url
        self.user = add_user(url, name="Dana Wells")
        self.app = create_app(self.settings, prepare_database=False)
        self.clients: list[TestClient] = []

    def add_user(self, email: str, **kw: Any) -> UserView:
        return add_user(self.url, email, PASSWORD, **kw)

    def token(self, user: UserView | None = None, name: str = "script") -> str:
        with transaction(self.url) as db:
            return sessions.create_token(db, user or self.user, name)[1]

    def client(self, token: str | None = None, **headers: str) -> TestClient:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        client = TestClient(self.app, base_url=BASE, headers=headers, raise_server_exceptions=False)
        client.__enter__()
        self.clients.append(client)
        return client

    def browser(self, email: str = EMAIL) -> TestClient:
        client = self.client()
        assert sign_in(client, email, PASSWORD).status_code == 303
        return client

    def close(self) -> None:
        for client in self.clients:
            client.__exit__(None, None, None)


def error_of(reply: Any) -> dict[str, str]:
    """The API's error body, checked for its shape: code, message and hint, all words."""
    body = reply.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "hint"}, error
    assert all(isinstance(v, str) and v for v in error.values()), error
    return dict(error)


def collect(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every item of a list, following its ``next`` links."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        reply = client.get(next_url)
        assert reply.status_code == 200, reply.text
        items += reply.json()["items"]
        next_url = reply.json()["next"]
    return items


@pytest.fixture
def lite(tmp_path: Path, sqlite_url: str) -> Iterator[Api]:
    """On SQLite only: the API's routes over services that the domains' tests cover on both
    databases (registered in tests/conftest.py)."""
    from ringback.db.migrate import upgrade

    upgrade(sqlite_url)
    api = Api(tmp_path, sqlite_url)
    yield api
    api.close()


def quiet_wav(seconds: float = 0.5) -> bytes:
    """A real mono 16 kHz WAV, near silent, ``seconds`` long."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x10\x00" * int(16000 * seconds))
    return out.getvalue()
