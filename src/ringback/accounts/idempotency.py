"""Idempotency keys for the API's creates: a client that sends ``Idempotency-Key`` with a
create and retries it (a timeout, a dropped connection) gets the first answer again, not a
second object. Keys are per user; the same key with a different request is a conflict,
never a silent replay of something else.

A stored answer is the JSON the create answered, which can hold a contact's name, phone
and email: it is kept only ``max_age`` (``RINGBACK_IDEMPOTENCY_HOURS``, 24 as Stripe
documents). After that the key is forgotten: a retry makes a new request, and the old row
is deleted (when it is asked for, and with every other expired one whenever a key is
written: no sweeper needed). Deleting a contact forgets the answers that name them
(:func:`forget_answers`, called by :mod:`ringback.contacts.removal`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ringback.accounts.models import IdempotencyKey
from ringback.db.base import utcnow

MAX_KEY = 200  # characters


class KeyReused(ValueError):
    """The key was used before for a different request."""


@dataclass(frozen=True)
class StoredAnswer:
    """What a create under this key answered: its status and JSON body."""

    status: int
    body: Any


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the request as the key covers it: method, path and the body as data
    (key order and spacing in the JSON do not matter)."""
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class KeyedRequest:
    """A request sent under an Idempotency-Key: whose, the key, and its fingerprint."""

    user_id: int
    key: str
    fingerprint: str


def recall(
    session: Session, asked: KeyedRequest, *, max_age: timedelta, now: datetime | None = None
) -> StoredAnswer | None:
    """The answer stored under ``asked.key`` for this request; None if the key is new or
    older than ``max_age`` (then it is deleted: the request is made again and stored
    anew); :class:`KeyReused` if it was used for another request."""
    user_id, key, fingerprint = asked.user_id, asked.key, asked.fingerprint
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.created_at <= (now or utcnow()) - max_age:
        session.delete(row)
        session.flush()  # before the new answer is stored under the same key
        return None
    if row.request_hash != fingerprint:
        raise KeyReused(f"the Idempotency-Key {key[:40]!r} was used for a different request")
    return StoredAnswer(row.status, json.loads(row.body))


def prune(session: Session, *, max_age: timedelta, now: datetime | None = None) -> int:
    """Delete every user's keys older than ``max_age``; how many went."""
    cutoff = (now or utcnow()) - max_age
    gone = session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.created_at <= cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(gone, "rowcount", 0) or 0)


def remember(
    session: Session, asked: KeyedRequest, answer: StoredAnswer, *, max_age: timedelta
) -> None:
    """Store ``answer`` under ``asked.key`` (in the create's own transaction), and delete
    the keys that have expired meanwhile (anyone's: one indexed statement)."""
    prune(session, max_age=max_age)
    session.add(
        IdempotencyKey(
            user_id=asked.user_id,
            key=asked.key,
            request_hash=asked.fingerprint,
            status=answer.status,
            body=json.dumps(answer.body, separators=(",", ":")),
        )
    )
    session.flush()


def forget_answers(session: Session, about: Callable[[Any], bool], *, dry_run: bool = False) -> int:
    """Delete every user's stored answers for which ``about(answer's JSON)`` is true (what
    a deleted contact's removal asks for: the answers that name them); how many. With
    ``dry_run``, only count. Every key is read: they live ``max_age`` at most."""
    rows = session.execute(select(IdempotencyKey.id, IdempotencyKey.body))
    found = [key_id for key_id, body in rows if about(_parsed(body))]
    if found and not dry_run:
        session.execute(
            delete(IdempotencyKey)
            .where(IdempotencyKey.id.in_(found))
            .execution_options(synchronize_session=False)
        )
    return len(found)


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # never written so, but an unreadable answer names nobody
        return None
