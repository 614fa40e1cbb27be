"""The database goes away under a running `ringback serve` (PostgreSQL refusing
connections, SQLite locked by another program): every request says so with a 503 and
Retry-After, saves nothing, and works again once the database is back, with no restart.
A bug that merely involves the database is still a 500."""

from __future__ import annotations

import html
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ringback.db.session import get_engine
from tests.support.accounts import EMAIL, PASSWORD, csrf_of
from tests.support.outage import OwnPostgres, database_gone, own_postgres
from tests.support.web_outage import NOTHING_SAVED, SAYS_UNREACHABLE, SECRET, Served, serve_on

HTML = {"accept": "text/html"}


def _says_unreachable(reply: httpx.Response) -> None:
    assert reply.status_code == 503, reply.text[:500]
    assert reply.headers["retry-after"] == "60"
    assert "text/html" in reply.headers["content-type"]
    shown = html.unescape(reply.text)
    assert SAYS_UNREACHABLE in shown and NOTHING_SAVED in shown and "in a minute" in shown


def _log_names_the_database_once_per_request(served: Served, requests: int) -> None:
    log = served.log.read_text()
    warnings = [line for line in log.splitlines() if "cannot reach the database" in line]
    assert len(warnings) == requests, log
    host = make_url(served.url).host
    assert all(f"***@{host}" in line for line in warnings), warnings
    assert SECRET not in log and "Traceback" not in log, log


@pytest.mark.postgres
def test_pages_forms_and_sign_in_answer_503_while_postgres_is_gone(
    pg_served: Served, request: pytest.FixtureRequest
) -> None:
    browser = pg_served.browser()
    token = csrf_of(browser.get("/contacts", headers=HTML))
    form = {"csrf_token": token, "name": "Sarah Chen", "phone": "(415) 555-0137"}
    anonymous = httpx.Client(base_url=pg_served.base, timeout=30)
    signin_token = csrf_of(anonymous.get("/signin"))
    signin_form = {"email": EMAIL, "password": PASSWORD, "csrf_token": signin_token, "next": "/"}
    with database_gone(pg_served.url, request):
        _says_unreachable(browser.get("/contacts", headers=HTML))
        _says_unreachable(
            browser.post("/contacts", data=form, headers=HTML, follow_redirects=False)
        )
        refused = anonymous.post("/signin", data=signin_form, headers=HTML, follow_redirects=False)
        _says_unreachable(refused)
        assert "do not match" not in refused.text  # not taken for a wrong password
    _log_names_the_database_once_per_request(pg_served, 3)
    assert pg_served.contacts_named("Sarah Chen") == 0

    # Back, with no restart: the same form sent again saves one contact, sign-in works.
    again = browser.post("/contacts", data=form, headers=HTML, follow_redirects=False)
    assert again.status_code == 303, again.text[:500]
    assert "Sarah Chen" in browser.get(again.headers["location"]).text
    assert pg_served.contacts_named("Sarah Chen") == 1
    assert anonymous.post("/signin", data=signin_form, follow_redirects=False).status_code == 303


@pytest.mark.postgres
def test_a_stopped_postgres_server_is_a_503_until_it_is_started_again(tmp_path: Path) -> None:
    with own_postgres() as postgres:
        url = make_url(postgres.url).set(password=SECRET).render_as_string(hide_password=False)
        with serve_on(tmp_path, url) as served:
            _answers_503_while_stopped(postgres, served)


def _answers_503_while_stopped(postgres: OwnPostgres, served: Served) -> None:
    browser = served.browser()
    assert browser.get("/contacts", headers=HTML).status_code == 200
    postgres.stop()  # connections cut, new ones refused
    _says_unreachable(browser.get("/contacts", headers=HTML))
    api = httpx.get(
        served.base + "/api/v1/contacts",
        headers={"Authorization": f"Bearer {served.token}"},
        timeout=30,
    )
    assert api.status_code == 503 and api.json()["error"]["code"] == "database_unavailable"
    _log_names_the_database_once_per_request(served, 2)
    postgres.start()  # the same server, restarted: the pooled connections are stale
    assert browser.get("/contacts", headers=HTML).status_code == 200


@pytest.mark.postgres
def test_the_api_answers_503_in_its_error_shape_while_postgres_is_gone(
    pg_served: Served, request: pytest.FixtureRequest
) -> None:
    script = httpx.Client(
        base_url=pg_served.base, timeout=30, headers={"Authorization": f"Bearer {pg_served.token}"}
    )
    body = {"name": "Tom Reyes", "phone": "+14155550142"}
    with database_gone(pg_served.url, request):
        listed = script.get("/api/v1/contacts")
        made = script.post("/api/v1/contacts", json=body)
    for reply in (listed, made):
        assert reply.status_code == 503, reply.text
        assert reply.headers["retry-after"] == "60"
        error = reply.json()["error"]
        assert error["code"] == "database_unavailable"
        assert "cannot reach its database" in error["message"]
        assert "nothing from this request was saved" in error["hint"]
        assert "Retry-After" in error["hint"]
    _log_names_the_database_once_per_request(pg_served, 2)

    assert pg_served.contacts_named("Tom Reyes") == 0
    assert script.get("/api/v1/contacts").status_code == 200
    assert script.post("/api/v1/contacts", json=body).status_code == 201
    assert pg_served.contacts_named("Tom Reyes") == 1


def test_sqlite_locked_is_a_503_but_a_missing_table_is_still_a_500(
    sqlite_served: Served, request: pytest.FixtureRequest
) -> None:
    browser = sqlite_served.browser()
    token = csrf_of(browser.get("/contacts", headers=HTML))
    form = {"csrf_token": token, "name": "Ann Lee"}
    with database_gone(sqlite_served.url, request):  # locked past the busy timeout
        _says_unreachable(
            browser.post("/contacts", data=form, headers=HTML, follow_redirects=False)
        )
    assert sqlite_served.contacts_named("Ann Lee") == 0
    assert browser.post("/contacts", data=form, follow_redirects=False).status_code == 303

    # A bug, though SQLite calls it an OperationalError too: the schema lost a table.
    with get_engine(sqlite_served.url).begin() as conn:
        conn.execute(text("DROP TABLE contact_phones"))
    broken = browser.get("/contacts", headers=HTML)
    assert broken.status_code == 500, broken.text[:500]
    assert "retry-after" not in broken.headers
    assert SAYS_UNREACHABLE not in html.unescape(broken.text)
    assert "Traceback" in sqlite_served.log.read_text()
