"""A web sign-in session that has expired (past its absolute limit, or unused for longer
than ``RINGBACK_WEB_SESSION_IDLE_MINUTES``) is deleted by `ringback serve`'s periodic
sweep, even when its browser never comes back to present it; a live one stays and still
signs its browser in. On SQLite and PostgreSQL, against a real served app."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from ringback.accounts.models import WebSession
from ringback.accounts.sessions import digest, start_session
from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.web import create_app
from ringback.web.auth import SESSION_COOKIE
from tests.support.accounts import add_user
from tests.support.twilio import Served, make_settings, wait_for


def test_the_server_deletes_expired_sign_in_sessions_and_keeps_live_ones(
    tmp_path: Path, db_url: str
) -> None:
    user = add_user(db_url)
    now = utcnow()
    with transaction(db_url) as session:
        live = start_session(session, user, lifetime=timedelta(days=1))
        past_its_limit = start_session(
            session, user, lifetime=timedelta(hours=1), now=now - timedelta(hours=2)
        )
        unused = start_session(
            session, user, lifetime=timedelta(days=14), now=now - timedelta(hours=2)
        )

    def stored() -> set[str]:
        with transaction(db_url) as session:
            return set(session.scalars(select(WebSession.key_hash)))

    assert stored() == {digest(live), digest(past_its_limit), digest(unused)}
    settings = make_settings(
        tmp_path, database_url=db_url, followup_sweep_minutes=0.005, web_session_idle_minutes=60
    )
    with Served(create_app(settings)) as served:  # nobody presents the expired ones
        wait_for(lambda: stored() == {digest(live)}, timeout=30, what="expired sessions deleted")
        page = httpx.get(f"{served.base}/contacts", cookies={SESSION_COOKIE: live})
    assert page.status_code == 200 and "Contacts" in page.text  # still signed in
