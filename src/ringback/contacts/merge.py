"""Two contacts that are one person become one: ``ringback contacts merge A B``.

B's numbers and emails (those A lacks), back story, interactions, follow-ups, and every row
another room keeps about B (voicemails, outreach events, sequences, an opt-out) move to A;
fields A leaves empty (company, title, timezone, owner) are filled from B; then B is
removed. All in the caller's one transaction, so a failure moves nothing.

The rows other rooms keep are found from the database's own foreign keys to
``contacts.id`` rather than by importing their models: contacts sits below every other
domain, and a table added later (a new room's) is moved without this module knowing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.orm import Session

from ringback.contacts.models import Contact, ContactEmail, ContactPhone

# How a table's rows are named to a person; a table not listed is shown by its name.
WHAT = {
    "contact_phones": "numbers",
    "contact_emails": "emails",
    "back_story_items": "back-story items",
    "interactions": "interactions",
    "follow_ups": "follow-ups",
    "voicemails": "voicemails",
    "outreach_events": "outreach events",
    "followup_sequences": "sequences",
    "contact_opt_outs": "opt-outs",
    "webhook_deliveries": "webhook deliveries",  # which contact a sent payload names
}
_FILLED = ("company", "title", "timezone", "owner")


class SameContact(ValueError):
    """Merging a contact with itself."""


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved (or, with ``dry_run``, would move) from the removed contact."""

    keep_id: int
    keep_name: str
    merged_id: int
    merged_name: str
    moved: tuple[tuple[str, int], ...]  # (what, how many), in the order of WHAT
    filled: tuple[str, ...]  # fields of the kept contact filled from the merged one
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        """The ``ringback contacts merge --json`` contract."""
        return {
            "kept": {"id": self.keep_id, "name": self.keep_name},
            "merged": {"id": self.merged_id, "name": self.merged_name},
            "moved": dict(self.moved),
            "filled": list(self.filled),
            "dry_run": self.dry_run,
        }


class Reference(NamedTuple):
    """A column pointing at ``contacts.id``, as the database declares it."""

    table: str
    column: str
    is_key: bool  # the table's whole primary key (one row per contact: an opt-out)
    on_delete: str  # "CASCADE": the row goes with the contact; "SET NULL": it stays


def references(session: Session) -> list[Reference]:
    """Every column pointing at ``contacts.id``, in the order of WHAT (then by name): what
    a merge moves, and what a deletion takes with it or leaves unlinked
    (:mod:`ringback.contacts.removal`), read from one place."""
    inspector = inspect(session.connection())
    out: list[Reference] = []
    for name in inspector.get_table_names():
        primary = inspector.get_pk_constraint(name).get("constrained_columns") or []
        for fk in inspector.get_foreign_keys(name):
            if fk.get("referred_table") == "contacts" and len(fk["constrained_columns"]) == 1:
                col = fk["constrained_columns"][0]
                rule = str((fk.get("options") or {}).get("ondelete") or "NO ACTION").upper()
                out.append(Reference(name, col, primary == [col], rule))
    order = list(WHAT)
    out.sort(key=lambda r: (order.index(r.table) if r.table in order else len(order), r.table))
    return out


def _move_rows(
    session: Session, name: str, col: str, is_key: bool, *, keep: int, merge: int, dry: bool
) -> int:
    """Point ``name.col`` rows from ``merge`` to ``keep``; how many."""
    rows = table(name, column(col))
    target = rows.c[col]
    count = session.scalar(select(func.count()).select_from(rows).where(target == merge)) or 0
    if dry or not count:
        return count
    if is_key and session.scalar(select(func.count()).select_from(rows).where(target == keep)):
        # One row per contact (an opt-out): the kept contact's own row stands.
        session.execute(rows.delete().where(target == merge))
    else:
        session.execute(rows.update().where(target == merge).values({col: keep}))
    return count


def _drop_duplicates(keep: Contact, merge: Contact, *, dry: bool) -> dict[str, int]:
    """B's numbers and emails A already has are dropped, not moved (they would be twice);
    how many of each, so that a dry run counts only what would move."""
    have = {p.e164 for p in keep.phones}
    mails = {e.address for e in keep.emails}
    twice: list[ContactPhone | ContactEmail] = [p for p in merge.phones if p.e164 in have]
    twice += [e for e in merge.emails if e.address in mails]
    dropped = {"contact_phones": 0, "contact_emails": 0}
    for item in twice:
        if isinstance(item, ContactPhone):
            dropped["contact_phones"] += 1
            if not dry:
                merge.phones.remove(item)
        else:
            dropped["contact_emails"] += 1
            if not dry:
                merge.emails.remove(item)
    return dropped if dry else {}


def merge_into(
    session: Session, *, keep: Contact, merge: Contact, dry_run: bool = False
) -> MergeResult:
    """Move everything of ``merge`` to ``keep`` and remove it (see the module docstring);
    with ``dry_run``, only count. Raises SameContact for one contact given twice."""
    if keep.id == merge.id:
        raise SameContact("a contact cannot be merged with itself: name two different contacts")
    dropped = _drop_duplicates(keep, merge, dry=dry_run)
    if not dry_run:
        session.flush()
    filled = tuple(f for f in _FILLED if not getattr(keep, f) and getattr(merge, f))
    moved: list[tuple[str, int]] = []
    for name, col, is_key, _rule in references(session):
        count = _move_rows(session, name, col, is_key, keep=keep.id, merge=merge.id, dry=dry_run)
        count -= dropped.get(name, 0)
        if count:
            moved.append((WHAT.get(name, name), count))
    result = MergeResult(keep.id, keep.name, merge.id, merge.name, tuple(moved), filled, dry_run)
    if not dry_run:
        for f in filled:
            setattr(keep, f, getattr(merge, f))
        keep.is_lead = keep.is_lead and merge.is_lead  # a client once is a client
        session.flush()
        session.expire_all()  # the relationships loaded above still list B's old rows
        session.delete(session.get(Contact, merge.id))
        session.flush()
    return result
