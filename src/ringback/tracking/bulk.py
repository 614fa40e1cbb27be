"""The bulk path: many calls at once (a CSV import, a dialler export, a backfill).

Multi-row ``INSERT ... ON CONFLICT DO NOTHING`` (idempotent on the key, duplicates counted
from ``RETURNING``), then one set-based pass to mark returns: no per-row round trips, which
is what keeps 100,000 calls well under the 30 s target (``bench/bench_tracking.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from ringback.contacts.models import Contact
from ringback.tracking.events import _now, event_key, to_epoch
from ringback.tracking.models import Channel, EventSource, Outcome, OutreachEvent, Way
from ringback.tracking.returns import mark_returns

if TYPE_CHECKING:
    from ringback.config import Settings

BULK_CHUNK = 2000  # rows per INSERT; well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class CallRow:
    """One call for the bulk path (a CSV backfill, a dialler export)."""

    contact_id: int
    direction: Way
    outcome: Outcome
    at: datetime
    key: str | None = None


@dataclass
class BulkReport:
    inserted: int = 0
    duplicates: int = 0
    unknown_contacts: list[int] = field(default_factory=list)


def log_calls_bulk(session: Session, *, rows: Iterable[CallRow], settings: Settings) -> BulkReport:
    """Log many calls at once: multi-row INSERT ... ON CONFLICT DO NOTHING (idempotent on
    the key), then one set-based pass to mark returns. No per-row round trips, and no
    interaction-history rows (a backfill of the timeline is the importer's job)."""
    report = BulkReport()
    known: set[int] = set()
    unknown: set[int] = set()
    min_epoch: int | None = None
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal batch
        if not batch:
            return
        wanted = {r["contact_id"] for r in batch} - known - unknown
        if wanted:
            found = set(session.scalars(select(Contact.id).where(Contact.id.in_(wanted))))
            known.update(found)
            unknown.update(wanted - found)
        good = [r for r in batch if r["contact_id"] in known]
        if good:
            inserted = _insert_ignoring_duplicates(session, good)
            report.inserted += inserted
            report.duplicates += len(good) - inserted
        batch = []

    now = _now()
    for row in rows:
        if row.outcome not in (Outcome.CONNECTED, Outcome.VOICEMAIL, Outcome.NO_ANSWER):
            raise ValueError(
                f"a call's outcome is connected, voicemail or no-answer, not {row.outcome}"
            )
        epoch = to_epoch(row.at)
        min_epoch = epoch if min_epoch is None else min(min_epoch, epoch)
        batch.append(
            {
                "key": row.key
                or event_key(
                    contact_id=row.contact_id,
                    channel=Channel.CALL,
                    direction=row.direction,
                    outcome=row.outcome,
                    epoch=epoch,
                ),
                "contact_id": row.contact_id,
                "channel": Channel.CALL,
                "direction": row.direction,
                "outcome": row.outcome,
                "occurred_at": row.at.astimezone(UTC),
                "epoch": epoch,
                "hour": epoch // 3600,
                "source": EventSource.BULK,
                "created_at": now,
            }
        )
        if len(batch) >= BULK_CHUNK:
            flush()
    flush()
    report.unknown_contacts = sorted(unknown)
    if report.inserted and min_epoch is not None:
        mark_returns(session, settings=settings, since_epoch=min_epoch)
    return report


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> int:
    table = cast("Table", OutreachEvent.__table__)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing(index_elements=["key"])
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=["key"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"bulk logging is not supported on {dialect}")
    # Keys repeated inside one batch would hit the same conflict; drop them here.
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row["key"] not in seen:
            seen.add(row["key"])
            unique.append(row)
    # RETURNING lists only the rows actually inserted: the count of duplicates for free.
    return len(session.execute(stmt.returning(table.c.id), unique).all())
