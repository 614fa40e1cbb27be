"""What the outbox reports back: plain frozen values for the pipeline and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path


class DeliveryStatus(StrEnum):
    SENT = "sent"  # accepted by the mailer just now
    ALREADY_SENT = "already_sent"  # this key was delivered before; nothing sent
    QUEUED = "queued"  # kept in the outbox, will be retried
    FAILED = "failed"  # parked in outbox/failed (kept, not retried automatically)


@dataclass(frozen=True)
class DeliveryResult:
    status: DeliveryStatus
    key: str
    message_id: str
    attempts: int = 0
    error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class OutboxEntry:
    name: str
    key: str
    message_id: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    failed: bool
    path: Path


@dataclass(frozen=True)
class FlushReport:
    sent: int = 0
    retry_later: int = 0  # tried and failed, still queued
    failed: int = 0  # moved to failed/ during this flush
    not_due: int = 0  # waiting for their next attempt time
    deferred: int = 0  # not tried: the server was unreachable for an earlier one, or
    # another process was sending it at that moment
    already_sent: int = 0  # leftovers of a crash after delivery; removed without sending
