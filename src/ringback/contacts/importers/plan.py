"""Decide what an import will do, without writing anything: validate each record, then match
it by phone or email against the contacts on file and the rows before it.

Matching is done in memory after one batch of lookups (a few ``IN (...)`` queries for all
phones and emails in the file), never with a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.contacts.editing import CHUNK, find_matches
from ringback.contacts.fields import normalise_email, normalise_timezone
from ringback.contacts.importers.records import ImportReport, RawRecord, Skip
from ringback.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    Interaction,
    InteractionKind,
)
from ringback.phones import pretty, to_e164

# Column sizes in the schema; longer values are cut (and reported) rather than failing the import.
LIMITS = {"name": 200, "company": 200, "title": 200, "owner": 200, "timezone": 64}
FIELDS = ("company", "title", "timezone", "owner")


@dataclass
class Candidate:
    row: int
    line: int
    name: str
    name_is_placeholder: bool
    company: str | None = None
    title: str | None = None
    timezone: str | None = None
    owner: str | None = None
    is_lead: bool = False
    phones: dict[str, str | None] = field(default_factory=dict)  # E.164 -> label
    emails: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [*self.phones, *self.emails]


@dataclass
class Target:
    """A contact the import ends with: one on file (``contact_id``) or one it will create."""

    candidate: Candidate  # the values the contact will have
    contact_id: int | None = None
    known_notes: set[str] = field(default_factory=set)
    filled: dict[str, str] = field(default_factory=dict)
    added_phones: list[str] = field(default_factory=list)
    added_emails: list[str] = field(default_factory=list)
    added_notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.filled or self.added_phones or self.added_emails or self.added_notes)

    def describe(self) -> dict[str, Any]:
        if self.contact_id is not None:
            return {"contact_id": self.contact_id}
        return {"row": self.candidate.row}


@dataclass
class Plan:
    new: list[Target] = field(default_factory=list)
    existing: dict[int, Target] = field(default_factory=dict)


def _cut(value: str, key: str, record: RawRecord, report: ImportReport) -> str:
    value = " ".join(value.split())
    if len(value) > LIMITS[key]:
        report.warn(record.row, record.line, f"{key} longer than {LIMITS[key]} characters, cut")
        value = value[: LIMITS[key]]
    return value


def normalise(record: RawRecord, region: str, report: ImportReport) -> Candidate | None:
    """A validated candidate, or None (and a skip in the report) when nothing identifies it."""
    for message in record.warnings:
        report.warn(record.row, record.line, message)
    phones: dict[str, str | None] = {}
    dropped: list[str] = []
    for raw, label in record.phones:
        try:
            phones.setdefault(to_e164(raw, region), label)
        except ValueError as exc:
            dropped.append(raw)
            report.warn(record.row, record.line, f"dropped phone: {exc}")
    emails: list[str] = []
    for raw in record.emails:
        try:
            address = normalise_email(raw)
        except ValueError as exc:
            dropped.append(raw)
            report.warn(record.row, record.line, f"dropped email: {exc}")
            continue
        if address not in emails and len(address) <= 320:
            emails.append(address)
    timezone = None
    if record.timezone:
        try:
            timezone = normalise_timezone(record.timezone)
        except ValueError:
            report.warn(
                record.row,
                record.line,
                f"timezone {record.timezone!r} is not an IANA name, not imported",
            )
    name = record.full_name
    placeholder = not name
    if placeholder:
        if not (emails or phones):
            why = "no name, no email and no phone"
            if dropped:
                why = (
                    f"no name and no valid email or phone (dropped {', '.join(map(repr, dropped))})"
                )
            report.skipped.append(Skip(record.row, record.line, why))
            return None
        name = emails[0] if emails else pretty(next(iter(phones)))
        report.warn(record.row, record.line, f"no name; using {name} as the name")
    return Candidate(
        row=record.row,
        line=record.line,
        name=_cut(name, "name", record, report),
        name_is_placeholder=placeholder,
        company=_cut(record.company, "company", record, report) or None,
        title=_cut(record.title, "title", record, report) or None,
        timezone=timezone,
        owner=_cut(record.owner, "owner", record, report) or None,
        is_lead=record.is_lead,
        phones=phones,
        emails=emails,
        notes=[n.strip() for n in record.notes if n.strip()],
    )


def _looks_like_stand_in(name: str, emails: list[str]) -> bool:
    # A name that is just an email or a phone number was put there for want of a real one
    # (by an earlier import); a real name from the file may replace it.
    return name in emails or bool(_PHONE_ONLY.match(name))


_PHONE_ONLY = re.compile(r"^\+?[\d\s().-]{7,}$")


def _owned_rows(
    session: Session, columns: tuple[Any, ...], model: type[Any], ids: list[int]
) -> list[tuple[Any, ...]]:
    """(contact_id, *columns) of the phone/email rows owned by these contacts, in id order.

    contact_id has no index, so each ``IN (...)`` chunk is a full scan (and on PostgreSQL
    a slow one, as bound IN lists are not hashed): past a few dozen contacts, one streamed
    scan of the table filtered here is far cheaper."""
    query = select(model.contact_id, *columns).order_by(model.id)
    if len(ids) <= 50:
        return (
            [tuple(r) for r in session.execute(query.where(model.contact_id.in_(ids)))]
            if ids
            else []
        )
    wanted = set(ids)
    return [tuple(r) for r in session.execute(query) if r[0] in wanted]


def _load_existing(session: Session, candidates: list[Candidate], plan: Plan) -> dict[str, Target]:
    """Which phones/emails in the file are already on file, and those contacts' values:
    a few batched queries of plain columns (no ORM objects: a re-import may touch them all)."""
    phones = {p for c in candidates for p in c.phones}
    emails = {e for c in candidates for e in c.emails}
    matches = find_matches(session, phones=phones, emails=emails)
    ids = sorted(matches)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            select(
                Contact.id,
                Contact.name,
                Contact.company,
                Contact.title,
                Contact.timezone,
                Contact.owner,
            ).where(Contact.id.in_(chunk))
        )
        for cid, name, company, title, timezone, owner in rows:
            plan.existing[cid] = Target(
                contact_id=cid,
                candidate=Candidate(
                    row=0,
                    line=0,
                    name=name,
                    name_is_placeholder=False,
                    company=company,
                    title=title,
                    timezone=timezone,
                    owner=owner,
                ),
            )
        for cid, text in session.execute(
            select(Interaction.contact_id, Interaction.text).where(
                Interaction.contact_id.in_(chunk), Interaction.kind == InteractionKind.NOTE
            )
        ):
            plan.existing[cid].known_notes.add(text or "")
    for cid, e164, label in _owned_rows(
        session, (ContactPhone.e164, ContactPhone.label), ContactPhone, ids
    ):
        plan.existing[cid].candidate.phones.setdefault(e164, label)
    for cid, address in _owned_rows(session, (ContactEmail.address,), ContactEmail, ids):
        plan.existing[cid].candidate.emails.append(address)
    for target in plan.existing.values():
        cand = target.candidate
        cand.name_is_placeholder = _looks_like_stand_in(cand.name, cand.emails)
    index: dict[str, Target] = {}
    for cid in ids:  # lowest id first: when the file's value is on two contacts, the oldest wins
        for value in sorted(matches[cid]):
            index.setdefault(value, plan.existing[cid])
    return index


def _merge(target: Target, cand: Candidate, report: ImportReport) -> dict[str, Any]:
    into = target.candidate
    entry: dict[str, Any] = {
        "row": cand.row,
        "line": cand.line,
        "name": cand.name,
        "into": target.describe(),
    }
    filled: dict[str, str] = {}
    conflicts: list[dict[str, str]] = []
    if not cand.name_is_placeholder and cand.name.casefold() != into.name.casefold():
        if into.name_is_placeholder:
            filled["name"] = into.name = cand.name
            into.name_is_placeholder = False
        else:
            conflicts.append({"field": "name", "kept": into.name, "file": cand.name})
    for key in FIELDS:
        new, old = getattr(cand, key), getattr(into, key)
        if not new:
            continue
        if not old:
            setattr(into, key, new)
            filled[key] = new
        elif old.casefold() != new.casefold():
            conflicts.append({"field": key, "kept": old, "file": new})
    phones = [p for p in cand.phones if p not in into.phones]
    emails = [e for e in cand.emails if e not in into.emails]
    notes = [n for n in cand.notes if n not in into.notes and n not in target.known_notes]
    for phone in phones:
        into.phones[phone] = cand.phones[phone]
    into.emails += emails
    into.notes += notes
    if target.contact_id is not None:
        target.filled.update(filled)
        target.added_phones += phones
        target.added_emails += emails
        target.added_notes += notes
    entry.update(filled=filled, added_phones=phones, added_emails=emails, conflicts=conflicts)
    if notes:
        entry["added_notes"] = len(notes)
    return entry


def plan_import(
    session: Session,
    records: list[RawRecord],
    *,
    region: str,
    report: ImportReport,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    plan = Plan()
    candidates: list[Candidate] = []
    for number, record in enumerate(records, start=1):
        cand = normalise(record, region, report)
        if cand is not None:
            candidates.append(cand)
        if progress and number % 1000 == 0:
            progress(number)
    index = _load_existing(session, candidates, plan)
    for cand in candidates:
        targets: list[Target] = []
        for key in cand.keys:
            found = index.get(key)
            if found is not None and all(found is not t for t in targets):
                targets.append(found)
        if not targets:
            target = Target(candidate=cand)
            plan.new.append(target)
        else:
            target = targets[0]
            entry = _merge(target, cand, report)
            changed = entry["filled"] or entry["added_phones"] or entry["added_emails"]
            if (
                target.contact_id is None
                or changed
                or entry["conflicts"]
                or entry.get("added_notes")
            ):
                report.merged.append(entry)
            else:
                report.unchanged += 1
            for other in targets[1:]:
                report.warn(
                    cand.row,
                    cand.line,
                    f"also matches {_where(other)} by phone or email; merged into {_where(target)} "
                    "only — check whether they are the same person",
                )
        for key in cand.keys:
            index.setdefault(key, target)
    return plan


def _where(target: Target) -> str:
    if target.contact_id is not None:
        return f"contact {target.contact_id}"
    return f"row {target.candidate.row}"
