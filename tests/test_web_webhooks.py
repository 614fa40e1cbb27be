"""The Webhooks block of the Settings page (issue 16 §3) over HTTP: add one (its secret
shown on that page only), see it with its last delivery, send a test ping to a real
receiver, remove it; forms need their CSRF token, another user neither sees nor removes
it, and what a user typed is shown escaped."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ringback.db.migrate import upgrade
from tests.support.accounts import add_user, csrf_of, sign_in
from tests.support.receiver import Receiver
from tests.support.web_pages import SignedIn, signed_in_app


@pytest.fixture
def web(tmp_path: Path, sqlite_url: str) -> Iterator[SignedIn]:
    upgrade(sqlite_url)
    # Nothing sent in the background: the test says when a ping goes.
    with signed_in_app(
        tmp_path, sqlite_url, webhook_sweep_seconds=0, webhook_allow_private=True
    ) as signed_in:
        yield signed_in


def test_add_test_and_remove_a_webhook_from_the_settings_page(web: SignedIn) -> None:
    assert "No webhooks yet." in web.client.get("/settings").text
    with Receiver() as receiver:
        added = web.post(
            "/settings/webhooks", data={"url": receiver.url, "events": ["voicemail.processed"]}
        )
        assert added.status_code == 200
        secret = added.text.split('class="webhook-secret">')[1].split("<")[0]
        assert secret.startswith("whsec_") and "shown only now" in added.text
        page = web.client.get("/settings").text
        assert secret not in page and f"whsec_…{secret[-4:]}" in page  # never again
        assert "abc123" not in page and "token=***" in html.unescape(page)
        assert "voicemail.processed; secret" in page and "nothing sent yet" in page
        tested = web.post("/settings/webhooks/1/test", follow_redirects=True)
        assert "Test ping delivered to webhook 1 (HTTP 200)." in tested.text
        assert "last delivered" in tested.text
    assert [r.headers["Ringback-Event"] for r in receiver.requests] == ["ping"]
    removed = web.post("/settings/webhooks/1/remove", follow_redirects=True)
    assert "Webhook 1 removed" in removed.text and "No webhooks yet." in removed.text


def test_a_refused_url_says_why_and_user_text_is_escaped(web: SignedIn) -> None:
    bad = web.post("/settings/webhooks", data={"url": "ftp://crm.example.com/<b>x</b>"})
    assert bad.status_code == 422 and "That webhook was not added: not an http(s) URL" in bad.text
    assert "<b>x</b>" not in bad.text and "&lt;b&gt;x&lt;/b&gt;" in bad.text
    odd = web.post("/settings/webhooks", data={"url": "https://crm.example.com/<i>hook</i>"})
    assert odd.status_code == 200
    assert "<i>hook</i>" not in odd.text and "&lt;i&gt;hook&lt;/i&gt;" in odd.text


def test_forms_need_their_token_and_another_user_cannot_touch_the_webhook(
    web: SignedIn,
) -> None:
    no_token = web.client.post("/settings/webhooks", data={"url": "https://crm.acme.test/h"})
    assert no_token.status_code == 403
    assert "No webhooks yet." in web.client.get("/settings").text  # nothing was added
    assert web.post("/settings/webhooks", data={"url": "https://crm.acme.test/h"}).is_success
    add_user(str(web.settings.database_url), "rep@example.com", name="Rep")
    with TestClient(web.client.app, base_url="http://127.0.0.1") as other:
        assert sign_in(other, "rep@example.com").status_code == 303
        page = other.get("/settings").text
        assert "crm.acme.test" not in page and "No webhooks yet." in page
        token = csrf_of(other.get("/settings"))
        for action in ("remove", "test"):
            reply = other.post(f"/settings/webhooks/1/{action}", data={"csrf_token": token})
            assert reply.status_code == 404, action
    assert "crm.acme.test/h" in web.client.get("/settings").text  # still there
    with TestClient(web.client.app, base_url="http://127.0.0.1") as stranger:
        reply = stranger.post("/settings/webhooks/1/remove", follow_redirects=False)
        assert reply.status_code in (303, 401, 403)


def test_the_server_sends_queued_webhooks_in_the_background(
    tmp_path: Path, sqlite_url: str
) -> None:
    from ringback.db.session import transaction
    from ringback.outbound import service
    from tests.support.twilio import wait_for

    upgrade(sqlite_url)
    with (
        Receiver() as receiver,
        signed_in_app(
            tmp_path, sqlite_url, webhook_sweep_seconds=0.05, webhook_allow_private=True
        ) as web,
    ):
        web.post("/settings/webhooks", data={"url": receiver.url})
        with transaction(sqlite_url) as session:
            service.enqueue_event(
                session,
                event=service.CALL_REVIEWED,
                event_id=7,
                owner_id=service.owner_of_event(session, object()),
                data={"review_id": 7},
                contact_id=None,
            )
        wait_for(lambda: len(receiver.requests) == 1, 20, "the background sender")
        assert receiver.requests[0].headers["Ringback-Event"] == "call.reviewed"
        wait_for(lambda: "last delivered" in web.client.get("/settings").text, 20, "the record")


def test_a_webhook_on_your_own_network_says_what_it_needs(tmp_path: Path, sqlite_url: str) -> None:
    upgrade(sqlite_url)
    with signed_in_app(tmp_path, sqlite_url, webhook_sweep_seconds=0) as web:
        added = web.post("/settings/webhooks", data={"url": "http://127.0.0.1:9/hook"})
        assert added.status_code == 200 and "shown only now" in added.text
        assert "Nothing will reach it yet" in added.text
        assert "RINGBACK_WEBHOOK_ALLOW_PRIVATE=true" in added.text
        tested = web.post("/settings/webhooks/1/test", follow_redirects=True)
        assert "was not delivered" in tested.text and "It is not retried." in tested.text


def test_the_same_url_twice_is_refused_on_the_page_and_by_the_cli(
    web: SignedIn, tmp_path: Path
) -> None:
    from tests.conftest import Cli

    url = "https://crm.acme.test/hook"
    assert web.post("/settings/webhooks", data={"url": url}).status_code == 200
    again = web.post("/settings/webhooks", data={"url": f" {url} ", "events": ["call.reviewed"]})
    assert again.status_code == 422
    assert "That webhook was not added: webhook 1 already sends to" in again.text
    assert "remove webhook 1 and add the URL again" in again.text
    assert web.client.get("/settings").text.count("crm.acme.test/hook") == 1

    cli = Cli(tmp_path / "cli-data", str(web.settings.database_url))
    twice = cli("webhooks", "add", url, "--events", "call.reviewed")
    assert twice.exit_code == 1 and "webhook 1 already sends to" in twice.output
    assert "remove webhook 1" in twice.output
    listed = cli("webhooks", "list", "--json")
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 1
