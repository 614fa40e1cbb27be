"""What Ringback keeps about a customer, and for how long: the API's stored answers to an
``Idempotency-Key`` (which hold a contact's name, phone and email) are honoured and kept
for ``RINGBACK_IDEMPOTENCY_HOURS`` only, and deleting a contact deletes those that name
them; a contact deletion that fails leaves their queued email queued (it is withdrawn
only once the deletion commits). On SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ringback.accounts.models import IdempotencyKey
from ringback.contacts.models import Interaction
from ringback.db.base import utcnow
from ringback.db.session import transaction
from tests.support.api import Api, error_of

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
