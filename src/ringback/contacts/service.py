"""Contact operations. Keyword-only functions that take a Session and never commit themselves:
the caller's :func:`ringback.db.session.transaction` decides, so a failure writes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ringback.contacts.fields import normalise_email, normalise_timezone
from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    ContactEmail,
    ContactPhone,
    FollowUp,
    Interaction,
    InteractionKind,
)
from ringback.inputs import as_id
from ringback.phones import digits, pretty, to_e164

# Stay well under SQLite's bound-parameter limit in IN (...) lookups.
CHUNK = 500


class ContactNotFound(LookupError):
    pass


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


def summary(*, url: str) -> dict[str, Any]:
    from ringback.db.session import transaction

    with transaction(url) as session:
        return {
            "contacts": session.scalar(select(func.count()).select_from(Contact)) or 0,
            "open_follow_ups": session.scalar(
                select(func.count()).select_from(FollowUp).where(FollowUp.done_at.is_(None))
            )
            or 0,
        }


def _loaded() -> Any:
    return (
        selectinload(Contact.phones),
        selectinload(Contact.emails),
        selectinload(Contact.back_story),
        selectinload(Contact.interactions),
        selectinload(Contact.follow_ups),
    )


def _ids_by_phone(session: Session, text: str, region: str) -> list[int]:
    try:
        e164 = to_e164(text, region)
    except ValueError:
        return []
    return list(session.scalars(select(ContactPhone.contact_id).where(ContactPhone.e164 == e164)))


def get_contact(session: Session, *, ref: str | int, region: str = "US") -> Contact:
    """Find one contact by id, phone, email or name; raises ContactNotFound saying why.

    A name may be partial ("bill") as long as it picks out exactly one contact.
    """
    text = str(ref).strip().lstrip("#")
    if not text:
        raise ContactNotFound("no contact given")
    # Short digit strings are ids; long ones are more likely phone numbers typed bare.
    if text.isdigit() and len(text) < 7:
        row_id = as_id(text)
        contact = session.get(Contact, row_id, options=_loaded()) if row_id else None
        if contact is None:
            raise ContactNotFound(f"no contact with id {text}")
        return contact
    ids: list[int] = []
    if "@" in text:
        ids = list(
            session.scalars(
                select(ContactEmail.contact_id).where(ContactEmail.address == text.lower())
            )
        )
    elif len(digits(text)) >= 7:
        ids = _ids_by_phone(session, text, region)
        row_id = as_id(text) if not ids else None  # None: beyond any id, so not one
        if row_id is not None:
            contact = session.get(Contact, row_id, options=_loaded())
            if contact is not None:
                return contact
    if not ids:
        ids = list(
            session.scalars(select(Contact.id).where(func.lower(Contact.name) == text.lower()))
        )
    if not ids and "@" not in text:
        ids = list(
            session.scalars(
                select(Contact.id).where(
                    func.lower(Contact.name).like(f"%{_escape(text.lower())}%", escape="\\")
                )
            )
        )
    unique = sorted(set(ids))
    if not unique:
        raise ContactNotFound(f"no contact matches {text!r}")
    if len(unique) > 1:
        names = session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(unique[:5])))
        listed = ", ".join(f"{cid} {name}" for cid, name in names)
        more = f" and {len(unique) - 5} more" if len(unique) > 5 else ""
        raise ContactNotFound(
            f"{text!r} matches {len(unique)} contacts ({listed}{more}); use the id"
        )
    return get_contact(session, ref=unique[0])


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


def normalise_phones(raw: Iterable[str], region: str) -> list[str]:
    out: list[str] = []
    for value in raw:
        e164 = to_e164(value, region)
        if e164 not in out:
            out.append(e164)
    return out


def normalise_emails(raw: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in raw:
        address = normalise_email(value)
        if address not in out:
            out.append(address)
    return out


# The schema's column sizes; checked here so PostgreSQL never gets to refuse a long value.
_MAX_LENGTH = {"name": 200, "company": 200, "title": 200, "owner": 200}


def _check_lengths(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        limit = _MAX_LENGTH.get(key)
        if limit and value and len(value.strip()) > limit:
            raise ValueError(f"the {key} is {len(value.strip())} characters long; at most {limit}")


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


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
    region: str = "US",
    allow_duplicate: bool = False,
) -> Contact:
    """Validate everything first, then write: a bad phone or email raises before any row exists."""
    if not name.strip():
        raise ValueError("the name is empty")
    _check_lengths({"name": name, "company": company, "title": title, "owner": owner})
    e164s = normalise_phones(phones, region)
    addresses = normalise_emails(emails)
    tz = normalise_timezone(timezone) if timezone else None
    if not allow_duplicate:
        matches = find_matches(session, phones=e164s, emails=addresses)
        if matches:
            raise _duplicate(session, matches)
    contact = Contact(
        name=name.strip(),
        company=_blank_to_none(company),
        title=_blank_to_none(title),
        timezone=tz,
        owner=_blank_to_none(owner),
        phones=[ContactPhone(e164=p) for p in e164s],
        emails=[ContactEmail(address=a) for a in addresses],
    )
    session.add(contact)
    session.flush()
    return contact


def update_contact(
    session: Session,
    *,
    contact: Contact,
    fields: dict[str, str | None],
    add_phones: Sequence[str] = (),
    remove_phones: Sequence[str] = (),
    add_emails: Sequence[str] = (),
    remove_emails: Sequence[str] = (),
    region: str = "US",
    allow_duplicate: bool = False,
) -> list[str]:
    """Apply an edit; returns what changed, in words. Raises ValueError before writing anything."""
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
    _check_lengths(fields)
    if not allow_duplicate:
        matches = find_matches(session, phones=new_phones, emails=new_emails, exclude_id=contact.id)
        if matches:
            raise _duplicate(session, matches)
    for key, raw in fields.items():
        cleaned = _blank_to_none(raw)
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


def list_contacts(
    session: Session, *, search: str | None = None, limit: int | None = None
) -> tuple[list[Contact], int, dict[int, tuple[datetime, str]]]:
    """Contacts by name (matching ``search`` in name, company, title, email or phone digits),
    how many matched in all, and each listed contact's last interaction."""
    query = select(Contact.id)
    if search and search.strip():
        needle = f"%{_escape(search.strip().lower())}%"
        conditions = [
            func.lower(Contact.name).like(needle, escape="\\"),
            func.lower(Contact.company).like(needle, escape="\\"),
            func.lower(Contact.title).like(needle, escape="\\"),
            Contact.id.in_(
                select(ContactEmail.contact_id).where(
                    ContactEmail.address.like(needle, escape="\\")
                )
            ),
        ]
        number = digits(search)
        if len(number) >= 3:
            conditions.append(
                Contact.id.in_(
                    select(ContactPhone.contact_id).where(ContactPhone.e164.like(f"%{number}%"))
                )
            )
        query = query.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = (
        select(Contact)
        .where(Contact.id.in_(query))
        .options(selectinload(Contact.phones), selectinload(Contact.emails))
        .order_by(func.lower(Contact.name), Contact.id)
    )
    if limit:
        ordered = ordered.limit(limit)
    contacts = list(session.scalars(ordered))
    last: dict[int, tuple[datetime, str]] = {}
    ids = [c.id for c in contacts]
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Interaction.contact_id, Interaction.occurred_at, Interaction.kind)
            .where(Interaction.contact_id.in_(ids[start : start + CHUNK]))
            # A note (typed or imported) is not a moment with the person.
            .where(Interaction.kind != InteractionKind.NOTE)
            .order_by(Interaction.occurred_at)
        )
        for cid, when, kind in rows:
            last[cid] = (when, kind.value)
    return contacts, total, last


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
        phrase=_blank_to_none(phrase),
        source=_blank_to_none(source),
        noted_on=noted_on,
    )
    contact.back_story.append(item)
    session.flush()
    return item


def contact_dict(contact: Contact) -> dict[str, Any]:
    """The contact's own fields as plain JSON-ready values."""
    return {
        "id": contact.id,
        "name": contact.name,
        "company": contact.company,
        "title": contact.title,
        "phones": [p.e164 for p in contact.phones],
        "emails": [e.address for e in contact.emails],
        "timezone": contact.timezone,
        "owner": contact.owner,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }
