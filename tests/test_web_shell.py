"""The web app's shell (issue 15 §1, §2, §5): every route behind sign-in but a short
public list, sessions over HTTP, CSRF, error pages, escaping, and nothing secret logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import update

from ringback.accounts.models import AuditEvent, WebSession
from ringback.db.base import utcnow
from ringback.db.migrate import upgrade
from ringback.db.session import transaction
from ringback.web import create_app
from ringback.web.auth import SESSION_COOKIE, signed_in_router
from ringback.web.render import ENV, NAV, safe_next
from tests.support.accounts import EMAIL, PASSWORD, add_user, csrf_of, sign_in
from tests.support.twilio import make_settings
from tests.support.web import all_routes

NAV_LABELS = ["Today", "Contacts", "Inbox", "Calls", "Coach", "Stats", "Settings"]
PAGES = ["/", "/contacts", "/inbox", "/calls", "/coach", "/stats", "/settings"]
HTML = {"accept": "text/html"}
# (method, path) that answer without a sign-in. Each is public on purpose: the health
# check, the sign-in form, its CSS/JS, what Twilio fetches and posts (signed instead).
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("GET", "/static"),
    ("GET", "/telephony/greetings/{name}"),
    ("POST", "/telephony/twilio/voice"),
    ("POST", "/telephony/twilio/intake"),
    ("POST", "/telephony/twilio/recorded"),
    ("POST", "/telephony/twilio/recording"),
    ("POST", "/telephony/twilio/status"),
}


class Web:
    """The app on a migrated SQLite database, with one user; ``client()`` is a browser."""

    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        self.settings = make_settings(tmp_path, **settings)
        self.url = self.settings.effective_database_url
        upgrade(self.url)
        self.user = add_user(self.url, name="Dana Wells")
        self.app = create_app(self.settings, prepare_database=False)
        self.clients: list[TestClient] = []

    def client(self, base: str = "http://127.0.0.1") -> TestClient:
        client = TestClient(self.app, base_url=base, raise_server_exceptions=False)
        client.__enter__()
        self.clients.append(client)
        return client

    def signed_in(self) -> TestClient:
        client = self.client()
        assert sign_in(client).status_code == 303
        return client


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    web = Web(tmp_path)
    yield web
    for client in web.clients:
        client.__exit__(None, None, None)


def test_every_route_needs_sign_in_but_a_short_public_list(web: Web) -> None:
    client = web.client()
    routes = set(all_routes(web.app.routes))
    assert routes >= PUBLIC
    assert {("GET", p) for p in PAGES} <= routes
    for method, path in sorted(routes - PUBLIC):
        concrete = path.replace("{", "").replace("}", "")
        reply = client.request(method, concrete, headers=HTML, follow_redirects=False)
        if (path.startswith("/api/v1/") and path != "/api/v1/docs") or path == "/metrics":
            assert reply.status_code == 401, (method, path)
            assert "Bearer" in reply.json()["error"]["hint"], (method, path)
        elif path.startswith("/api/") and path != "/api/v1/docs":
            assert reply.status_code == 401, (method, path)
            assert "Bearer" in reply.json()["detail"]
        else:
            assert reply.status_code == 303, (method, path, reply.status_code)
            assert reply.headers["location"].startswith("/signin"), (method, path)


# The v1 routes that are not operations of the API: its spec and its docs page.
API_META = {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}


def test_every_api_route_is_in_the_v1_spec_and_the_spec_only_names_routes(web: Web) -> None:
    """Every route under /api/v1 is an operation of its spec (so schemathesis, which
    reads the spec, reaches it), and the spec documents no route the app lacks; the
    app-wide schema and docs routes stay off."""
    from ringback.accounts import sessions

    with transaction(web.url) as db:
        token = sessions.create_token(db, web.user, "spec")[1]
    spec = web.client().get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})
    documented = {
        (method.upper(), path)
        for path, item in spec.json()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    api_routes = {(m, p) for m, p in all_routes(web.app.routes) if p.startswith("/api/v1/")}
    assert documented == api_routes - API_META
    assert len(documented) >= 13
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert web.client().get(path).status_code == 404


def test_signed_in_every_page_has_the_navigation_and_its_heading(web: Web) -> None:
    client = web.signed_in()
    for path, name in zip(PAGES, NAV_LABELS, strict=True):
        page = client.get(path)
        assert page.status_code == 200, path
        for item, label in zip(NAV, NAV_LABELS, strict=True):
            assert f'href="{item.path}"' in page.text and f">{label}</a>" in page.text
        assert f"<h1>{name}</h1>" in page.text, path
        assert page.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'aria-current="page">Inbox' in client.get("/inbox").text


def test_sign_in_goes_back_to_the_page_asked_for_and_never_off_site(web: Web) -> None:
    client = web.client()
    asked = client.get("/contacts?q=Bill", headers=HTML, follow_redirects=False)
    assert asked.headers["location"] == "/signin?next=/contacts%3Fq%3DBill"
    done = sign_in(client, next="/contacts?q=Bill")
    assert done.headers["location"] == "/contacts?q=Bill"
    for evil in (
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:x",
        "/\x00x",
    ):
        assert safe_next(evil) == "/", evil
        other = web.client()
        assert sign_in(other, next=evil).headers["location"] == "/"


def test_cookies_are_httponly_samesite_and_secure_over_https(web: Web) -> None:
    plain = sign_in(web.client()).headers["set-cookie"]
    assert "HttpOnly" in plain and "SameSite=lax" in plain and "Secure" not in plain
    secure = sign_in(web.client("https://rb.example.com")).headers["set-cookie"]
    assert "Secure" in secure and "HttpOnly" in secure


def test_wrong_password_shows_a_message_and_starts_no_session(web: Web) -> None:
    client = web.client()
    reply = sign_in(client, password="not the password")
    assert reply.status_code == 401
    assert "do not match an account" in reply.text
    assert SESSION_COOKIE not in reply.cookies
    with transaction(web.url) as db:
        assert db.query(WebSession).count() == 0
        (event,) = db.query(AuditEvent).all()
        assert event.action == "signin_failed" and EMAIL in event.detail
        assert "not the password" not in event.detail


def test_a_forged_or_missing_csrf_token_is_refused(web: Web) -> None:
    client = web.signed_in()
    other = web.signed_in()
    for form in ({}, {"csrf_token": "forged"}, {"csrf_token": csrf_of(other.get("/"))}):
        refused = client.post("/signout", data=form, headers=HTML, follow_redirects=False)
        assert refused.status_code == 403, form
        assert "reload the page" in refused.text
        assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    header = {"X-CSRF-Token": csrf_of(client.get("/"))}
    assert client.post("/signout", headers=header, follow_redirects=False).status_code == 303
    # The sign-in form has its own token, tied to the browser's cookie.
    stranger = web.client()
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": csrf_of(other.get("/"))}
    assert stranger.post("/signin", data=form, follow_redirects=False).status_code == 403


def test_sign_out_deletes_the_session(web: Web) -> None:
    client = web.signed_in()
    key = client.cookies[SESSION_COOKIE]
    out = client.post(
        "/signout", data={"csrf_token": csrf_of(client.get("/"))}, follow_redirects=False
    )
    assert out.headers["location"] == "/signin"
    assert "You are signed out." in client.get("/signin").text
    replay = web.client()
    replay.cookies.set(SESSION_COOKIE, key)
    assert replay.get("/", follow_redirects=False).status_code == 303
    with transaction(web.url) as db:
        assert db.query(WebSession).count() == 0
        assert [e.action for e in db.query(AuditEvent).order_by(AuditEvent.id)] == [
            "signin",
            "signout",
        ]


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
def test_an_idle_or_expired_session_signs_in_again(web: Web, column: str) -> None:
    client = web.signed_in()
    assert client.get("/", follow_redirects=False).status_code == 200
    past = utcnow() - timedelta(minutes=web.settings.web_session_idle_minutes + 1)
    with transaction(web.url) as db:
        db.execute(update(WebSession).values({column: past}))
    reply = client.get("/inbox", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/signin?next=/inbox"


def test_a_password_change_signs_out_every_other_session(web: Web) -> None:
    phone, laptop = web.signed_in(), web.signed_in()
    form = {
        "current": PASSWORD,
        "new": "a different passphrase",
        "csrf_token": csrf_of(phone.get("/")),
    }
    changed = phone.post("/account/password", data=form)
    assert changed.status_code == 200 and "signed out everywhere else" in changed.text
    assert laptop.get("/", follow_redirects=False).status_code == 303
    assert phone.get("/", follow_redirects=False).status_code == 200
    assert sign_in(web.client()).status_code == 401  # the old password
    assert sign_in(web.client(), password="a different passphrase").status_code == 303
    wrong = {**form, "current": "not it at all", "csrf_token": csrf_of(phone.get("/"))}
    assert "not right" in phone.post("/account/password", data=wrong).text


def test_the_api_takes_a_session_or_a_token(web: Web) -> None:
    from ringback.accounts import sessions

    api = "/api/telephony/recordings"
    assert web.signed_in().get(api).json() == {"recordings": []}
    with transaction(web.url) as db:
        row, token = sessions.create_token(db, web.user, "script")
    script = web.client()
    assert script.get(api, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert script.get(api, headers={"Authorization": "Bearer rb_guess"}).status_code == 401
    with transaction(web.url) as db:
        sessions.revoke_token(db, row.id)
    assert script.get(api, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_sign_in_is_throttled_per_address_and_email(tmp_path: Path) -> None:
    web = Web(tmp_path, web_login_attempts=2)
    client = web.client()
    assert [sign_in(client, password="wrong guess").status_code for _ in range(2)] == [401, 401]
    locked = sign_in(client)  # the right password, but locked out
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert int(locked.headers["retry-after"]) > 0


def test_autoescape_is_on_for_every_template(web: Web) -> None:
    assert ENV.autoescape is True
    assert ENV.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    for name in ENV.list_templates():  # no template turns it off
        source = (Path(ENV.loader.searchpath[0]) / name).read_text()  # type: ignore[union-attr]
        assert "autoescape false" not in source and "|safe" not in source.replace(" ", ""), name
    payload = '<script>alert("x")</script>'
    add_user(web.url, "eve@example.com", name=payload)
    page = web.client()
    assert sign_in(page, "eve@example.com").status_code == 303
    body = page.get("/settings").text
    assert payload not in body and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body


def test_error_pages_say_what_to_do_next_and_the_api_gets_json(web: Web) -> None:
    router = signed_in_router()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaput")

    @router.get("/forbidden")
    async def forbidden() -> None:
        raise HTTPException(403, "not yours")

    @router.get("/number/{n}")
    async def number(n: int) -> dict[str, int]:
        return {"n": n}

    web.app.include_router(router)
    client = web.signed_in()
    for path, status, words in (
        ("/no/such/page", 404, "start again from Today"),
        ("/forbidden", 403, "reload the page"),
        ("/number/abc", 422, "correct it"),
        ("/boom", 500, "Try again in a moment"),
    ):
        page = client.get(path, headers=HTML)
        assert page.status_code == status and words in page.text, path
        assert 'href="/contacts"' in page.text  # the nav is there to go on from
        assert "kaput" not in page.text  # no internals shown
    reply = client.get("/api/no-such-thing")
    assert reply.status_code == 404 and reply.json() == {"detail": "Not Found"}
    assert client.get("/api/telephony/recordings?limit=abc").json()["detail"][0]["loc"] == [
        "query",
        "limit",
    ]
    signed_out = web.client().get("/no/such/page", headers=HTML)
    assert signed_out.status_code == 404 and 'href="/signin"' in signed_out.text


def test_no_password_or_session_key_is_logged(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = web.client()
    sign_in(client, password="wrong but secret guess")
    sign_in(client)
    key = client.cookies[SESSION_COOKIE]
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "failed sign-in" in logged and EMAIL in logged
    for secret in ("wrong but secret guess", PASSWORD, key):
        assert secret not in logged


def test_behind_a_trusted_proxy_cookies_are_secure(tmp_path: Path) -> None:
    from tests.support.web import ringback_serve

    with ringback_serve(tmp_path, RINGBACK_WEB_FORWARDED_ALLOW_IPS="127.0.0.1") as server:
        via_https = httpx.get(server.base + "/signin", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in via_https.headers["set-cookie"]
        plain = httpx.get(server.base + "/signin")
        assert "Secure" not in plain.headers["set-cookie"]
