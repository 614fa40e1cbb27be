"""What the ``ringback log``, ``stats``, ``learn`` and ``sequence`` commands share: reading
a time as the user writes it, one transaction with domain errors as messages, the
``--json`` flag of a logged event.

Below every tracking command module (``cli``, ``cli_import``, ``cli_learn``,
``sequence_cli``), so each of them imports it and none imports another for these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from ringback.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True, help="Print the logged event as JSON."
)


class UnknownContactsInFile(LookupError):
    """An import names contacts that are not in the database."""


_RELATIVE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)


def parse_time(raw: str, settings: Settings, *, now: datetime | None = None) -> datetime:
    """ISO date/time in the user's timezone, or a span back from now: 12h, 30d, 4w."""
    from ringback.contacts.fields import parse_when
    from ringback.db.base import utcnow

    match = _RELATIVE.match(raw)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        hours = {"h": 1, "d": 24, "w": 24 * 7}[unit] * amount
        return (now or utcnow()) - timedelta(hours=hours)
    try:
        return parse_when(raw, settings.tz)
    except ValueError:
        raise click.BadParameter(
            f"cannot read {raw!r} as a time; write e.g. 2026-11-23, '2026-11-23 14:30' or 30d"
        ) from None


@contextmanager
def tracking_work() -> Iterator[tuple[Session, Settings]]:
    """One transaction; domain errors become a message and a hint, and nothing is written."""
    from sqlalchemy.exc import SQLAlchemyError

    from ringback.app_cli import load_settings, ready_database
    from ringback.coach.text import ScriptError
    from ringback.contacts.service import ContactNotFound
    from ringback.db.session import transaction
    from ringback.tracking.service import UnknownContact

    settings = load_settings()
    url = ready_database(settings)
    try:
        with transaction(url) as session:
            yield session, settings
    except (UnknownContact, ContactNotFound) as exc:
        fail(f"{exc}; nothing was written", hint="find the id with `ringback contacts list`")
    except UnknownContactsInFile as exc:
        fail(
            f"{exc}; nothing was written",
            hint="add those contacts first, or pass --skip-unknown to log the rest",
        )
    except ScriptError as exc:
        fail(f"{exc}; nothing was written", hint=exc.hint)
    except ValueError as exc:
        fail(f"{exc}; nothing was written")
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        fail(f"database error, nothing was written: {reason}")
