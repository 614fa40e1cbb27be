"""Writing contacts: a new contact, an edit, a back-story item, and the duplicate check
both run first. Validate everything, then write; never commit (the caller's transaction
decides). Called through :mod:`ringback.contacts.service`, which returns records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Required, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.contacts.fields import (
    blank_to_none,
    check_lengths,
    normalise_emails,
    normalise_phones,
    normalise_timezone,
)
from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    ContactEmail,
    ContactPhone,
)
from ringback.phones import pretty

# Stay well under SQLite's bound-parameter limit in IN (...) lookups.
CHUNK = 500


class DuplicateContact(ValueError):
    """The phone or email already belongs to another contact."""

    def __init__(self, matches: dict[int, set[str]], names: dict[int, str] | None = None) -> None:
        self.matches = matches
        names = names or {}
        parts = []
        for cid, values in sorted(matches.items()):
            shown = ", ".join(pretty(v) if v.startswith("+") else v for v in sorted(values))
            who = f"contact {cid}" + (f" ({names[cid]})" if cid in names else "")
            parts.append(f"{shown} already belongs to {who}")
        super().__init__("; ".join(parts))


def _duplicate(session: Session, matches: dict[int, set[str]]) -> DuplicateContact:
    query = select(Contact.id, Contact.name).where(Contact.id.in_(list(matches)))
    names = {cid: name for cid, name in session.execute(query)}
    return DuplicateContact(matches, names)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def find_matches(
    session: Session,
    *,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_id: int | None = None,
) -> dict[int, set[str]]:
    """Contacts already holding any of these E.164 phones or lower-cased emails, in a few
    queries however many values are asked about: contact id → the values it holds."""
    found: dict[int, set[str]] = {}
    for column, owner, values in (
        (ContactPhone.e164, ContactPhone.contact_id, sorted(set(phones))),
        (ContactEmail.address, ContactEmail.contact_id, sorted(set(emails))),
    ):
        for chunk in _chunks(values):
            for cid, value in session.execute(select(owner, column).where(column.in_(chunk))):
                if cid != exclude_id:
                    found.setdefault(cid, set()).add(value)
    return found


class NewContact(TypedDict, total=False):
    """The keyword arguments of :func:`add_contact`, so the service can pass them through
    (typed) without spelling the list out a second time."""

    name: Required[str]
    company: str | None
    title: str | None
    phones: Sequence[str]
    emails: Sequence[str]
    timezone: str | None
    owner: str | None
    region: Required[str]
    allow_duplicate: bool


def add_contact(
    session: Session,
    *,
    name: str,
    company: str | None = None,
    title: str | None = None,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    timezone: str | None = None,
    owner: str | None = None,
    region: str,
    allow_duplicate: bool = False,
) -> Contact:
    """Validate everything first, then write: a bad phone or email raises before any row exists."""
    if not name.strip():
        raise ValueError("the name is empty")
    check_lengths({"name": name, "company": company, "title": title, "owner": owner})
    e164s = normalise_phones(phones, region)
    addresses = normalise_emails(emails)
    tz = normalise_timezone(timezone) if timezone else None
    if not allow_duplicate:
        matches = find_matches(session, phones=e164s, emails=addresses)
        if matches:
            raise _duplicate(session, matches)
    contact = Contact(
        name=name.strip(),
        company=blank_to_none(company),
        title=blank_to_none(title),
        timezone=tz,
        owner=blank_to_none(owner),
        phones=[ContactPhone(e164=p) for p in e164s],
        emails=[ContactEmail(address=a) for a in addresses],
    )
    session.add(contact)
    session.flush()
    return contact


def apply_edit(
    session: Session,
    *,
    contact: Contact,
    fields: dict[str, str | None],
    phones: tuple[Sequence[str], Sequence[str]],
    emails: tuple[Sequence[str], Sequence[str]],
    region: str,
    allow_duplicate: bool,
) -> list[str]:
    """Apply an edit (phones and emails: (to add, to remove)); returns what changed, in
    words. Raises ValueError before writing anything."""
    add_phones, remove_phones = phones
    add_emails, remove_emails = emails
    changes: list[str] = []
    new_phones = [p for p in normalise_phones(add_phones, region)]
    new_emails = normalise_emails(add_emails)
    drop_phones = normalise_phones(remove_phones, region)
    drop_emails = normalise_emails(remove_emails)
    have_phones = {p.e164 for p in contact.phones}
    have_emails = {e.address for e in contact.emails}
    for value in drop_phones:
        if value not in have_phones:
            raise ValueError(f"contact {contact.id} has no phone {pretty(value)}")
    for value in drop_emails:
        if value not in have_emails:
            raise ValueError(f"contact {contact.id} has no email {value}")
    if fields.get("timezone"):
        fields["timezone"] = normalise_timezone(str(fields["timezone"]))
    if "name" in fields and not (fields["name"] or "").strip():
        raise ValueError("the name cannot be empty")
    check_lengths(fields)
    if not allow_duplicate:
        matches = find_matches(session, phones=new_phones, emails=new_emails, exclude_id=contact.id)
        if matches:
            raise _duplicate(session, matches)
    for key, raw in fields.items():
        cleaned = blank_to_none(raw)
        if getattr(contact, key) != cleaned:
            changes.append(f"{key}: {getattr(contact, key) or '—'} → {cleaned or '—'}")
            setattr(contact, key, cleaned)
    contact.phones = [p for p in contact.phones if p.e164 not in drop_phones]
    contact.emails = [e for e in contact.emails if e.address not in drop_emails]
    changes += [f"removed phone {pretty(p)}" for p in drop_phones]
    changes += [f"removed email {e}" for e in drop_emails]
    for value in new_phones:
        if value not in have_phones or value in drop_phones:
            contact.phones.append(ContactPhone(e164=value))
            changes.append(f"added phone {pretty(value)}")
    for value in new_emails:
        if value not in have_emails or value in drop_emails:
            contact.emails.append(ContactEmail(address=value))
            changes.append(f"added email {value}")
    session.flush()
    return changes


def add_back_story(
    session: Session,
    *,
    contact: Contact,
    kind: BackStoryKind | str,
    text: str,
    source: str | None = None,
    noted_on: date | None = None,
    phrase: str | None = None,
) -> BackStoryItem:
    """Record a back-story note; ``phrase`` is what messages say for it, when the user
    wrote one (else they use :func:`ringback.contacts.story.suggested_phrase`)."""
    if not text.strip():
        raise ValueError("back-story text is empty")
    item = BackStoryItem(
        kind=BackStoryKind(kind),
        text=text.strip(),
        phrase=blank_to_none(phrase),
        source=blank_to_none(source),
        noted_on=noted_on,
    )
    contact.back_story.append(item)
    session.flush()
    return item
