"""What every ``ringback contacts`` command shares, and what other domains' commands use
to name a contact: the contacts domain's error table, the ``--contact`` resolver, and
times shown in the user's timezone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from ringback.command_kit import ErrorHints, Hint, work
from ringback.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.contacts.editing import DuplicateContact
    from ringback.contacts.models import Contact

LIST_HINT = "find it with `ringback contacts list --search TEXT`"


def contact_hints() -> ErrorHints:
    """Finding a contact: where another domain's error table starts (its own errors after).
    Built when asked, so that ``--help`` never loads the database layer."""
    from ringback.contacts.service import ContactNotFound

    return {ContactNotFound: Hint(LIST_HINT, written=False)}


def _hints() -> ErrorHints:
    from ringback.contacts.editing import DuplicateContact
    from ringback.contacts.history import FollowUpNotFound
    from ringback.contacts.removal import OnlyItsOwner
    from ringback.storage import StoreDown

    return {
        **contact_hints(),
        OnlyItsOwner: Hint(lambda exc: exc.hint, written=False),
        StoreDown: Hint(lambda exc: exc.hint, written=False),  # its call reviews' files
        FollowUpNotFound: Hint(
            "open follow-ups are listed by `ringback contacts show CONTACT`", written=False
        ),
        DuplicateContact: Hint(_duplicate_hint),
        ValueError: Hint(),  # the domain's way of saying "this input is wrong"
    }


def _duplicate_hint(exc: DuplicateContact) -> str:
    first = sorted(exc.matches)[0]
    return (
        f"add to the existing contact with `ringback contacts edit {first} ...`, "
        "or pass --allow-duplicate to keep two contacts"
    )


@contextmanager
def unit_of_work() -> Iterator[tuple[Session, Settings]]:
    """One transaction for the whole command: any error rolls all of it back, and the
    user sees what went wrong and what to do, never a traceback."""
    with work(_hints()) as (session, settings):
        yield session, settings


def contact_for(session: Session, settings: Settings, ref: str | int) -> Contact:
    """The contact a ``--contact`` (or CONTACT argument) names: an id, a name, an email or
    a phone read in the user's region. None or several → ``ContactNotFound`` (the several
    listed with their ids), which :func:`contact_hints` shows with what to do."""
    from ringback.contacts.service import get_contact

    return get_contact(session, ref=ref, region=settings.default_region)


def local(value: datetime | None, settings: Settings, *, with_time: bool = True) -> str:
    """A stored time as a person reads it in their timezone (:mod:`ringback.timefmt`):
    ``today 9:14 am``, ``Mon 7 Dec, 3:00 pm``; ``with_time=False``: the day alone."""
    from ringback.timefmt import format_day, format_when

    if value is None:
        return ""
    if not with_time:
        today = datetime.now(settings.tz).date()
        return format_day(value.astimezone(settings.tz).date(), today=today)
    return format_when(value, settings.tz)
