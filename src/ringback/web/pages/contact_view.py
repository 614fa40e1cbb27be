"""What the Today and Contacts pages format with, and what a contact's page shows: the
lookups are the services'; this module only gathers them for the templates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ringback.contacts.service import ContactNotFound
from ringback.mail.render import tel_href
from ringback.phones import pretty

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.service import UserView
    from ringback.config import Settings
    from ringback.contacts.models import Contact


def helpers(settings: Settings) -> dict[str, Any]:
    """Formatting for the templates: times in words in the user's timezone (the Inbox's
    one formatter), ``tel:`` links and numbers as people write them."""
    from ringback.web.pages.inbox import when_label

    now = datetime.now(settings.tz)
    return {
        "when": lambda moment: when_label(moment, now, settings.tz),
        "tel": tel_href,
        "number": pretty,
    }


def visible(session: Session, contact_id: int, user: UserView | None) -> Contact:
    """The contact, when this user may see it; else ContactNotFound (the 404 page), so
    another user's contact looks like no contact at all."""
    from ringback.accounts.service import count_users
    from ringback.contacts.search import visible_contact

    viewer = (user.email, user.name) if user is not None else ()
    shared = user is None or count_users(session) <= 1
    found = visible_contact(session, contact_id=contact_id, viewer=viewer, shared=shared)
    if found is None:
        raise ContactNotFound(f"no contact with id {contact_id}")
    return found


def contact_context(
    session: Session, settings: Settings, *, contact_id: int, user: UserView | None, now: datetime
) -> dict[str, Any]:
    """Everything the contact's page shows, from the services."""
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
    }
