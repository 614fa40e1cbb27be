"""Whose data a database session may see and change: the acting user, bound to the
session, and the limits that follow from it, enforced in one place.

Every interface opens its sessions here (:func:`acting_transaction`) with the user it acts
for: the web app with the signed-in user or the API token's user, the CLI with
``--as``/``RINGBACK_USER`` (the first owner by default), the workers with no one (the
system). The session remembers the actor in ``session.info``; two SQLAlchemy events on
every :class:`~sqlalchemy.orm.Session` then apply the limits, so no service function has
to remember to filter:

* ``do_orm_execute``: every ORM SELECT (``session.get``, relationship loads and
  ``select(Model.column)`` included), UPDATE and DELETE gets ``with_loader_criteria`` on
  every owned model (``ringback.accounts.owned``). A row the actor may not see is not
  there: a page answers 404, a search does not find it, a count does not count it.
* ``before_flush``: a new owned row gets the actor as its owner (with no actor, a row on
  a contact gets the contact's owner); writing a row the actor may not write raises
  :class:`NotYours`.

Who sees what:

* the system (actor None: workers, migrations, a database with no user) and an **owner**
  see and change everything;
* a **manager** sees the rows of every user in their team (a rep's contacts, voicemails,
  calls, stats) and writes only their own (plus comments on their team's call reviews);
* a **rep** sees and writes their own rows and the contacts shared with them
  (``contact_shares``: explicit, never by accident).

A row whose owner is NULL is the first owner's (``ringback.db.base.Owned``): only owners
see it. Children (a contact's phones, emails and back story, a voicemail's stages, a
sequence's steps, a review's comments) are seen with their parent, so "find by phone"
is limited too. Core statements on ``Model.__table__`` and raw SQL bypass the ORM: the
services that use them (stats) filter with :func:`owner_filter` themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, any_, event, false, func, inspect, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from ringback.accounts.models import User
from ringback.accounts.owned import child_classes, class_for_table, owned_classes
from ringback.accounts.service import UserView, can, first_owner_id
from ringback.db.session import transaction
from ringback.errors import HintedError

if TYPE_CHECKING:
    from sqlalchemy.orm.attributes import History

ACTOR_KEY = "ringback.actor"


class NotYours(HintedError):
    """A write to a row the acting user may not change (another rep's contact ...): a
    refused input to the CLI (a ValueError, so every command's error table shows it), a
    404 to the web app."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "ask its owner to share it, or act as them (--as EMAIL)")


class OnlyItsOwner(HintedError):
    """A row the acting user sees (shared with them, or their team's) but may not delete:
    only its owner, or an owner of this Ringback, may (:func:`may_change`). A refused
    input to the CLI, a 403 to the pages and the API; each deleting service says what
    and what to do."""


def audit_as_actor(session: Session, action: str, detail: Mapping[str, Any]) -> None:
    """An audit event by the session's user (None: the system), ``detail`` as JSON: what a
    deletion records, ids and counts only."""
    import json

    from ringback.accounts.service import record

    actor = actor_of(session)
    record(session, action, user_id=actor.id if actor else None, detail=json.dumps(detail))


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


def sees_everything(user: UserView | None) -> bool:
    """The system and owners are not limited."""
    return user is None or can(user, "see_all")


def may_change(session: Session, row: Any) -> bool:
    """May the session's user change this owned row (it is theirs, or they see all)? For
    a service that reads and, only for its owner, also notes something (read, opened)."""
    actor = actor_of(session)
    return sees_everything(actor) or getattr(row, "owner_id", None) == actor.id  # type: ignore[union-attr]


def _readable_owners(column: Any, actor: UserView) -> ColumnElement[bool]:
    if actor.disabled:
        return false()
    if can(actor, "see_team") and actor.team_id is not None:
        return column.in_(select(User.id).where(User.team_id == actor.team_id))
    return column == actor.id


def owner_filter(column: Any, user: UserView | None) -> ColumnElement[bool] | None:
    """The condition on an ``owner_id`` column for what ``user`` may read (for Core and
    raw-SQL queries the ORM events do not see); None when everything is visible."""
    if sees_everything(user):
        return None
    assert user is not None
    return _readable_owners(column, user)


def owner_sql(session: Session, column: str = "owner_id") -> tuple[str, dict[str, int]]:
    """The limit of :func:`owner_filter` as raw SQL to append to a WHERE (`` AND ...``)
    and its parameters, for the services that count in SQL text (stats); ("", {}) when
    the session's user sees everything."""
    actor = actor_of(session)
    if sees_everything(actor):
        return "", {}
    assert actor is not None
    if actor.disabled:
        return " AND 1 = 0", {}
    if can(actor, "see_team") and actor.team_id is not None:
        team = f" AND {column} IN (SELECT id FROM users WHERE team_id = :scope_team)"
        return team, {"scope_team": actor.team_id}
    return f" AND {column} = :scope_user", {"scope_user": actor.id}


def _shared_with(cls: Any, actor: UserView, *, write: bool, array: bool) -> ColumnElement[bool]:
    share = class_for_table("contact_shares")
    users: Any = actor.id
    if not write and can(actor, "see_team") and actor.team_id is not None:
        users = select(User.id).where(User.team_id == actor.team_id)
    who = share.user_id.in_(users) if not isinstance(users, int) else share.user_id == users
    shared = select(share.contact_id).where(who)
    if array:
        # PostgreSQL: ``id = ANY(ARRAY(SELECT ...))`` is worked out once and is an index
        # condition, so "mine OR shared" becomes two index scans OR-ed (a rep's contacts
        # changed since a time: the (owner_id, updated_at) index) instead of a filter on
        # every contact read in id order.
        return cls.id == any_(func.array(shared.scalar_subquery()))
    return cls.id.in_(shared)


def criteria(
    cls: Any, actor: UserView, *, write: bool = False, array: bool = False
) -> ColumnElement[bool]:
    """What ``actor`` may read (or, ``write``, change) of an owned model (``array``: the
    PostgreSQL form of the shared contacts' test, see :func:`_shared_with`)."""
    mine = (cls.owner_id == actor.id) if write else _readable_owners(cls.owner_id, actor)
    if cls.__tablename__ == "contacts":
        return or_(mine, _shared_with(cls, actor, write=write, array=array))
    return mine


def _child_criteria(column: Any, parent: Any, actor: UserView, write: bool) -> Any:
    return column.in_(select(parent.id).where(criteria(parent, actor, write=write)))


@event.listens_for(Session, "do_orm_execute")
def _limit_statement(state: ORMExecuteState) -> None:
    actor = actor_of(state.session)
    if sees_everything(actor) or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    assert actor is not None
    write = state.is_update or state.is_delete
    array = state.session.get_bind().dialect.name == "postgresql"
    options = [
        with_loader_criteria(
            cls, criteria(cls, actor, write=write, array=array), include_aliases=True
        )
        for cls in owned_classes()
    ]
    options += [
        with_loader_criteria(
            cls,
            _child_criteria(getattr(cls, column), parent, actor, write),
            include_aliases=True,
        )
        for cls, column, parent in child_classes()
    ]
    state.statement = state.statement.options(*options)


def _history(obj: Any, name: str) -> History:
    return inspect(obj).attrs[name].history


def _values(obj: Any, name: str) -> set[Any]:
    """The value of ``obj.name`` now and as loaded (both must be allowed)."""
    history = _history(obj, name)
    return {*history.added, *history.unchanged, *history.deleted}


def _may_write(session: Session, cls: Any, row_id: Any, actor: UserView) -> bool:
    if row_id is None:
        return True  # a parent made in this flush: checked itself
    query = select(cls.id).where(cls.id == row_id, criteria(cls, actor, write=True))
    return session.scalar(query) is not None


def _may_read(session: Session, cls: Any, row_id: Any) -> bool:
    return row_id is None or session.scalar(select(cls.id).where(cls.id == row_id)) is not None


def _check(session: Session, obj: Any, actor: UserView) -> None:
    cls = type(obj)
    state = inspect(obj)
    if getattr(cls, "__owned__", False):
        owners = _values(obj, "owner_id") - {None}
        if owners - {actor.id}:
            shared = cls.__tablename__ == "contacts" and not state.pending
            if not (shared and _may_write(session, cls, obj.id, actor)):
                raise NotYours(f"that {cls.__tablename__[:-1]} is not yours to change")
        if hasattr(cls, "contact_id") and cls.__tablename__ != "contacts":
            contacts = class_for_table("contacts")
            for contact_id in _values(obj, "contact_id"):
                if not _may_read(session, contacts, contact_id):
                    raise NotYours("no such contact")
    for child, column, parent in (*child_classes(), *child_classes("__written_through__")):
        if cls is child:
            relaxed = getattr(cls, "__parent_visible_is_enough__", False) and can(actor, "comment")
            for parent_id in _values(obj, column):
                ok = (
                    _may_read(session, parent, parent_id)
                    if relaxed
                    else _may_write(session, parent, parent_id, actor)
                )
                if not ok:
                    raise NotYours(f"that {parent.__tablename__[:-1]} is not yours to change")


def _contact_owner(session: Session, obj: Any) -> int | None:
    """The owner of the contact a new row is about (what a system-made row inherits)."""
    contact = obj.__dict__.get("contact")
    if contact is not None:
        return contact.owner_id
    contact_id = getattr(obj, "contact_id", None)
    if contact_id is None:
        return None
    contacts = class_for_table("contacts")
    found = session.scalar(select(contacts.owner_id).where(contacts.id == contact_id))
    return int(found) if found is not None else None


@event.listens_for(Session, "before_flush")
def _stamp_and_check(session: Session, _context: Any, _instances: Any) -> None:
    actor = actor_of(session)
    for obj in session.new:
        if getattr(type(obj), "__owned__", False) and getattr(obj, "owner_id", None) is None:
            if actor is not None:
                obj.owner_id = actor.id
            elif type(obj).__tablename__ != "contacts":
                # The system (a worker's sweep): a task, note or sequence on a contact is
                # the contact's owner's, on their Today.
                with session.no_autoflush:
                    obj.owner_id = _contact_owner(session, obj)
    if actor is None:
        return
    if sees_everything(actor):
        return
    with session.no_autoflush:
        for obj in [*session.new, *session.dirty, *session.deleted]:
            _check(session, obj, actor)


def acting_user_id(session: Session) -> int | None:
    """The user a command acts for: the session's actor, else the first enabled owner
    (the CLI's default); None when there is no user yet."""
    actor = actor_of(session)
    return int(actor.id) if actor is not None else first_owner_id(session)
