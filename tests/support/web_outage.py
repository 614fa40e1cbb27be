"""`ringback serve` on a database the test can take away (with
:func:`tests.support.outage.database_gone`): a user signed in through the real form, an
API token, and the server's log to read what it said about the outage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from ringback.accounts import sessions
from ringback.contacts.models import Contact
from ringback.db.session import get_engine, transaction
from tests.support.accounts import add_user, sign_in
from tests.support.web import ringback_serve

SECRET = "hunter2-not-for-logs"
SAYS_UNREACHABLE = "Ringback cannot reach its database right now"
NOTHING_SAVED = "Nothing you sent was saved"


@dataclass
class Served:
    """`ringback serve` on the test's database, with a user and their API token."""

    base: str
    url: str
    log: Path
    token: str

    def browser(self) -> httpx.Client:
        """A client signed in through the real form."""
        client = httpx.Client(base_url=self.base, timeout=30)
        assert sign_in(client).status_code == 303
        return client

    def contacts_named(self, name: str) -> int:
        with transaction(self.url) as db:
            return db.scalar(select(func.count()).where(Contact.name == name)) or 0


@contextmanager
def serve_on(tmp_path: Path, url: str) -> Iterator[Served]:
    env = {} if url.startswith("sqlite") else {"RINGBACK_DATABASE_URL": url}
    with ringback_serve(tmp_path, **env) as server:  # it migrates the database on start-up
        user = add_user(url, name="Dana Wells")
        with transaction(url) as db:
            token = sessions.create_token(db, user, "script")[1]
        yield Served(server.base, url, tmp_path / "server.log", token)
    get_engine(url).dispose()


@pytest.fixture
def pg_served(tmp_path: Path, pg_url: str) -> Iterator[Served]:
    """The server on PostgreSQL, its URL carrying a password (the test server trusts
    local connections, so any password works) that must never reach the log."""
    with_password = make_url(pg_url).set(password=SECRET).render_as_string(hide_password=False)
    with serve_on(tmp_path, with_password) as served:
        yield served


@pytest.fixture
def sqlite_served(tmp_path: Path) -> Iterator[Served]:
    """The server on its own SQLite database."""
    with serve_on(tmp_path, f"sqlite:///{tmp_path / 'data' / 'ringback.db'}") as served:
        yield served
