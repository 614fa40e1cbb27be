"""What every ``ringback`` command shares: settings, a ready database, one transaction
whose domain errors become a message and a hint, and the ``--contact`` option.

On the ground floor: it imports ``config``, ``console``, ``redact`` and ``db`` and no
domain. A domain's command module hands its own error table (:data:`ErrorHints`) to
:func:`work`, and resolves a ``--contact`` through the contacts domain's own finder
(``ringback.contacts.cli_common.contact_for``), so the toolkit never needs to know which
errors or which tables exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from pydantic import ValidationError

from ringback.config import Settings, get_settings
from ringback.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

F = TypeVar("F", bound=Callable[..., Any])

NOTHING_WRITTEN = "nothing was written"

# Who the command acts as: ``--as EMAIL`` (set by the command table, ``ringback.cli``),
# else RINGBACK_USER, else the first owner. The accounts domain binds it to the session
# (``ringback.accounts.scope.bind_cli_actor``, handed in by the command table, since this
# ground-floor module knows no domain); without it, a session acts as the system.
ActorBinder = Callable[["Session", str], None]
_acting: dict[str, Any] = {"as": "", "binder": None}


def act_as(email: str | None, binder: ActorBinder | None) -> None:
    """Set who the commands of this process act as, and how to bind them to a session."""
    _acting["as"], _acting["binder"] = (email or "").strip(), binder


def bind_actor(session: Session, settings: Settings) -> None:
    """Bind the acting user (``--as``, RINGBACK_USER, the first owner) to ``session``."""
    binder: ActorBinder | None = _acting["binder"]
    if binder is not None:
        binder(session, _acting["as"] or settings.user)


def load_settings() -> Settings:
    """The settings, or a clear error naming the bad variable."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"RINGBACK_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        fail(f"invalid settings: {problems}", hint="fix the variable (or .env line) and try again")


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """An unreachable server or a missing driver, while setting the schema up, becomes a
    clear error saying what to fix."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as exc:
        database_unreachable(url, exc)
    except ModuleNotFoundError as exc:
        fail(f"database driver missing: {exc.name}", hint="pip install 'ringback[postgres]'")


def ready_database(settings: Settings) -> str:
    """The database URL, created or upgraded to the current schema on first use (so the
    embedded default needs no setup), or a clear error saying what to fix."""
    from ringback.db.migrate import ensure_current

    url = settings.effective_database_url
    with database_errors(url):
        ensure_current(url)
    return url


def database_unreachable(url: str, exc: Exception) -> NoReturn:
    """Fail with "cannot reach the database" (the URL and the driver's own message, every
    password masked) and what to check."""
    from ringback.db.reachable import unreachable_message

    fail(
        unreachable_message(url, exc),
        hint="check RINGBACK_DATABASE_URL and that the server is running",
    )


@dataclass(frozen=True)
class Hint:
    """How one kind of domain error is shown.

    ``hint`` is the line saying what to do: text, or a function of the error (a duplicate
    names the contact to edit instead); None for no hint. ``written`` adds "nothing was
    written" to the message, for errors met while writing (a lookup that finds nothing
    says only what it did not find, as it always has).
    """

    hint: str | Callable[[Any], str | None] | None = None
    written: bool = True

    def show(self, exc: BaseException) -> NoReturn:
        text = str(exc) + (f"; {NOTHING_WRITTEN}" if self.written else "")
        hint = self.hint(exc) if callable(self.hint) else self.hint
        fail(text, hint=hint)


# Error type -> how to show it; the first entry the error is an instance of wins, so a
# subclass goes before its base (``ValueError`` last).
ErrorHints = Mapping[type[BaseException], Hint]


def explain(exc: BaseException, hints: ErrorHints) -> None:
    """Fail with the message and hint the table gives ``exc``; return if it has none."""
    for kind, how in hints.items():
        if isinstance(exc, kind):
            how.show(exc)


@contextmanager
def work(hints: ErrorHints, settings: Settings | None = None) -> Iterator[tuple[Session, Settings]]:
    """One transaction for a whole command, on a ready database: any error rolls all of it
    back, and the user sees what went wrong and what to do (from ``hints``), never a
    traceback. A database error is one line whatever the domain."""
    from sqlalchemy.exc import SQLAlchemyError

    from ringback.db.session import transaction

    settings = settings or load_settings()
    url = ready_database(settings)
    try:
        with transaction(url) as session:
            bind_actor(session, settings)
            yield session, settings
    except SQLAlchemyError as exc:
        fail(f"database error, {NOTHING_WRITTEN}: {getattr(exc, 'orig', None) or exc}")
    except Exception as exc:
        explain(exc, hints)
        raise


CONTACT_HELP = "The contact: an id, a name, an email or a phone number."


def contact_option(help: str = CONTACT_HELP, *, required: bool = True) -> Callable[[F], F]:
    """``--contact`` as every command spells it (passed on as ``contact_ref``): one id,
    name, email or phone, resolved by the contacts domain."""
    return click.option("--contact", "contact_ref", required=required, help=help)


def interactive() -> bool:
    """Is someone at a terminal to answer a question (stdin is one)?"""
    import sys

    return sys.stdin.isatty()


def confirm_deletion(
    question: str, *, yes: bool, scripted: bool, retry: str, preview: Callable[[], None]
) -> None:
    """Before a command deletes: go on with ``--yes``. Where nobody can answer (not a
    terminal, or ``scripted``: ``--json``) it is refused, nothing written, naming the
    command to run (``retry`` plus ``--yes``). Otherwise ``preview`` says what goes and
    what stays, and the user is asked; a no, or no answer at all, ends the command with
    nothing changed. Every deleting command asks the same way."""
    if yes:
        return
    if scripted or not interactive():
        fail(
            "not deleted: nobody was asked to confirm; nothing changed",
            hint=f"{retry} --yes (run it on a terminal to be shown what goes first)",
        )
    preview()
    try:
        go = click.confirm(question, default=False)
    except click.Abort:  # stdin closed before an answer: not a yes
        go = False
    if not go:
        fail("not deleted; nothing changed")
