"""What Ringback keeps about a customer, and for how long: the API's stored answers to an
``Idempotency-Key`` (which hold a contact's name, phone and email) are honoured and kept
for ``RINGBACK_IDEMPOTENCY_HOURS`` only, and deleting a contact deletes those that name
them; a contact deletion that fails leaves their queued email queued (it is withdrawn
only once the deletion commits). On SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from ringback import command_kit
from ringback.accounts.models import IdempotencyKey
from ringback.contacts.models import Contact, Interaction
from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.mail import outbox_from_settings
from ringback.tracking.service import approve_followup
from ringback.web import create_app
from tests.conftest import Cli
from tests.support.accounts import add_user
from tests.support.api import Api, error_of
from tests.support.net import free_port
from tests.support.refuse import refusing_audit
from tests.support.smtp import Server
from tests.support.tracking import MON, drafted_email, make_contact, settings_for
from tests.support.twilio import Served, make_settings, wait_for

BILL = {"name": "Bill Turner", "phone": "(415) 555-0137", "emails": ["bill@abc.example"]}
ANN = {"name": "Ann Lee", "phone": "(415) 555-0142"}
NOTE = {"kind": "note", "text": "asked for the Q3 numbers"}
REPLAYED = "Idempotent-Replayed"


@pytest.fixture
def api(tmp_path: Path, db_url: str) -> Iterator[Api]:
    api = Api(tmp_path, db_url)
    yield api
    api.close()


def _age_keys(url: str, by: timedelta) -> None:
    """Every stored key made ``by`` earlier: what the clock does to it."""
    with transaction(url) as session:
        session.execute(update(IdempotencyKey).values(created_at=utcnow() - by))


def _count(url: str, model: type) -> int:
    with transaction(url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _stored_answers(url: str) -> list[str]:
    with transaction(url) as session:
        return list(session.scalars(select(IdempotencyKey.body).order_by(IdempotencyKey.id)))


def test_a_retry_within_the_retention_gets_the_first_answer_and_after_it_a_new_one(
    api: Api,
) -> None:
    script = api.client(api.token())
    cid = script.post("/api/v1/contacts", json=ANN).json()["id"]
    path = f"/api/v1/contacts/{cid}/interactions"
    first = script.post(path, json=NOTE, headers={"Idempotency-Key": "n1"})
    assert first.status_code == 201

    _age_keys(api.url, timedelta(hours=23))  # within the default 24 hours: honoured
    again = script.post(path, json=NOTE, headers={"Idempotency-Key": "n1"})
    assert again.headers.get(REPLAYED) == "true" and again.json() == first.json()
    assert _count(api.url, Interaction) == 1

    _age_keys(api.url, timedelta(hours=25))  # past it: the key is new again
    later = script.post(path, json=NOTE, headers={"Idempotency-Key": "n1"})
    assert later.status_code == 201 and REPLAYED not in later.headers
    assert later.json()["id"] != first.json()["id"]
    assert _count(api.url, Interaction) == 2
    # ... and a different body under it is no conflict: what it answered is forgotten.
    _age_keys(api.url, timedelta(hours=25))
    other = script.post(path, json={**NOTE, "text": "sent them"}, headers={"Idempotency-Key": "n1"})
    assert other.status_code == 201, other.text
    assert _count(api.url, IdempotencyKey) == 1  # the expired answer is gone, not kept


def test_an_expired_answer_is_deleted_when_any_key_is_written(tmp_path: Path, db_url: str) -> None:
    api = Api(tmp_path, db_url, idempotency_hours=2)
    try:
        dana = api.client(api.token())
        sam = api.client(api.token(api.add_user("sam@example.com")))
        made = dana.post("/api/v1/contacts", json=BILL, headers={"Idempotency-Key": "crm-1"})
        assert made.status_code == 201
        assert "Bill Turner" in _stored_answers(api.url)[0]

        _age_keys(api.url, timedelta(hours=3))  # past RINGBACK_IDEMPOTENCY_HOURS=2
        theirs = sam.post("/api/v1/contacts", json=ANN, headers={"Idempotency-Key": "crm-2"})
        assert theirs.status_code == 201
        # Dana's expired answer went when Sam's key was written: only Sam's is kept.
        [kept] = _stored_answers(api.url)
        assert "Ann Lee" in kept and "Bill" not in kept and "4155550137" not in kept
        retried = dana.post("/api/v1/contacts", json=BILL, headers={"Idempotency-Key": "crm-1"})
        assert retried.status_code == 409 and error_of(retried)["code"] == "duplicate_contact"
    finally:
        api.close()


def test_the_server_deletes_expired_answers_while_no_key_is_written(
    tmp_path: Path, db_url: str
) -> None:
    user = add_user(db_url)
    with transaction(db_url) as session:
        for key, hours in (("crm-old", 25), ("crm-new", 1)):
            stored = json.dumps({"id": 1, "name": "Bill Turner", "phones": ["+14155550137"]})
            age = utcnow() - timedelta(hours=hours)
            row = IdempotencyKey(user_id=user.id, key=key, request_hash="0" * 64, status=201)
            row.body, row.created_at = stored, age
            session.add(row)

    def keys() -> list[str]:
        with transaction(db_url) as session:
            return list(session.scalars(select(IdempotencyKey.key)))

    settings = make_settings(tmp_path, database_url=db_url, followup_sweep_minutes=0.005)
    with Served(create_app(settings)):  # `ringback serve`, with nobody calling the API
        wait_for(lambda: keys() == ["crm-new"], timeout=30, what="the expired answer deleted")


def test_deleting_a_contact_forgets_the_api_answers_that_name_them(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = api.client(api.token())
    bill = script.post("/api/v1/contacts", json=BILL, headers={"Idempotency-Key": "c-bill"})
    ann = script.post("/api/v1/contacts", json=ANN, headers={"Idempotency-Key": "c-ann"})
    bid, aid = bill.json()["id"], ann.json()["id"]
    for cid, key in ((bid, "n-bill"), (aid, "n-ann")):
        logged = script.post(
            f"/api/v1/contacts/{cid}/interactions", json=NOTE, headers={"Idempotency-Key": key}
        )
        assert logged.status_code == 201
    assert _count(api.url, IdempotencyKey) == 4

    cli = Cli(api.settings.data_dir, api.url)
    monkeypatch.setattr(command_kit, "interactive", lambda: True)
    asked = cli("contacts", "delete", str(bid), input="n\n")
    assert "2 stored API answers" in " ".join(asked.output.split())  # the confirmation
    done = cli("contacts", "delete", str(bid), "--yes", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["deleted"]["stored API answers"] == 2

    kept = _stored_answers(api.url)
    assert len(kept) == 2 and all(str(aid) in body for body in kept)
    for his in ("Bill", "Turner", "4155550137", "bill@abc.example"):
        assert not any(his in body for body in kept), his
    # A retry of Bill's create is a new request, not an answer about someone deleted.
    retried = script.post("/api/v1/contacts", json=BILL, headers={"Idempotency-Key": "c-bill"})
    assert retried.status_code == 201 and REPLAYED not in retried.headers
    assert retried.json()["id"] != bid
    replayed = script.post("/api/v1/contacts", json=ANN, headers={"Idempotency-Key": "c-ann"})
    assert replayed.headers.get(REPLAYED) == "true" and replayed.json()["id"] == aid


def test_a_deletion_that_fails_leaves_the_contact_and_their_queued_email(
    db_url: str, tmp_path: Path, smtpd: Callable[..., Server]
) -> None:
    port = free_port()  # the mail server is down when the email is approved
    settings = settings_for(db_url, tmp_path, port)
    with transaction(db_url) as session:
        bill = make_contact(session, email="bill@abc.example")
        step = drafted_email(session, contact_id=bill, subject="The quote", body="Hi", now=MON)
    with transaction(db_url) as session:
        approved = approve_followup(
            session, step_id=step.id, settings=settings, now=MON + timedelta(minutes=5)
        )
    assert approved.status == "queued"
    outbox = outbox_from_settings(settings)
    assert len(outbox.entries()) == 1

    cli = Cli(settings.data_dir, db_url)
    with refusing_audit(db_url, "contact_delete"):
        failed = cli("contacts", "delete", str(bill), "--yes", "--json")
    assert failed.exit_code != 0 and "nothing was written" in failed.output
    with transaction(db_url) as session:
        assert session.get(Contact, bill) is not None  # Bill is still a contact...
    assert len(outbox.entries()) == 1  # ... and his email is still queued for him

    server = smtpd(port=port)  # the server is back: Bill gets the email he was promised
    assert outbox.flush(force=True).sent == 1
    assert [m["To"] for m in server.handler.messages()] == ["bill@abc.example"]


def test_work_after_commit_waits_for_the_commit_and_never_follows_a_rollback(
    db_url: str,
) -> None:
    """The piece that holds the withdrawal (a unit test of db.after_commit)."""
    from ringback.db.after_commit import after_commit

    done: list[str] = []
    with transaction(db_url) as session:
        after_commit(session, lambda: done.append("committed"))
        with session.begin_nested():  # a savepoint released is not the commit
            session.execute(text("SELECT 1"))
        assert done == []
    assert done == ["committed"]

    with pytest.raises(RuntimeError), transaction(db_url) as session:
        after_commit(session, lambda: done.append("rolled back"))
        raise RuntimeError("the transaction fails")
    with transaction(db_url) as session:  # nothing left over for the next transaction
        session.execute(text("SELECT 1"))
    assert done == ["committed"]


@pytest.mark.parametrize(
    ("answer", "names_seven"),
    [
        ({"id": 7, "name": "Bill Turner", "phones": ["+14155550137"]}, True),  # a create
        ({"id": 3, "contact_id": 7, "kind": "note", "text": "hi"}, True),  # an interaction
        ({"id": 7, "contact_id": 2, "status": "queued", "stage": ""}, False),  # a call review 7
        ({"voicemail_id": 4, "contact_id": 2, "proposed_merge": [{"contact_id": 7}]}, True),
        ({"attempt_id": 1, "contact": {"id": 7, "name": "Bill"}}, True),
        ({"voicemail_id": 7, "already": True}, False),  # a done: no contact in it
        ({"id": 1, "contact_id": True}, False),  # a flag, not contact 1... nor 7
        ([{"contact_id": 7}], True),
    ],
)
def test_an_answer_names_a_contact_by_its_record_or_a_link_to_it(
    answer: object, names_seven: bool
) -> None:
    """Which stored answers a deletion of contact 7 takes (a unit test of the rule)."""
    from ringback.contacts.removal import names_contact

    assert names_contact(answer, 7) is names_seven
    assert names_contact({"id": 1, "contact_id": True}, 1) is False
