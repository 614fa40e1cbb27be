"""Whose data a database session may see: the acting user, bound to the session.

Every interface opens its sessions here (:func:`acting_transaction`) with the user it acts
for: the web app with the signed-in user or the API token's user, the CLI with
``--as``/``RINGBACK_USER`` (the owner by default), the workers with the owner of the
message they process. The session remembers the actor in ``session.info`` so that the
domains' queries can be limited to what that user may see, in one place, instead of
each service function remembering to filter.

This first version only records the actor (issue 16 builds the limits on it); the
interface is what the web app and the API call, so they need not change when it grows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ringback.db.session import transaction

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.service import UserView

ACTOR_KEY = "ringback.actor"


def bind_actor(session: Session, user: UserView | None) -> None:
    """Make ``user`` the actor of ``session`` (None: the system, which sees everything)."""
    session.info[ACTOR_KEY] = user


def actor_of(session: Session) -> UserView | None:
    """The user ``session`` acts for; None for the system (workers, migrations)."""
    user: UserView | None = session.info.get(ACTOR_KEY)
    return user


@contextmanager
def acting_transaction(url: str, user: UserView | None) -> Iterator[Session]:
    """:func:`ringback.db.session.transaction` with ``user`` bound as the actor."""
    with transaction(url) as session:
        bind_actor(session, user)
        yield session


def acting_user_id(session: Session) -> int | None:
    """The user a command acts for: the session's actor, else the first enabled owner
    (the CLI's default); None when there is no user yet."""
    actor = actor_of(session)
    return int(actor.id) if actor is not None else first_owner_id(session)


def first_owner_id(session: Session) -> int | None:
    """The first enabled owner's id (None when there is none yet)."""
    from sqlalchemy import select

    from ringback.accounts.models import User

    found = session.scalar(
        select(User.id)
        .where(User.role == "owner", User.disabled.is_(False))
        .order_by(User.id)
        .limit(1)
    )
    return int(found) if found is not None else None
