"""Contact search, the one rule every interface uses (the CLI's ``contacts list --search``,
the web app's search box, the API's ``GET /api/v1/contacts?search=``), the contact list as
a page shows it (50 a page), and the "is this person already here?" check before adding one.

What a search matches (:data:`SEARCHED_FIELDS`, :func:`contacts_matching`): the text
anywhere in the contact's name, company, job title or any of their email addresses,
ignoring case; and, when the text is mostly digits, any of their phone numbers as typed
(see :func:`phone_matching`). Back story and notes are not searched: they are long free
text, often private asides ("going through a divorce"), and a contact listed for a word
buried in them would show no reason why it matched (a list row shows the name, company,
phone and email); they would also make every keystroke scan the biggest text table.
The search runs in the session, so it finds only the contacts its user may see
(:mod:`ringback.accounts.scope`): another rep's never match.

Each page is one query (first phone and email as correlated subqueries, one more row than
shown to know whether there is a next page), so the list stays fast with tens of
thousands of contacts and no row costs a query of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, or_, select, true

from ringback.contacts.models import Contact, ContactEmail, ContactPhone
from ringback.phones import after_trunk_prefix, digits, e164_or_none

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PER_PAGE = 50
MAX_PAGE = 10_000
MIN_PHONE_DIGITS = 3  # fewer digits match half the book: not a phone search
MAX_QUERY = 200  # characters of a search kept: longer text is no search anyone types
SEARCHED_FIELDS = ("name", "company", "job title", "email", "phone")


@dataclass(frozen=True)
class ContactRow:
    """One line of the contact list."""

    id: int
    name: str
    company: str | None
    phone: str | None  # the first, E.164
    email: str | None  # the first


@dataclass(frozen=True)
class ContactPage:
    """A page of contacts by name; ``query`` as searched (stripped)."""

    items: tuple[ContactRow, ...]
    query: str
    page: int
    has_more: bool


@dataclass(frozen=True)
class ProbableDuplicate:
    """A contact that looks like the one being added, and why."""

    id: int
    name: str
    reason: str


def escape_like(text: str) -> str:
    """``text`` safe inside a LIKE pattern with ``escape="\\"``: % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def phone_matching(query: str, region: str):  # type: ignore[no-untyped-def]  # SQL
    """Contacts with a phone that matches ``query`` as typed any way, as one condition (a
    subquery over the stored E.164 numbers) that SQLite and PostgreSQL both run:

    - its digits anywhere in the number: "(415) 555" and "7946 0123" are part of
      +14155550137 and +442079460123 as typed;
    - a partial number written the national way, with ``region``'s trunk prefix (the
      user's default region; the prefix and country code come from phonenumbers'
      metadata, see :func:`ringback.phones.after_trunk_prefix`): the prefix stands for
      the start of the number after the country code, so a UK user's "07700 900" is the
      numbers that start +447700900. It needs :data:`MIN_PHONE_DIGITS` digits after the
      prefix, as any phone search does, so "0" or "07" alone match nobody by phone;
    - the whole number read as ``region``'s: "020 7946 0123" is +442079460123.
    """
    found: list[Any] = [ContactPhone.e164.like(f"%{digits(query)}%")]
    national = after_trunk_prefix(query, region)
    if national is not None and len(national[1]) >= MIN_PHONE_DIGITS:
        country_code, rest = national  # digits only: nothing in them is a LIKE wildcard
        found.append(ContactPhone.e164.like(f"+{country_code}{rest}%"))
    whole = e164_or_none(query, region)
    if whole is not None:
        found.append(ContactPhone.e164 == whole)
    return Contact.id.in_(select(ContactPhone.contact_id).where(or_(*found)))


def search_text(query: str | None) -> str:
    """``query`` as searched: spaces collapsed, at most :data:`MAX_QUERY` characters, no
    NUL (PostgreSQL refuses one in a text parameter; nobody types it)."""
    return " ".join((query or "").replace("\x00", "").split())[:MAX_QUERY]


