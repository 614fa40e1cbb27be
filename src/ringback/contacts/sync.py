"""Contacts, interactions and follow-ups a page at a time, in id order, optionally only
what changed since a moment: how another tool (a CRM, a dialer) keeps in step through the
API. Keyword-only functions on a Session returning frozen records; they never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from ringback.contacts.history import FollowUpNotFound, add_interaction, complete_follow_up
from ringback.contacts.models import Contact, Direction, FollowUp, Interaction, InteractionKind
from ringback.contacts.records import (
    ContactDetail,
    ContactRecord,
    FollowUpRecord,
    InteractionRecord,
)
from ringback.contacts.search import contacts_matching, search_text
from ringback.db.base import utcnow
from ringback.db.paging import Page, Window, keyset

T = TypeVar("T")


class NoSuchContact(LookupError):
    """No contact has this id (or the acting user may not see it)."""


def _contact(session: Session, contact_id: int, *, full: bool = False) -> Contact:
    options = [selectinload(Contact.phones), selectinload(Contact.emails)]
    if full:
        options += [
            selectinload(Contact.back_story),
            selectinload(Contact.interactions),
            selectinload(Contact.follow_ups),
        ]
    found = session.scalar(select(Contact).where(Contact.id == contact_id).options(*options))
    if found is None:
        raise NoSuchContact(f"no contact with id {contact_id}")
    return found


def _page(
    session: Session,
    query: Select[Any],
    model: type[Contact | Interaction | FollowUp],
    window: Window,
    record: Callable[[Any], T],
) -> Page[T]:
    """Rows of ``model`` in id order after ``window.after``, changed since its
    ``updated_at``, each made a record by ``record``."""
    return keyset(
        session,
        query,
        id_column=model.id,
        updated_column=model.updated_at,
        window=window,
        convert=lambda rows: [record(row) for row in rows],
    )


def contact_page(
    session: Session, *, window: Window, region: str, search: str | None = None
) -> Page[ContactRecord]:
    """Contacts in id order after ``window.after`` (changed since ``updated_since``); with
    ``search``, only those it finds (:func:`ringback.contacts.search.contacts_matching`,
    a phone read as ``region``'s), the same as the CLI's and the web app's search."""
    query = select(Contact).options(selectinload(Contact.phones), selectinload(Contact.emails))
    if search_text(search):
        query = query.where(contacts_matching(query=search or "", region=region))
    return _page(session, query, Contact, window, ContactRecord.of)


def contact_by_id(session: Session, *, contact_id: int, recent: int = 10) -> ContactDetail:
    """The contact with this id, its back story, latest interactions and open follow-ups
    (:class:`NoSuchContact` if none: an id is never read as a name or a number)."""
    return ContactDetail.of(_contact(session, contact_id, full=True), recent=recent)


def interaction_page(
    session: Session, *, contact_id: int, window: Window
) -> Page[InteractionRecord]:
    """One contact's interactions in id order (:class:`NoSuchContact` if none)."""
    _contact(session, contact_id)
    query = select(Interaction).where(Interaction.contact_id == contact_id)
    return _page(session, query, Interaction, window, InteractionRecord.of)


def log_interaction(
    session: Session,
    *,
    contact_id: int,
    kind: InteractionKind | str,
    direction: Direction | str = Direction.NONE,
    occurred_at: datetime | None = None,
    outcome: str | None = None,
    text: str | None = None,
) -> InteractionRecord:
    """Add an interaction (a call, an email, a meeting, a note) to a contact's timeline."""
    contact = _contact(session, contact_id)
    item = add_interaction(
        session,
        contact=contact,
        kind=InteractionKind(kind),
        direction=Direction(direction),
        occurred_at=occurred_at,
        outcome=outcome,
        text=text,
    )
    return InteractionRecord.of(item)


def follow_up_page(
    session: Session, *, window: Window, open_only: bool = False
) -> Page[FollowUpRecord]:
    """Follow-up tasks in id order (only the open ones with ``open_only``)."""
    query = select(FollowUp)
    if open_only:
        query = query.where(FollowUp.done_at.is_(None))
    return _page(session, query, FollowUp, window, FollowUpRecord.of)


def finish_follow_up(session: Session, *, follow_up_id: int) -> tuple[FollowUpRecord, bool]:
    """Mark a follow-up done: the record and whether it was open until now
    (:class:`~ringback.contacts.history.FollowUpNotFound` if there is none)."""
    item, changed = complete_follow_up(session, follow_up_id=follow_up_id)
    return FollowUpRecord.of(item), changed


__all__ = [
    "FollowUpNotFound",
    "NoSuchContact",
    "contact_by_id",
    "contact_page",
    "finish_follow_up",
    "follow_up_page",
    "interaction_page",
    "log_interaction",
    "update_contact",
]


def update_contact(
    session: Session,
    *,
    contact_id: int,
    fields: dict[str, str | None],
    phones: tuple[Sequence[str], Sequence[str]] = ((), ()),
    emails: tuple[Sequence[str], Sequence[str]] = ((), ()),
    region: str,
) -> ContactRecord:
    """Change the contact with this id: ``fields`` (name, company, title, timezone),
    phones and emails as (to add, to remove). :class:`NoSuchContact`, or ValueError
    (a DuplicateContact among them) before anything is written."""
    from ringback.contacts.editing import apply_edit

    contact = _contact(session, contact_id)
    apply_edit(
        session,
        contact=contact,
        fields=dict(fields),
        phones=phones,
        emails=emails,
        region=region,
        allow_duplicate=False,
    )
    contact.updated_at = utcnow()  # a phone or email alone changes no column of its own
    session.flush()
    return ContactRecord.of(contact)
