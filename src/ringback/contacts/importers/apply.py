"""Write a planned import inside the caller's transaction.

New contacts go in as batched multi-row INSERTs (RETURNING their ids in order), which is
what keeps a 100k-row import to seconds; merges into contacts on file go through the ORM.
Nothing here commits: if any statement fails, the caller's transaction rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from ringback.contacts.importers.plan import Plan
from ringback.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    Direction,
    Interaction,
    InteractionKind,
)
from ringback.db.base import utcnow

BATCH = 1000


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def insert_rows(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """One bulk INSERT. (Its own function so tests can make the database fail mid-import.)
    An owned model's rows are the acting user's (Core INSERTs bypass the ORM's stamp)."""
    if rows and getattr(model, "__owned__", False):
        rows = _owned(session, rows)
    if rows:
        # Core INSERT on the table: the ORM's bulk path costs twice as much per row here.
        session.execute(insert(_table(model)), list(rows))


def _owned(session: Session, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    from ringback.accounts.scope import actor_of

    actor = actor_of(session)
    owner = actor.id if actor is not None else None
    return [{"owner_id": owner, **row} for row in rows]


def _insert_contacts(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert a batch of contacts (the acting user's) and return their ids in the order
    of ``rows``."""
    rows = _owned(session, rows)
    table = _table(Contact)
    if session.get_bind().dialect.name == "sqlite":
        # SQLAlchemy cannot batch an *ordered* RETURNING on SQLite and falls back to one
        # INSERT per row. But SQLite inserts multi-row VALUES in order, giving each row the
        # next rowid (max + 1, and our transaction holds the write lock), so the ids sorted
        # are the rows' ids in order. Checked anyway: a gap would mean a wrong mapping, so
        # it aborts the import (and the transaction writes nothing).
        ids = sorted(session.scalars(insert(table).returning(table.c.id), rows))
        if len(ids) == len(rows) and (not ids or ids[-1] - ids[0] == len(ids) - 1):
            return ids
        raise ValueError("SQLite gave a batch of new contacts non-contiguous ids")
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def apply_plan(
    session: Session,
    plan: Plan,
    progress: Callable[[int], None] | None = None,
) -> None:
    now = utcnow()
    done = 0
    for start in range(0, len(plan.new), BATCH):
        batch = plan.new[start : start + BATCH]
        ids = _insert_contacts(
            session,
            [
                {
                    "name": t.candidate.name,
                    "company": t.candidate.company,
                    "title": t.candidate.title,
                    "timezone": t.candidate.timezone,
                    "owner": t.candidate.owner,
                    "is_lead": t.candidate.is_lead,
                    "created_at": now,
                    "updated_at": now,
                }
                for t in batch
            ],
        )
        phones, emails, notes = [], [], []
        for target, contact_id in zip(batch, ids, strict=True):
            target.contact_id = contact_id
            cand = target.candidate
            phones += [
                {"contact_id": contact_id, "e164": p, "label": lb} for p, lb in cand.phones.items()
            ]
            emails += [{"contact_id": contact_id, "address": e} for e in cand.emails]
            notes += [_note(contact_id, text, now) for text in cand.notes]
        insert_rows(session, ContactPhone, phones)
        insert_rows(session, ContactEmail, emails)
        insert_rows(session, Interaction, notes)
        done += len(batch)
        if progress:
            progress(done)
    phones, emails, notes = [], [], []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for cid, target in plan.existing.items():
        if not target.changed:
            continue
        # Only empty fields are ever filled, so an UPDATE of just those columns is exact;
        # contacts filling the same columns share one executemany.
        updates.setdefault(tuple(sorted(target.filled)), []).append(
            {"_id": cid, **target.filled, "updated_at": now}
        )
        labels = target.candidate.phones
        phones += [
            {"contact_id": cid, "e164": p, "label": labels.get(p)} for p in target.added_phones
        ]
        emails += [{"contact_id": cid, "address": e} for e in target.added_emails]
        notes += [_note(cid, text, now) for text in target.added_notes]
    table = _table(Contact)
    for columns, params in updates.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(c) for c in (*columns, "updated_at")})
        )
        session.connection().execute(statement, params)
    insert_rows(session, ContactPhone, phones)
    insert_rows(session, ContactEmail, emails)
    insert_rows(session, Interaction, notes)
    session.flush()


def _note(contact_id: int, text: str, now: Any) -> dict[str, Any]:
    # Imported notes become "note" interactions: the model keeps free text there, dated
    # by the import because the export does not say when the note was written.
    return {
        "contact_id": contact_id,
        "kind": InteractionKind.NOTE,
        "direction": Direction.NONE,
        "occurred_at": now,
        "text": text,
    }
