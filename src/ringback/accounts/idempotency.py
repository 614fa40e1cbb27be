"""Idempotency keys for the API's creates: a client that sends ``Idempotency-Key`` with a
create and retries it (a timeout, a dropped connection) gets the first answer again, not a
second object. Keys are per user and kept; the same key with a different request is a
conflict, never a silent replay of something else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.accounts.models import IdempotencyKey

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


def recall(session: Session, *, user_id: int, key: str, fingerprint: str) -> StoredAnswer | None:
    """The answer stored under ``key`` for this request; None if the key is new;
    :class:`KeyReused` if it was used for another request."""
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise KeyReused(f"the Idempotency-Key {key[:40]!r} was used for a different request")
    return StoredAnswer(row.status, json.loads(row.body))


def remember(
    session: Session, *, user_id: int, key: str, fingerprint: str, answer: StoredAnswer
) -> None:
    """Store ``answer`` under ``key`` (in the create's own transaction)."""
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            request_hash=fingerprint,
            status=answer.status,
            body=json.dumps(answer.body, separators=(",", ":")),
        )
    )
    session.flush()
