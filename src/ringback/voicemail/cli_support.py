"""What every ``ringback inbox`` / ``voicemail`` command shares beyond the toolkit
(:mod:`ringback.command_kit`): the inbox's error table, and pipeline errors turned into
messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ringback.command_kit import ErrorHints, Hint, work
from ringback.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

T = TypeVar("T")
LIST_HINT = "see the message ids with `ringback inbox list --all`"


def _hints() -> ErrorHints:
    from ringback.contacts.service import ContactNotFound
    from ringback.voicemail.capture import NotCapturable
    from ringback.voicemail.removal import NotFinished, OnlyItsOwner, StoreDown
    from ringback.voicemail.service import VoicemailNotFound

    def own_hint(exc: Any) -> str | None:
        return str(exc.hint) or None

    return {
        VoicemailNotFound: Hint(LIST_HINT, written=False),
        NotCapturable: Hint("see why with `ringback inbox show ID`"),
        # ``inbox delete``: each says what to do itself
        NotFinished: Hint(own_hint, written=False),
        OnlyItsOwner: Hint(own_hint, written=False),
        StoreDown: Hint(own_hint, written=False),
        # --merge-into naming nobody
        ContactNotFound: Hint("find the contact's id with `ringback contacts list --search NAME`"),
    }


@contextmanager
def session(settings: Settings) -> Iterator[Session]:
    """One transaction; domain errors become messages with a hint, never tracebacks."""
    with work(_hints(), settings) as (found, _):
        yield found


def guard(call: Callable[[], T]) -> T:
    """Run a pipeline entry point; a missing model, bad mail setup or a database that
    stops answering mid-run is a clear error."""
    from ringback.mail import MailConfigError
    from ringback.speech import ModelNotAvailableError
    from ringback.voicemail.backlog import DatabaseUnavailable, database_errors

    try:
        with database_errors():
            return call()
    except DatabaseUnavailable as exc:
        fail(
            f"lost the database mid-run ({exc}); what was stored is kept",
            hint="once the database is back: ringback inbox resume",
        )
    except ModelNotAvailableError as exc:
        fail(str(exc))
    except MailConfigError as exc:
        fail(str(exc), hint="see `ringback config` for the current mail settings")


def flush(settings: Settings, *, force: bool = False) -> None:
    """Send the queued mail that is due; with ``force`` all of it (a person asked for it,
    so the back-off between automatic retries does not apply)."""
    from ringback.mail import MailConfigError, flush_outbox

    try:
        flush_outbox(settings, force=force)
    except MailConfigError as exc:
        click.echo(f"mail not flushed: {exc}", err=True)


def parse_time_or_fail(raw: str | None, settings: Settings) -> Any:
    from ringback.voicemail.analyze import parse_time

    try:
        return parse_time(raw, settings) if raw else None
    except ValueError as exc:
        fail(str(exc))
