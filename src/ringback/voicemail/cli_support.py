"""What every ``ringback inbox`` / ``voicemail`` command shares: settings, a ready
database, one transaction with clear errors, and pipeline errors turned into messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ringback.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

T = TypeVar("T")
LIST_HINT = "see the message ids with `ringback inbox list --all`"


def settings_or_fail() -> Settings:
    from ringback.app_cli import load_settings

    return load_settings()


def ready(settings: Settings) -> str:
    from ringback.app_cli import ready_database

    return ready_database(settings)


@contextmanager
def session(settings: Settings) -> Iterator[Session]:
    """One transaction; domain errors become messages with a hint, never tracebacks."""
    from sqlalchemy.exc import SQLAlchemyError

    from ringback.db.session import transaction
    from ringback.voicemail.capture import NotCapturable
    from ringback.voicemail.service import VoicemailNotFound

    url = ready(settings)
    try:
        with transaction(url) as session:
            yield session
    except VoicemailNotFound as exc:
        fail(str(exc), hint=LIST_HINT)
    except NotCapturable as exc:
        fail(f"{exc}; nothing was written", hint="see why with `ringback inbox show ID`")
    except SQLAlchemyError as exc:
        fail(f"database error, nothing was written: {getattr(exc, 'orig', None) or exc}")


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


def flush(settings: Settings) -> None:
    from ringback.mail import MailConfigError, flush_outbox

    try:
        flush_outbox(settings)
    except MailConfigError as exc:
        click.echo(f"mail not flushed: {exc}", err=True)


def parse_time_or_fail(raw: str | None, settings: Settings) -> Any:
    from ringback.voicemail.analyze import parse_time

    try:
        return parse_time(raw, settings) if raw else None
    except ValueError as exc:
        fail(str(exc))
