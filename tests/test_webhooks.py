"""Outbound webhooks (issue 16 §3): endpoints and deliveries stored once per event, the
signature a receiver checks, retries with backoff on a clock the test drives, a dead
receiver ending ``failed`` with the reason, and secrets kept out of logs and output.
A real HTTP receiver on loopback (tests/support/receiver.py); SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime, timedelta
from threading import Thread

import pytest
from sqlalchemy import func, select

from ringback.db.session import transaction
from ringback.outbound import service
from ringback.outbound.models import WebhookDelivery
from ringback.outbound.sender import HttpTransport, Sender, backoff_seconds, claim_due, sender_for
from ringback.outbound.signing import HEADER, signature, verify
from tests.support.accounts import add_user
from tests.support.receiver import Receiver, dead_url

T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
# The receivers are on loopback, which a default sender refuses (see the last test).
LOOPBACK = HttpTransport(allow_private=True)


class Clock:
    """The sender's time, moved by the test (nothing sleeps)."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _endpoint(url: str, target: str, **kw: object) -> tuple[int, int, str]:
    """(user id, endpoint id, secret) of a new endpoint for a new owner."""
    user = add_user(url)
    with transaction(url) as session:
        added = service.add_endpoint(session, user_id=user.id, url=target, **kw)  # type: ignore[arg-type]
    return user.id, added.endpoint.id, added.secret


def _queue(url: str, user_id: int, event_id: str = "vm-1", now: datetime = T0) -> tuple[int, ...]:
    with transaction(url) as session:
        return service.enqueue_event(
            session,
            event=service.VOICEMAIL_PROCESSED,
            event_id=event_id,
            owner_id=service.owner_of_event(session, object()),
            data={"voicemail_id": 1, "summary": "Call Bill back about the quote"},
            contact_id=None,
            now=now,
        )


@pytest.fixture
def sqlite_db(sqlite_url: str) -> str:
    """A migrated SQLite database, for what the sender does (the storage tests run on
    both backends)."""
    from ringback.db.migrate import upgrade

    upgrade(sqlite_url)
    return sqlite_url


def _delivery(url: str, delivery_id: int) -> WebhookDelivery:
    with transaction(url) as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        session.expunge(row)
        return row


def test_the_signature_verifies_with_the_secret_and_fails_with_another(sqlite_db: str) -> None:
    with Receiver() as receiver:
        user_id, _, secret = _endpoint(sqlite_db, receiver.url)
        (delivery_id,) = _queue(sqlite_db, user_id)
        clock = Clock()
        sent = Sender(sqlite_db, transport=LOOPBACK, clock=clock).run_once()
    assert [s.status for s in sent] == ["delivered"]
    (request,) = receiver.requests
    header = request.headers[HEADER]
    now = int(T0.timestamp())
    assert header.startswith(f"t={now},v1=")
    assert verify(secret, request.body, header, now=now)
    assert not verify("whsec_another", request.body, header, now=now)
    assert not verify(secret, request.body + b" ", header, now=now)  # a changed body
    assert not verify(secret, request.body, header, now=now + 3600)  # replayed an hour on
    assert request.headers["Ringback-Event"] == "voicemail.processed"
    assert request.headers["Ringback-Delivery"] == str(delivery_id)
    body = json.loads(request.body)
    assert body["event"] == "voicemail.processed" and body["event_id"] == "vm-1"
    assert body["data"]["summary"] == "Call Bill back about the quote"
    # The recipe the README gives, by hand: HMAC-SHA256 of "t.body" with the secret.
    import hashlib
    import hmac

    expected = hmac.new(secret.encode(), f"{now}.".encode() + request.body, hashlib.sha256)
    assert header == f"t={now},v1={expected.hexdigest()}"
    assert signature(secret, request.body, now) == header


def test_the_same_event_is_queued_once_per_endpoint(db_url: str) -> None:
    user_id, endpoint_id, _ = _endpoint(db_url, "https://crm.example.com/hook")
    assert len(_queue(db_url, user_id)) == 1
    assert _queue(db_url, user_id) == ()  # a resumed pipeline queues it again: no second
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        # Another user's endpoint does not hear of this user's event.
        other = service.add_endpoint(
            session, user_id=add_user(db_url, "rep@example.com").id, url="https://x.example/h"
        )
        assert service.list_deliveries(session, user_id=other.endpoint.user_id) == []
        with pytest.raises(service.WebhookNotFound):
            service.remove_endpoint(
                session, user_id=other.endpoint.user_id, endpoint_id=endpoint_id
            )


