"""Who a command acts as: ``--as EMAIL``, else RINGBACK_USER, else the first owner (a
database with no user yet: the system, as before teams). An unknown or disabled user is a
clear error, never a silent fall back to the owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.accounts.models import User
from ringback.accounts.scope import bind_actor
from ringback.accounts.service import UserView, find_user, first_owner_id
from ringback.console import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.speaker import Speaker
    from ringback.config import Settings


def cli_actor(session: Session, email: str) -> UserView | None:
    """The user a command acts as (see the module's docstring)."""
    if email:
        user = find_user(session, email)
        if user is None:
            fail(
                f"no user with email {email.strip()[:80]!r} to act as",
                hint="check --as / RINGBACK_USER against `ringback users list`",
            )
        if user.disabled:
            fail(
                f"{user.email} is disabled and cannot act",
                hint="act as another user (--as EMAIL), or ask an owner to enable them",
            )
        return UserView.of(user)
    first = first_owner_id(session)
    found = session.get(User, first) if first is not None else None
    return UserView.of(found) if found is not None else None


def bind_cli_actor(session: Session, email: str) -> None:
    """Bind the command's user to ``session`` (what ``command_kit.work`` calls)."""
    bind_actor(session, cli_actor(session, email))


def command_speaker(settings: Settings) -> Speaker:
    """Who a command speaks as: the profile of the user it acts as (see the module's
    docstring), on the ready database; the RINGBACK_OWNER_* settings before any user."""
    from ringback.accounts.profile import acting_speaker
    from ringback.command_kit import work

    with work({}, settings) as (session, _):
        return acting_speaker(session, settings=settings)
