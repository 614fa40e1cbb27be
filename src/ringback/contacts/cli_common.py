"""What every ``ringback contacts`` command shares: one write transaction that turns
domain errors into messages with a hint, and times shown in the user's timezone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from ringback.app_cli import load_settings
from ringback.config import Settings
from ringback.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LIST_HINT = "find it with `ringback contacts list --search TEXT`"


def ready_url(settings: Settings) -> str:
    from ringback.app_cli import ready_database

    return ready_database(settings)


@contextmanager
def unit_of_work() -> Iterator[tuple[Session, Settings]]:
    """One transaction for the whole command: any error rolls all of it back, and the
    user sees what went wrong and what to do, never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from ringback.contacts.history import FollowUpNotFound
    from ringback.contacts.service import ContactNotFound, DuplicateContact
    from ringback.db.session import transaction

    settings = load_settings()
    url = ready_url(settings)
    try:
        with transaction(url) as session:
            yield session, settings
    except ContactNotFound as exc:
        fail(str(exc), hint=LIST_HINT)
    except FollowUpNotFound as exc:
        fail(str(exc), hint="open follow-ups are listed by `ringback contacts show CONTACT`")
    except DuplicateContact as exc:
        ids = sorted(exc.matches)
        fail(
            f"{exc}; nothing was written",
            hint=f"add to the existing contact with `ringback contacts edit {ids[0]} ...`, "
            "or pass --allow-duplicate to keep two contacts",
        )
    except ValueError as exc:  # the domain's way of saying "this input is wrong"
        fail(f"{exc}; nothing was written")
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        fail(f"database error, nothing was written: {reason}")


def local(value: datetime | None, settings: Settings, *, with_time: bool = True) -> str:
    if value is None:
        return ""
    shown = value.astimezone(settings.tz)
    return shown.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