def test_a_receiver_answering_500_then_200_gets_the_event_delivered_once(db_url: str) -> None:
    clock = Clock()
    with Receiver() as receiver:
        receiver.answer(500)
        user_id, _, _ = _endpoint(db_url, receiver.url)
        (delivery_id,) = _queue(db_url, user_id)
        sender = Sender(db_url, transport=LOOPBACK, clock=clock, backoff=30.0, rng=random.Random(7))
        first = sender.run_once()
        assert [(s.status, s.http_status) for s in first] == [("pending", 500)]
        row = _delivery(db_url, delivery_id)
        assert row.attempts == 1 and row.last_status == 500 and "HTTP 500" in row.last_error
        wait = row.next_attempt_at - T0
        assert timedelta(seconds=15) <= wait <= timedelta(seconds=45)  # 30 s, with jitter
        assert sender.run_once() == []  # not due yet: nothing sent
        clock.now = row.next_attempt_at
        second = sender.run_once()
        assert [(s.status, s.http_status) for s in second] == [("delivered", 200)]
        assert sender.run_once() == []
        clock.now += timedelta(days=1)
        assert sender.run_once() == []  # delivered is delivered
    assert len(receiver.requests) == 2
    assert {r.headers["Ringback-Delivery"] for r in receiver.requests} == {str(delivery_id)}
    row = _delivery(db_url, delivery_id)
    assert row.status == "delivered" and row.delivered_at == clock.now - timedelta(days=1)
    assert row.last_error == "" and row.attempts == 2


def test_a_dead_url_ends_failed_with_the_reason_after_the_attempts(sqlite_db: str) -> None:
    clock = Clock()
    user_id, _, _ = _endpoint(sqlite_db, dead_url())
    (delivery_id,) = _queue(sqlite_db, user_id)
    sender = Sender(sqlite_db, transport=LOOPBACK, clock=clock, max_attempts=3, backoff=10.0)
    for _ in range(3):
        (sent,) = sender.run_once()
        clock.now += timedelta(hours=7)  # past the longest backoff
    assert sent.status == "failed"
    row = _delivery(sqlite_db, delivery_id)
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error.startswith("gave up after 3 tries: ConnectError"), row.last_error
    assert sender.run_once() == []  # failed is not retried on its own...
    with transaction(sqlite_db) as session:
        (failed,) = service.list_deliveries(session, user_id=user_id, failed=True)
        assert failed.id == delivery_id and "gave up after 3 tries" in failed.last_error
        service.retry_delivery(session, user_id=user_id, delivery_id=delivery_id, now=clock.now)
    (again,) = sender.run_once()  # ...but is when asked to
    assert again.attempts == 1 and again.status == "pending"


def test_a_redirect_is_not_followed(sqlite_db: str) -> None:
    sqlite_url = sqlite_db
    with Receiver() as receiver:
        receiver.answer(302)
        user_id, _, _ = _endpoint(sqlite_url, receiver.url)
        _queue(sqlite_url, user_id)
        (sent,) = Sender(sqlite_url, transport=LOOPBACK, clock=Clock()).run_once()
    assert sent.status == "pending" and "redirects are not followed" in sent.error
    assert len(receiver.requests) == 1  # the Location was not visited