def looks_like_a_phone(text: str) -> bool:
    """Enough digits, and mostly digits: "415 555" is a number; "Suite 415" or a company
    called "3M Sales" is not, and searching phones for it would list strangers."""
    number = digits(text)
    return len(number) >= MIN_PHONE_DIGITS and len(number) * 2 >= len(text.replace(" ", ""))


def contacts_matching(*, query: str, region: str) -> ColumnElement[bool]:
    """The condition a contact meets when ``query`` finds them (see the module's docstring:
    name, company, job title, email, and phone read as ``region``'s); always true when it
    is blank. One ``WHERE`` on ``Contact`` for every list that searches (a page by name, a
    page by id, the CLI's list): run in an acting session, it finds only the contacts that
    session's user may see."""
    text = search_text(query)
    if not text:
        return true()
    # Both sides lower-cased: LIKE is case-sensitive on PostgreSQL (and ILIKE unknown to
    # SQLite). Emails are stored lower-cased.
    needle = f"%{escape_like(text.lower())}%"
    conditions: list[Any] = [
        func.lower(Contact.name).like(needle, escape="\\"),
        func.lower(Contact.company).like(needle, escape="\\"),
        func.lower(Contact.title).like(needle, escape="\\"),
        Contact.id.in_(
            select(ContactEmail.contact_id).where(ContactEmail.address.like(needle, escape="\\"))
        ),
    ]
    if looks_like_a_phone(text):
        conditions.append(phone_matching(text, region))
    return or_(*conditions)


def first_phone_of_contact() -> Any:
    """A correlated subquery: the contact's first phone (E.164), for a select that has
    ``Contact`` in it, so a list shows a number without a query per row."""
    return (
        select(ContactPhone.e164)
        .where(ContactPhone.contact_id == Contact.id)
        .order_by(ContactPhone.id)
        .limit(1)
        .scalar_subquery()
    )


def search_contacts(
    session: Session, *, query: str = "", region: str, page: int = 1, per_page: int = PER_PAGE
) -> ContactPage:
    """Page ``page`` (from 1) of the contacts ``query`` finds (:func:`contacts_matching`;
    every contact when it is blank), by name: one query per page."""
    text = search_text(query)
    page = min(max(page, 1), MAX_PAGE)
    first_phone = first_phone_of_contact()
    first_email = (
        select(ContactEmail.address)
        .where(ContactEmail.contact_id == Contact.id)
        .order_by(ContactEmail.id)
        .limit(1)
        .scalar_subquery()
    )
    statement = select(Contact.id, Contact.name, Contact.company, first_phone, first_email)
    if text:
        statement = statement.where(contacts_matching(query=text, region=region))
    statement = (
        statement.order_by(func.lower(Contact.name), Contact.id)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = session.execute(statement).all()
    items = tuple(ContactRow(*row) for row in rows[:per_page])
    return ContactPage(items=items, query=text, page=page, has_more=len(rows) > per_page)


def probable_duplicates(
    session: Session, *, name: str, phones: tuple[str, ...] = (), emails: tuple[str, ...] = ()
) -> tuple[ProbableDuplicate, ...]:
    """Contacts that are probably the person being added: the same phone (E.164) or email
    (lower-cased), or the same name; the first few, by id."""
    from ringback.contacts.editing import find_matches

    held = find_matches(session, phones=phones, emails=emails)
    same_name = set(
        session.scalars(
            select(Contact.id).where(func.lower(Contact.name) == " ".join(name.split()).lower())
        )
    )
    ids = sorted(set(held) | same_name)[:5]
    if not ids:
        return ()
    names = dict(session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(ids))).all())
    found = []
    for cid in ids:
        reason = (
            "has the same " + ("phone or email" if cid in held else "name") if cid in names else ""
        )
        found.append(ProbableDuplicate(cid, names.get(cid, ""), reason))
    return tuple(found)
