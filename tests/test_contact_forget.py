"""A forgotten contact is forgotten everywhere Ringback sent or would send their words: the
webhooks a CRM got about them keep no copy of what they said (the record that they were
sent stays), those not sent yet never go, and an approved follow-up email still waiting
in the mail outbox never reaches them. On SQLite and PostgreSQL, with a real HTTP receiver
and a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ringback import command_kit
from ringback.db.session import transaction
from ringback.mail import outbox_from_settings
from ringback.outbound.models import WebhookDelivery
from ringback.tracking.service import approve_followup
from tests.conftest import Cli
from tests.support.accounts import add_user
from tests.support.net import free_port
from tests.support.receiver import Receiver
from tests.support.smtp import Server
from tests.support.tracking import GOOD, MON, add_contact, drafted_email, make_contact, settings_for


def _ok(result: object) -> str:
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return str(result.stdout)  # type: ignore[attr-defined]


def _returned(cli: Cli, contact: int, left: str, called: str) -> None:
    """A voicemail left for ``contact`` and their call back: one ``attempt.returned``."""
    _ok(cli("log", "voicemail", "--contact", str(contact), "--script", GOOD, "--at", left))
    _ok(cli("log", "call", "--contact", str(contact), "--direction", "inbound", "--at", called))


def _deliveries(url: str) -> list[dict[str, object]]:
    with transaction(url) as session:
        rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return [
            {c.name: getattr(row, c.name) for c in WebhookDelivery.__table__.columns}
            for row in rows
        ]


def test_what_the_crm_was_sent_about_them_is_erased_and_the_rest_never_goes(
    cli: Cli, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.env["RINGBACK_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    add_user(db_url)
    with Receiver() as receiver:
        _ok(cli("webhooks", "add", receiver.url, "--json"))
        bill = add_contact(cli, "Bill Turner", "--phone", "415 555 0137")
        ann = add_contact(cli, "Ann Lee", "--phone", "415 555 0142")
        _returned(cli, bill, "2026-11-20 10:00", "2026-11-21 09:00")
        _returned(cli, ann, "2026-11-20 11:00", "2026-11-21 10:00")
        sent = json.loads(_ok(cli("webhooks", "deliver", "--once", "--json")))
        assert [s["status"] for s in sent] == ["delivered", "delivered"]
        _returned(cli, bill, "2026-11-23 10:00", "2026-11-24 09:00")  # queued, not sent yet
        before = _deliveries(db_url)
        assert [d["status"] for d in before] == ["delivered", "delivered", "pending"]
        assert "Bill Turner" in str(before[0]["payload"])

        monkeypatch.setattr(command_kit, "interactive", lambda: True)
        asked = cli("contacts", "delete", str(bill), input="n\n")
        assert asked.exit_code == 1 and "1 unsent webhook" in asked.output
        assert "1 sent webhook stays (a record of when and to which CRM; its content is" in (
            " ".join(asked.output.split())
        )
        done = cli("contacts", "delete", str(bill), "--yes", "--json")
        said = json.loads(_ok(done))
        assert said["deleted"]["unsent webhooks"] == 1
        assert said["kept"]["sent webhooks"] == 1

        after = _deliveries(db_url)
        # Bill's sent webhook stays as the record of when and where it went; Ann's is whole.
        assert [(d["id"], d["status"]) for d in after] == [
            (before[0]["id"], "delivered"),
            (before[1]["id"], "delivered"),
        ]
        kept = after[0]
        assert kept["delivered_at"] == before[0]["delivered_at"]
        assert kept["event"] == "attempt.returned" and kept["contact_id"] is None
        words = json.dumps(after[0], default=str)
        for his in ("Bill", "Turner", "4155550137", "555 0137"):
            assert his not in words, his
        assert "Ann Lee" in str(after[1]["payload"]) and after[1]["contact_id"] == ann
        # The one not sent yet never goes.
        assert json.loads(_ok(cli("webhooks", "deliver", "--once", "--json"))) == []
    assert len(receiver.requests) == 2
    assert b"Ann Lee" in receiver.requests[1].body or b"Ann Lee" in receiver.requests[0].body


def test_an_approved_email_still_in_the_outbox_never_reaches_a_deleted_contact(
    db_url: str, tmp_path: Path, smtpd: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # the mail server is down when the emails are approved
    settings = settings_for(db_url, tmp_path, port)
    with transaction(db_url) as session:
        bill = make_contact(session, email="bill@abc.example")
        ann = make_contact(session, email="ann@xyz.example")
        steps = [
            drafted_email(session, contact_id=c, subject="The quote", body="Hi", now=MON).id
            for c in (bill, ann)
        ]
    for step in steps:
        with transaction(db_url) as session:
            approved = approve_followup(
                session, step_id=step, settings=settings, now=MON + timedelta(minutes=5)
            )
        assert approved.status == "queued"
    outbox = outbox_from_settings(settings)
    assert len(outbox.entries()) == 2

    cli = Cli(settings.data_dir, db_url)
    cli.env.update(RINGBACK_SMTP_HOST="127.0.0.1", RINGBACK_SMTP_PORT=str(port))
    cli.env.update(RINGBACK_SMTP_SECURITY="none", RINGBACK_OWNER_EMAIL="dana@acme.example")
    monkeypatch.setattr(command_kit, "interactive", lambda: True)
    asked = cli("contacts", "delete", str(bill), input="n\n")
    assert "1 queued email" in asked.output  # the confirmation says it goes
    done = json.loads(_ok(cli("contacts", "delete", str(bill), "--yes", "--json")))
    assert done["deleted"]["queued emails"] == 1

    server = smtpd(port=port)  # the server is back: the outbox sends what is left
    assert outbox.flush(force=True).sent == 1
    delivered = server.handler.messages()
    assert [m["To"] for m in delivered] == ["ann@xyz.example"]
    assert all("bill@abc.example" not in e.rcpt_tos for e in server.handler.envelopes)
    assert outbox.entries() == [] and outbox.flush(force=True).sent == 0