def test_two_senders_never_claim_the_same_delivery(db_url: str) -> None:
    user_id, _, _ = _endpoint(db_url, "https://crm.example.com/hook")
    for n in range(6):
        _queue(db_url, user_id, event_id=f"vm-{n}")
    won: dict[str, list[int]] = {}

    def claim(owner: str) -> None:
        with transaction(db_url) as session:
            won[owner] = claim_due(
                session, owner=owner, now=T0, lease=timedelta(minutes=1), limit=10
            )

    threads = [Thread(target=claim, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [d for ids in won.values() for d in ids]
    assert len(claimed) == len(set(claimed)) == 6, won
    with transaction(db_url) as session:  # held: nobody else gets them until the lease ends
        assert claim_due(session, owner="w9", now=T0, lease=timedelta(minutes=1)) == []
        later = T0 + timedelta(minutes=2)
        assert len(claim_due(session, owner="w9", now=later, lease=timedelta(minutes=1))) == 6


def test_backoff_doubles_with_jitter() -> None:
    rng = random.Random(1)
    waits = [backoff_seconds(n, 30.0, rng) for n in (1, 2, 3, 4)]
    for n, wait in enumerate(waits, start=1):
        assert 15 * 2 ** (n - 1) <= wait <= 45 * 2 ** (n - 1)
    assert backoff_seconds(40, 30.0, rng) <= 6 * 3600 * 1.5


def test_urls_and_events_are_checked() -> None:
    for bad in (
        "ftp://crm.example.com/h",
        "file:///etc/passwd",
        "crm.example.com",
        "https://u:p@x.io/",
        "https://crm.example.com/a b",
        "https://crm.example.com/\r\nX-Injected: 1",
    ):
        with pytest.raises(service.WebhookError):
            service.check_url(bad)
    with pytest.raises(service.WebhookError, match="unknown event"):
        service.check_events(["voicemail.deleted"])
    assert service.check_events(None) == service.EVENTS


def test_secrets_never_reach_the_log(sqlite_db: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Receiver() as receiver:
        receiver.answer(500)
        user_id, _, secret = _endpoint(sqlite_db, receiver.url)
        _queue(sqlite_db, user_id)
        Sender(sqlite_db, transport=LOOPBACK, clock=Clock()).run_once()
    (request,) = receiver.requests
    logged = caplog.text
    assert "voicemail.processed" in logged and "127.0.0.1" in logged  # it did log the try
    for never in (secret, request.headers[HEADER].split("v1=")[1], "abc123"):
        assert never not in logged
    with transaction(sqlite_db) as session:
        (shown,) = service.list_endpoints(session, user_id=user_id)
    assert secret not in json.dumps(shown.as_json()) and "abc123" not in shown.url
    assert shown.secret_hint == f"whsec_…{secret[-4:]}" and shown.last_status == "pending"


def test_the_readme_recipe_verifies_a_real_request(sqlite_db: str) -> None:
    """The verification code the README gives a CRM's developer, run as printed."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Webhooks to your CRM", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    recipe: dict[str, object] = {}
    exec(code, recipe)
    check = recipe["from_ringback"]
    with Receiver() as receiver:
        user_id, _, secret = _endpoint(sqlite_db, receiver.url)
        _queue(sqlite_db, user_id, now=datetime.now(UTC))
        Sender(
            sqlite_db, transport=LOOPBACK
        ).run_once()  # signed now: the recipe refuses old timestamps
    (request,) = receiver.requests
    assert check(secret, request.body, request.headers[HEADER])  # type: ignore[operator]
    assert not check("whsec_other", request.body, request.headers[HEADER])  # type: ignore[operator]
    assert not check(secret, request.body[:-1], request.headers[HEADER])  # type: ignore[operator]


def test_a_default_sender_refuses_loopback_and_private_addresses(sqlite_db: str) -> None:
    """Security by default: a webhook cannot be pointed at the server's own network (or a
    cloud's metadata service) unless RINGBACK_WEBHOOK_ALLOW_PRIVATE says so."""
    from ringback.config import Settings

    with Receiver() as receiver:
        user_id, _, _ = _endpoint(sqlite_db, receiver.url)
        with transaction(sqlite_db) as session:
            service.add_endpoint(session, user_id=user_id, url="http://169.254.169.254/latest")
        _queue(sqlite_db, user_id)
        settings = Settings(_env_file=None, database_url=sqlite_db)  # type: ignore[call-arg]
        sent = sender_for(settings, clock=Clock()).run_once()
    assert receiver.requests == []
    assert [s.status for s in sent] == ["failed", "failed"]  # at once: retrying cannot help
    assert all("RINGBACK_WEBHOOK_ALLOW_PRIVATE=true" in s.error for s in sent)
    assert {s.attempts for s in sent} == {1}


class _Flaky:
    """A transport (a unit test's fake) that breaks on the first post, then answers 200."""

    def __init__(self) -> None:
        self.posts = 0

    def post(self, url: str, body: bytes, headers: object, timeout: float) -> int:
        self.posts += 1
        if self.posts == 1:
            raise RuntimeError("a bug in one delivery")
        return 200


def test_an_unexpected_error_in_one_delivery_does_not_stop_the_others(sqlite_db: str) -> None:
    user_id, _, _ = _endpoint(sqlite_db, "https://crm.example.com/hook")
    for n in range(3):
        _queue(sqlite_db, user_id, event_id=f"vm-{n}")
    sent = Sender(sqlite_db, transport=_Flaky(), clock=Clock()).run_once()
    assert [s.status for s in sent] == ["pending", "delivered", "delivered"]
    assert sent[0].error == "unexpected RuntimeError: a bug in one delivery"
    with transaction(sqlite_db) as session:  # its lease was given back: it is retried
        row = session.get(WebhookDelivery, sent[0].delivery_id)
        assert row is not None and row.claimed_by is None and row.attempts == 1
