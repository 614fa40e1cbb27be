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

from ringback.command_kit import ErrorHints, Hint, work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True, help="Print the logged event as JSON."
)


class UnknownContactsInFile(LookupError):
    """An import names contacts that are not in the database."""


_RELATIVE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


def parse_time(
    raw: str, settings: Settings, *, now: datetime | None = None, option: str | None = None
) -> datetime:
    """ISO date/time in the user's timezone, or a span back from now: 12h, 30d, 4w.

    ``option`` (e.g. "--since") names what was typed in the error; a time before 1970 or
    over 100 years ahead is refused, as :func:`~ringback.contacts.fields.parse_when` does.
    """
    from ringback.contacts.fields import parse_when
    from ringback.db.base import utcnow

    match = _RELATIVE.match(raw)
    if match:
        return _span_back(match, now or utcnow(), option)
    try:
        return parse_when(raw, settings.tz)
    except ValueError as exc:
        message = str(exc)
        if message.startswith("cannot read"):
            message = (
                f"cannot read {raw!r} as a time; write e.g. 2026-11-23, '2026-11-23 14:30' or 30d"
            )
        raise click.BadParameter(message, param_hint=option) from None


def _span_back(match: re.Match[str], now: datetime, option: str | None) -> datetime:
    from ringback.contacts.fields import EARLIEST_YEAR

    digits, unit = match.group(1), match.group(2).lower()
    # Back to 1970 at most: further is a typo, and timedelta overflows long before.
    earliest = datetime(EARLIEST_YEAR, 1, 1, tzinfo=now.tzinfo)
    most = int((now - earliest).total_seconds() // 3600) // _UNIT_HOURS[unit]
    if len(digits) > len(str(most)) or int(digits) > most:
        raise click.BadParameter(
            f"{match.group(0).strip()[:40]} is too far back; use at most {most}{unit} "
            f"(back to {EARLIEST_YEAR}) or an ISO date",
            param_hint=option,
        )
    return now - timedelta(hours=_UNIT_HOURS[unit] * int(digits))


def _hints() -> ErrorHints:
    """The tracking commands' errors: a contact not found, a file naming unknown contacts,
    a script the coach cannot read; any other ValueError may carry its own hint."""
    from ringback.coach.text import ScriptError
    from ringback.contacts.service import ContactNotFound
    from ringback.tracking.events import UnknownContact

    return {
        UnknownContact: Hint(_ID_HINT),
        ContactNotFound: Hint(_ID_HINT),
        UnknownContactsInFile: Hint(
            "add those contacts first, or pass --skip-unknown to log the rest"
        ),
        ScriptError: Hint(lambda exc: exc.hint),
        ValueError: Hint(lambda exc: getattr(exc, "hint", None)),  # what to do about a file
    }


_ID_HINT = "find the id with `ringback contacts list`"


@contextmanager
def tracking_work() -> Iterator[tuple[Session, Settings]]:
    """One transaction; domain errors become a message and a hint, and nothing is written."""
    with work(_hints()) as (session, settings):
        yield session, settings
