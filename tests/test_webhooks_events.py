"""The three webhook events queued by the real flows (issue 16 §3), and the commands:

- ``attempt.returned``: ``ringback log`` a voicemail left, then the contact's call back;
- ``voicemail.processed``: a message through the whole pipeline (real Whisper tiny.en,
  real SMTP) while the CRM's receiver hangs: processed and emailed, the delivery waits;
- ``call.reviewed``: a recorded call reviewed by the worker's function (real Whisper).

Received by a real HTTP server on loopback and checked with the README's recipe."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from ringback.db.session import transaction
from ringback.outbound.models import WebhookDelivery
from ringback.outbound.signing import HEADER, verify
from tests.conftest import SHARED, Cli
from tests.support.accounts import add_user
from tests.support.pipeline import speech_8k, wav_bytes
from tests.support.receiver import Receiver
from tests.support.smtp import Server
from tests.support.tracking import GOOD, add_contact

STEREO = SHARED / "eval" / "stereo_call" / "stereo_diarization.wav"


def _ok(result: object) -> str:
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return str(result.stdout)  # type: ignore[attr-defined]


def _queued(url: str, event: str) -> list[WebhookDelivery]:
    with transaction(url) as session:
        rows = list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == event)))
        session.expunge_all()
        return rows


def test_a_return_logged_with_ringback_log_reaches_the_crm_signed(cli: Cli, db_url: str) -> None:
    cli.env["RINGBACK_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    add_user(db_url)
    with Receiver() as receiver:
        added = json.loads(_ok(cli("webhooks", "add", receiver.url, "--json")))
        secret = added["secret"]
        assert secret.startswith("whsec_") and added["events"] == [
            "voicemail.processed",
            "call.reviewed",
            "attempt.returned",
        ]
        bill = add_contact(cli, "Bill Turner", "--phone", "415 555 0137")
        left = cli("log", "voicemail", "--contact", str(bill), "--script", GOOD,
                   "--at", "2026-11-20 10:00", "--json")  # fmt: skip
        attempt_id = json.loads(_ok(left))["id"]
        assert _queued(db_url, "attempt.returned") == []  # not returned yet
        for _ in range(2):  # the same call logged twice is one return, one delivery
            _ok(cli("log", "call", "--contact", str(bill), "--direction", "inbound",
                    "--at", "2026-11-21 09:00"))  # fmt: skip
        (row,) = _queued(db_url, "attempt.returned")
        assert row.status == "pending" and row.event_id == str(attempt_id)
        assert receiver.requests == []  # logging never waits for the CRM
        sent = json.loads(_ok(cli("webhooks", "deliver", "--once", "--json")))
        assert [(s["event"], s["status"]) for s in sent] == [("attempt.returned", "delivered")]
    (request,) = receiver.requests
    assert verify(secret, request.body, request.headers[HEADER], now=_t(request.headers[HEADER]))
    data = json.loads(request.body)["data"]
    assert data["attempt_id"] == attempt_id and data["channel"] == "voicemail"
    assert data["contact"] == {
        "id": bill,
        "name": "Bill Turner",
        "company": None,
        "phone": "+14155550137",
    }
    # 2026-11-20 10:00 to 2026-11-21 09:00 New York time: 23 hours.
    assert data["return_seconds"] == 23 * 3600 and data["returned_by"]["channel"] == "call"
    assert data["attempted_at"].startswith("2026-11-20T15:00:00")  # ISO 8601, UTC
    shown = json.loads(_ok(cli("webhooks", "deliveries", "--json")))
    assert [(d["event"], d["status"]) for d in shown] == [("attempt.returned", "delivered")]


def _t(header: str) -> int:
    return int(header.split(",")[0].removeprefix("t="))


def test_the_commands_mask_the_secret_test_retry_and_say_what_to_do(
    tmp_path: Path, sqlite_url: str
) -> None:
    from ringback.db.migrate import upgrade

    upgrade(sqlite_url)  # (the storage is tested on both backends above)
    db_url, cli = sqlite_url, Cli(tmp_path / "data", sqlite_url)
    cli.env["RINGBACK_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    none = cli("webhooks", "list")
    assert none.exit_code == 1 and "ringback users add" in none.output  # no user yet
    add_user(db_url)
    bad = cli("webhooks", "add", "ftp://crm.example.com/x")
    assert bad.exit_code == 1 and "not an http(s) URL" in bad.output and "https://" in bad.output
    with Receiver() as receiver:
        receiver.answer(503)
        out = _ok(cli("webhooks", "add", receiver.url, "--events", "call.reviewed"))
        secret = next(w for w in out.split() if w.startswith("whsec_"))
        listed = _ok(cli("webhooks", "list"))
        assert "1 webhook:" in listed and "call.reviewed" in listed
        assert secret not in listed and f"whsec_…{secret[-4:]}" in listed
        assert "abc123" not in listed  # the token in the URL's query is masked
        failed = cli("webhooks", "test", "1")
        assert failed.exit_code == 1 and "HTTP 503" in failed.output
        assert "was not delivered" in failed.output
        assert "pending, next try" in _ok(cli("webhooks", "deliveries"))
        again = json.loads(_ok(cli("webhooks", "retry", "1", "--json")))
        assert again["status"] == "pending" and again["attempts"] == 0
        assert "delivered" in _ok(cli("webhooks", "deliver", "--once"))
        assert json.loads(_ok(cli("webhooks", "test", "1", "--json")))["status"] == "delivered"
    assert [r.headers["Ringback-Event"] for r in receiver.requests] == ["ping"] * 3
    assert "last delivered" in _ok(cli("webhooks", "list"))
    missing = cli("webhooks", "remove", "9")
    assert missing.exit_code == 1 and "no webhook 9" in missing.output
    assert "ringback webhooks list" in missing.output
    assert json.loads(_ok(cli("webhooks", "remove", "1", "--json")))["removed"] is True
    assert json.loads(_ok(cli("webhooks", "deliveries", "--json"))) == []


def test_adding_a_webhook_on_your_own_network_says_it_needs_allow_private(
    tmp_path: Path, sqlite_url: str
) -> None:
    from ringback.db.migrate import upgrade

    upgrade(sqlite_url)
    cli = Cli(tmp_path / "data", sqlite_url)
    add_user(sqlite_url)
    said = _ok(cli("webhooks", "add", "http://127.0.0.1:9/hook"))  # added all the same
    assert "Webhook 1 added" in said and "RINGBACK_WEBHOOK_ALLOW_PRIVATE=true" in said
    shown = json.loads(_ok(cli("webhooks", "add", "http://10.0.0.7/hook", "--json")))
    assert "RINGBACK_WEBHOOK_ALLOW_PRIVATE=true" in shown["warning"]
    cli.env["RINGBACK_WEBHOOK_ALLOW_PRIVATE"] = "true"
    assert (
        json.loads(_ok(cli("webhooks", "add", "http://127.0.0.1:9/x", "--json")))["warning"] is None
    )
    missing = cli("webhooks", "retry", "77")  # a delivery's id: listed by `deliveries`
    assert missing.exit_code == 1 and "ringback webhooks deliveries" in missing.output
    cli.env.pop("RINGBACK_WEBHOOK_ALLOW_PRIVATE")
    assert cli("webhooks", "test", "1").exit_code == 1  # refused: a long reason to show
    for shown in (_ok(cli("webhooks", "list")), _ok(cli("webhooks", "deliveries"))):
        assert "RINGBACK_WEBHOOK_ALLOW_PRIVATE=true" in shown
        assert max(len(line) for line in shown.splitlines()) <= 80, shown


@pytest.mark.slow
def test_a_hanging_crm_does_not_hold_back_the_voicemail_pipeline(
    tmp_path: Path, sqlite_url: str, smtpd: Callable[..., Server]
) -> None:
    server = smtpd()
    cli = Cli(tmp_path / "data", sqlite_url)
    cli.env.update(
        RINGBACK_SMTP_HOST="127.0.0.1",
        RINGBACK_SMTP_PORT=str(server.port),
        RINGBACK_SMTP_SECURITY="none",
        RINGBACK_SMTP_FROM="Ringback <ringback@example.com>",
        RINGBACK_SMTP_TO="seller@example.com",
        RINGBACK_WEBHOOK_TIMEOUT_SECONDS="0.5",
        RINGBACK_WEBHOOK_ALLOW_PRIVATE="true",
    )
    _ok(cli("db", "upgrade"))
    add_user(sqlite_url)
    recording = tmp_path / "message.wav"
    recording.write_bytes(wav_bytes(speech_8k(3.0)))
    with Receiver() as receiver:
        receiver.hang()
        secret = json.loads(_ok(cli("webhooks", "add", receiver.url, "--json")))["secret"]
        added = cli("inbox", "add", str(recording), "--from", "212 555 0199",
                    "--received-at", "2026-11-23 14:30", "--json")  # fmt: skip
        result = json.loads(_ok(added))
        assert result["status"] == "done"
        assert len(server.handler.messages()) == 1  # emailed
        assert receiver.requests == []  # the pipeline only queued the event
        (row,) = _queued(sqlite_url, "voicemail.processed")
        assert row.status == "pending" and row.attempts == 0
        payload = json.loads(row.payload)
        assert payload["voicemail_id"] == result["id"] and payload["status"] == "done"
        assert payload["caller"]["number"] == "+12125550199"
        assert payload["received_at"] == "2026-11-23T19:30:00+00:00"
        assert set(payload) >= {"callback_number", "callback_at", "summary", "contact_id"}
        # The sender meets the hanging receiver: the try times out and is retried later.
        (sent,) = json.loads(_ok(cli("webhooks", "deliver", "--once", "--json")))
        assert sent["status"] == "pending" and "no answer within 0.5 s" in sent["error"]
        (request,) = receiver.requests
    assert verify(secret, request.body, request.headers[HEADER], now=_t(request.headers[HEADER]))
    shown = _ok(cli("inbox", "show", str(result["id"]), "--json"))
    stages = [s["name"] for s in json.loads(shown)["stages"]]
    assert stages[-2:] == ["follow_up", "webhooks"]


@pytest.mark.slow
def test_a_finished_call_review_is_queued_for_the_crm(tmp_path: Path, sqlite_url: str) -> None:
    if not STEREO.is_file():
        pytest.skip(f"the stereo call recording is not in {STEREO}")
    from ringback.calls import review_job, reviews
    from ringback.calls.uploads import store_call_upload
    from ringback.contacts.service import add_contact as add_contact_row
    from ringback.db.migrate import upgrade
    from tests.support.twilio import make_settings

    upgrade(sqlite_url)
    settings = make_settings(tmp_path, database_url=sqlite_url)
    user = add_user(sqlite_url)
    stored = store_call_upload(
        io.BytesIO(STEREO.read_bytes()), data_dir=settings.data_dir, max_bytes=1 << 30,
        max_minutes=5,
    )  # fmt: skip
    with transaction(sqlite_url) as session:
        from ringback.outbound.service import add_endpoint

        add_endpoint(session, user_id=user.id, url="https://crm.example.com/hook")
        bill = add_contact_row(session, name="Bill Turner", region="US")
        review = reviews.create_review(
            session, owner_id=user.id, stored=stored, original_name="bill.wav", contact_id=bill.id
        )
    assert _queued(sqlite_url, "call.reviewed") == []
    review_job.run_review(review.id, settings=settings)  # what the worker runs
    (row,) = _queued(sqlite_url, "call.reviewed")
    assert row.event_id == str(review.id) and row.status == "pending"
    data = json.loads(row.payload)
    assert data["review_id"] == review.id
    assert data["contact"] == {"id": bill.id, "name": "Bill Turner"}
    with transaction(sqlite_url) as session:
        done = reviews.get_review(session, owner_id=user.id, review_id=review.id)
    contract = reviews.read_result(done)["contract"]  # what the review page shows
    assert 0 < data["talk_share_rep"] == contract["talk_share_rep"] < 1
    rep_asked = [q["text"] for q in contract["questions"] if q["speaker"] == "rep"]
    assert [q["text"] for q in data["questions"]["rep_questions"]] == rep_asked
    assert data["questions"]["asked_by_rep"] == len(rep_asked)
    assert data["reviewed_at"] >= data["uploaded_at"]
