"""What the Today and Contacts pages format with, and what a contact's page shows: the
lookups are the services'; this module only gathers them for the templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from ringback.contacts.backstory import StoryItemNotFound
from ringback.contacts.service import ContactNotFound
from ringback.mail.render import tel_href
from ringback.phones import pretty
from ringback.web.auth import user_transaction

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.service import UserView
    from ringback.config import Settings
    from ringback.contacts.models import Contact

T = TypeVar("T")


def helpers(settings: Settings) -> dict[str, Any]:
    """Formatting for the templates: times in words in the user's timezone (the one
    formatter, :mod:`ringback.timefmt`), ``tel:`` links and numbers as people write them."""
    from ringback.timefmt import format_when

    now = datetime.now(settings.tz)
    return {
        "when": lambda moment: format_when(moment, settings.tz, now=now),
        "tel": tel_href,
        "number": pretty,
    }


def visible(session: Session, contact_id: int, user: UserView | None) -> Contact:
    """The contact, when this user may see it (the session acts as them:
    ``ringback.accounts.scope``); else ContactNotFound (the 404 page), so another user's
    contact looks like no contact at all."""
    from ringback.contacts.models import Contact

    found = session.get(Contact, contact_id)
    if found is None:
        raise ContactNotFound(f"no contact with id {contact_id}")
    return found


def contact_context(
    session: Session, settings: Settings, *, contact_id: int, user: UserView | None, now: datetime
) -> dict[str, Any]:
    """Everything the contact's page shows, from the services."""
    from ringback.accounts.scope import may_change
    from ringback.contacts.backstory import kind_choices, story_groups
    from ringback.contacts.records import ContactRecord
    from ringback.prep.service import brief_for_contact
    from ringback.voicemail.timeline import contact_timeline

    contact = visible(session, contact_id, user)
    return {
        "contact": ContactRecord.of(contact),
        "story": story_groups(session, contact_id=contact_id),
        "kinds": kind_choices(),
        "timeline": contact_timeline(session, contact_id=contact_id),
        "brief": brief_for_contact(session, contact_ref=contact_id, settings=settings, now=now),
        "composed": None,
        "compose_form": {"reason": "", "value": "", "next_step": ""},
        "story_message": None,
        "note_message": None,
        "contact_id": contact_id,
        "can_delete": may_change(session, contact),  # who may delete it
    }


def settings_of(request: Request) -> Settings:
    """The settings the app serves."""
    settings: Settings = request.app.state.settings
    return settings


async def in_db(request: Request, work: Callable[[Session, Settings], T]) -> T:
    """``work(session, settings)`` in one transaction, off the event loop; a contact that
    is not there (or not this user's) is the 404 page."""
    settings = settings_of(request)

    def run() -> T:
        with user_transaction(request) as session:
            return work(session, settings)

    try:
        return await run_in_threadpool(run)
    except (ContactNotFound, StoryItemNotFound):
        raise HTTPException(404, "There is no such contact. Find them on Contacts.") from None


def sentence(exc: Exception) -> str:
    """An error's message as a sentence for a page."""
    text = str(exc).strip() or "that did not work"
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def edited(
    session: Session,
    settings: Settings,
    contact: Contact,
    fields: dict[str, str | None],
    phones: list[str],
    emails: list[str],
) -> tuple[str, ...]:
    """Edit ``contact`` to have ``fields`` and exactly these phones and emails (as typed,
    one a line): what changed, in words; ValueError before writing anything."""
    from ringback.contacts.fields import normalise_emails, normalise_phones
    from ringback.contacts.service import edit_contact

    region = settings.default_region
    new_phones = normalise_phones(phones, region)
    new_emails = normalise_emails(emails)
    have_phones = [p.e164 for p in contact.phones]
    have_emails = [e.address for e in contact.emails]
    result = edit_contact(
        session,
        ref=contact.id,
        fields=fields,
        add_phones=[p for p in new_phones if p not in have_phones],
        remove_phones=[p for p in have_phones if p not in new_phones],
        add_emails=[e for e in new_emails if e not in have_emails],
        remove_emails=[e for e in have_emails if e not in new_emails],
        region=region,
    )
    return result.changes
