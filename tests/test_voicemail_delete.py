"""Deleting a voicemail as a user meets it: on the web page, the API and the CLI, on SQLite
and PostgreSQL, with the team of the isolation tests (Alice and Bob reps in teams A and B,
Mia managing team A, Dana the owner). The row, its stages, the recording on disk or in
the bucket and the unsent webhooks go; the contact, the callback task and a Twilio
recording's row stay; the audit trail says who deleted what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ringback import command_kit
from ringback.accounts.models import AuditEvent
from ringback.contacts.models import Contact, FollowUp
from ringback.db.base import utcnow
from ringback.db.migrate import upgrade
from ringback.db.session import transaction
from ringback.outbound.models import WebhookDelivery, WebhookEndpoint
from ringback.telephony.models import TelephonyRecording
from ringback.voicemail.models import Voicemail, VoicemailStage, VoicemailStatus
from ringback.voicemail.removal import StoreDown, delete_voicemail
from tests.conftest import Cli
from tests.support.api import error_of
from tests.support.pipeline import archived_message
from tests.support.receiver import Receiver
from tests.support.s3 import S3Server, s3_server
from tests.support.team import HTML, World, email, secret


def _bearer(world: World, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {world.tokens[who]}"}


def _prepare(world: World, who: str) -> dict[str, Any]:
    """Alice's message as the pipeline leaves it: a stage row, a callback task, a Twilio
    recording that brought it, a webhook still pending and one delivered."""
    things = world.things[who]
    with transaction(world.url) as session:
        row = session.get(Voicemail, things["voicemail"])
        other = session.get(Voicemail, world.things["bob"]["voicemail"])
        assert row is not None and other is not None and row.original_path
        # The team's messages share one recording (same bytes): give Bob's its own copy.
        copy = Path(row.original_path).with_name("bobs-copy.wav")
        copy.write_bytes(Path(row.original_path).read_bytes())
        other.original_path = str(copy)
        row.callback_task_id = things["task"]
        session.add(VoicemailStage(voicemail_id=row.id, stage="store", position=0))
        twilio = session.get(TelephonyRecording, things["recording"])
        assert twilio is not None
        twilio.voicemail_id = row.id
        bobs = (world.things["bob"]["endpoint"], other.uid, "pending")
        for endpoint, event_id, status in (
            (things["endpoint"], row.uid, "pending"),
            (things["endpoint"], str(row.id), "delivered"),
            bobs,  # another message's: it stays
        ):
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint,
                    event="voicemail.processed",
                    event_id=event_id,
                    payload=json.dumps({"summary": "secret words"}),
                    status=status,
                    next_attempt_at=utcnow(),
                )
            )
        return {"path": Path(row.original_path or ""), "id": row.id}


def _deliveries(world: World) -> list[str]:
    with transaction(world.url) as session:
        return sorted(session.scalars(select(WebhookDelivery.status)))


def test_the_owner_deletes_a_message_on_its_page_and_what_stays_stays(world: World) -> None:
    alice = world.things["alice"]
    made = _prepare(world, "alice")
    assert made["path"].is_file()
    page = world.browser("alice").get(f"/inbox/{made['id']}", headers=HTML)
    assert "Delete…" in page.text and f'action="/inbox/{made["id"]}/delete"' in page.text
    assert "Stays:" in page.text and "callback task" in page.text
    assert "copy of what its sent webhooks said" in page.text

    reply = world.post("alice", f"/inbox/{made['id']}/delete")
    assert reply.status_code == 303 and reply.headers["location"].endswith("/inbox")
    listed = world.browser("alice").get("/inbox", headers=HTML)
    assert f"Voicemail #{made['id']} deleted" in listed.text
    assert "Kept:" in listed.text

    assert not made["path"].exists()  # the recording is gone from the data folder
    assert _deliveries(world) == ["delivered", "pending"]  # Bob's pending one, Alice's sent one
    with transaction(world.url) as session:
        assert session.get(Voicemail, made["id"]) is None
        stages = select(func.count()).where(VoicemailStage.voicemail_id == made["id"])
        assert session.scalar(stages) == 0
        assert session.get(Contact, alice["contact"]) is not None
        assert session.get(FollowUp, alice["task"]) is not None
        twilio = session.get(TelephonyRecording, alice["recording"])
        assert twilio is not None and twilio.voicemail_id is None
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "voicemail_delete")
        ).one()
        assert event.user_id == world.users["alice"].id
        assert json.loads(event.detail) == {
            "voicemail": made["id"],
            "stages": 1,
            "recordings": 1,
            "webhooks_cancelled": 1,
            "webhooks_erased": 1,
        }
        # Alice's sent webhook stays, as the record that it was sent, without its words.
        sent = session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "delivered"))
        assert "secret words" not in sent.one().payload
        # Bob's message and its recording are untouched.
        bobs = session.get(Voicemail, world.things["bob"]["voicemail"])
        assert bobs is not None and Path(bobs.original_path or "").is_file()


def test_the_api_deletes_only_what_you_own(world: World) -> None:
    alice_vm = world.things["alice"]["voicemail"]
    path = f"/api/v1/voicemails/{alice_vm}"
    bob = world.browser("bob").delete(path, headers=_bearer(world, "bob"))
    assert bob.status_code == 404 and error_of(bob)["code"] == "not_found"
    mia = world.browser("mia").delete(path, headers=_bearer(world, "mia"))  # her team's rep's
    assert mia.status_code == 403, mia.text
    assert "only its owner can delete it" in error_of(mia)["message"]
    with transaction(world.url) as session:
        assert session.get(Voicemail, alice_vm) is not None  # nothing gone either way

    mine = world.browser("alice").delete(path, headers=_bearer(world, "alice"))
    assert mine.status_code == 204 and mine.content == b""
    again = world.browser("alice").get(path, headers=_bearer(world, "alice"))
    assert again.status_code == 404


def test_a_message_still_processing_is_refused_with_what_to_do(world: World) -> None:
    vid = world.things["alice"]["voicemail"]
    with transaction(world.url) as session:
        row = session.get(Voicemail, vid)
        assert row is not None
        row.status = VoicemailStatus.PROCESSING
    reply = world.browser("alice").delete(
        f"/api/v1/voicemails/{vid}", headers=_bearer(world, "alice")
    )
    assert reply.status_code == 409
    assert "wait until it is processed" in error_of(reply)["hint"]
    page = world.browser("alice").get(f"/inbox/{vid}", headers=HTML)
    assert "Delete…" not in page.text
    cli = Cli(world.settings.data_dir, world.url)
    said = cli("--as", email("alice"), "inbox", "delete", str(vid), "--yes")
    assert said.exit_code == 1 and "still processing" in said.output
    assert "ringback jobs list" in said.output
    with transaction(world.url) as session:
        assert session.get(Voicemail, vid) is not None


def test_the_cli_asks_on_a_terminal_and_wants_yes_elsewhere(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    vid = world.things["alice"]["voicemail"]
    cli = Cli(world.settings.data_dir, world.url)
    refused = cli("--as", email("alice"), "inbox", "delete", str(vid))
    assert refused.exit_code == 1 and "--yes" in refused.output

    monkeypatch.setattr(command_kit, "interactive", lambda: True)
    kept = cli("--as", email("alice"), "inbox", "delete", str(vid), input="n\n")
    assert kept.exit_code == 1 and "not deleted" in kept.output
    assert "Deleting voicemail" in kept.output and "Kept:" in kept.output
    assert "another message has the same audio" in kept.output
    with transaction(world.url) as session:
        assert session.get(Voicemail, vid) is not None

    bob = cli("--as", email("bob"), "inbox", "delete", str(vid), "--yes")
    assert bob.exit_code == 1 and "no voicemail" in bob.output

    done = cli("--as", email("alice"), "inbox", "delete", str(vid), "--yes", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    # The team's messages share one recording file: it stays for Bob's message.
    assert data["deleted"] is True and data["recordings"] == 0 and data["recording_shared"]
    assert data["kept"]["contact_id"] == world.things["alice"]["contact"]
    audit = cli("--as", email("dana"), "audit", "--action", "voicemail_delete", "--json")
    assert audit.exit_code == 0, audit.output
    (event,) = json.loads(audit.stdout)
    assert event["user"] == email("alice") and str(vid) in json.dumps(event["detail"])


def test_a_recording_already_missing_does_not_block_and_shared_bytes_stay(
    world: World,
) -> None:
    alice_vm, bob_vm = world.things["alice"]["voicemail"], world.things["bob"]["voicemail"]
    with transaction(world.url) as session:
        alice, bob = session.get(Voicemail, alice_vm), session.get(Voicemail, bob_vm)
        assert alice is not None and bob is not None and alice.original_path
        # Same audio (the team's messages are made from one recording): one file.
        assert bob.original_path == alice.original_path
        path = Path(alice.original_path)
    bearer = _bearer(world, "alice")
    assert world.browser("alice").delete(f"/api/v1/voicemails/{alice_vm}", headers=bearer)
    assert path.is_file()  # Bob's message still has it

    path.unlink()  # Bob's copy went missing: deleting still works
    gone = world.browser("bob").delete(
        f"/api/v1/voicemails/{bob_vm}", headers=_bearer(world, "bob")
    )
    assert gone.status_code == 204
    with transaction(world.url) as session:
        assert session.scalar(select(func.count()).select_from(Voicemail)) == 0


@pytest.fixture(scope="module")
def s3() -> Any:
    with s3_server() as server:
        yield server


def test_the_recording_leaves_the_bucket_and_a_store_that_is_down_deletes_nothing(
    s3: S3Server, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    upgrade(url)
    settings = s3.settings(tmp_path / "data", prefix=tmp_path.name, database_url=url)
    done = archived_message(settings, tmp_path)
    assert (done.location or "").startswith("s3://")
    keys = [k for k in s3.object_keys() if k.startswith(f"{tmp_path.name}/recordings/")]
    assert len(keys) == 1

    s3.proxy.off()
    try:
        with (
            pytest.raises(StoreDown, match="nothing was deleted"),
            transaction(url) as session,
        ):
            delete_voicemail(session, voicemail_id=done.id, settings=settings)
    finally:
        s3.proxy.on()
    with transaction(url) as session:
        assert session.get(Voicemail, done.id) is not None
    assert keys[0] in s3.object_keys()

    with transaction(url) as session:
        gone = delete_voicemail(session, voicemail_id=done.id, settings=settings)
    assert gone.recordings == 1 and not gone.recording_missing
    assert keys[0] not in s3.object_keys()
    with transaction(url) as session:
        assert session.get(Voicemail, done.id) is None


def test_an_email_still_in_the_outbox_goes_with_the_message(world: World) -> None:
    from email.message import EmailMessage

    from ringback.mail import DeliveryStatus, outbox_from_settings

    vid = world.things["alice"]["voicemail"]
    with transaction(world.url) as session:
        row = session.get(Voicemail, vid)
        assert row is not None
        row.email_key = f"voicemail-{row.uid}"
        key = row.email_key
    outbox = outbox_from_settings(world.settings)
    message = EmailMessage()
    message["From"], message["To"] = "ringback@example.com", email("alice")
    message["Subject"] = "Voicemail"
    message.set_content("the transcript, and the audio attached")
    queued = outbox.submit(key, message)
    assert queued.status is DeliveryStatus.QUEUED

    reply = world.browser("alice").delete(
        f"/api/v1/voicemails/{vid}", headers=_bearer(world, "alice")
    )
    assert reply.status_code == 204
    assert outbox.status(key) is None  # never sent after the deletion
    assert outbox.flush().sent == 0


def test_what_a_sent_webhook_said_about_the_message_is_erased(world: World) -> None:
    """The pipeline's own ``voicemail.processed`` payload, delivered to a real receiver:
    after the deletion the delivery's row says it was sent, when and where, and nothing of
    who called, from which number, or what they said."""
    from dataclasses import replace

    from ringback.outbound.sender import HttpTransport, sender_for
    from ringback.voicemail.announce import queue_processed
    from ringback.voicemail.facts import MessageFacts
    from ringback.voicemail.pipeline.records import context_from_row

    vid, word = world.things["alice"]["voicemail"], secret("alice")
    with Receiver() as receiver:
        with transaction(world.url) as session:
            row = session.get(Voicemail, vid)
            endpoint = session.get(WebhookEndpoint, world.things["alice"]["endpoint"])
            assert row is not None and endpoint is not None
            endpoint.url = receiver.url
            facts = MessageFacts(caller_name=word, summary=f"{word} wants a quote")
            ctx = replace(context_from_row(row), facts=facts)
        assert queue_processed(world.url, ctx, "US")
        sender = sender_for(world.settings, transport=HttpTransport(allow_private=True))
        assert [s.status for s in sender.run_once()] == ["delivered"]
    (request,) = receiver.requests
    assert word.encode() in request.body and b"+14155550111" in request.body

    reply = world.browser("alice").delete(
        f"/api/v1/voicemails/{vid}", headers=_bearer(world, "alice")
    )
    assert reply.status_code == 204
    with transaction(world.url) as session:
        (kept,) = session.scalars(select(WebhookDelivery))
        assert kept.status == "delivered" and kept.delivered_at is not None
        assert kept.event == "voicemail.processed" and "caller" not in json.loads(kept.payload)
        stored = json.dumps([getattr(kept, c.name) for c in kept.__table__.columns], default=str)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "voicemail_delete")
        ).one()
    for said in (word, "4155550111", "555 0111", "quote"):
        assert said not in stored, said
    assert json.loads(event.detail)["webhooks_erased"] == 1 and word not in event.detail
