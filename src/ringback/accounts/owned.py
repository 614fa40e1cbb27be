"""Which tables have an owning user, read from the models' markers (``__owned__`` from
:class:`ringback.db.base.Owned`, ``__owned_through__`` on a child seen with its parent),
and the bulk moves of ownership: the first owner adopting the rows nobody owns, and
``ringback users reassign``.

No domain is imported: the models are found in the declarative registry, so every
domain may point at ``users`` without accounts knowing them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from ringback.db.base import Base

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _mapped() -> list[type[Any]]:
    import ringback.db.models  # noqa: F401  (every domain's tables, registered)

    return sorted((m.class_ for m in Base.registry.mappers), key=lambda c: c.__name__)


@cache
def owned_classes() -> tuple[type[Any], ...]:
    """Every model with its own ``owner_id`` (contacts, voicemails, call reviews ...)."""
    return tuple(c for c in _mapped() if getattr(c, "__owned__", False))


@cache
def child_classes(
    marker: str = "__owned_through__",
) -> tuple[tuple[type[Any], str, type[Any]], ...]:
    """(model, its column pointing at the parent, the parent model) for every model seen
    with an owned parent (a contact's phones, a voicemail's stages ...); with
    ``marker="__written_through__"``, the models only written through their parent."""
    by_table = {c.__tablename__: c for c in _mapped()}
    out = []
    for cls in _mapped():
        through = cls.__dict__.get(marker)
        if through:
            column, table = through
            out.append((cls, column, by_table[table]))
    return tuple(out)


def class_for_table(table: str) -> type[Any]:
    """The model of ``table``."""
    return next(c for c in _mapped() if c.__tablename__ == table)


def adopt_unowned(session: Session, user_id: int) -> int:
    """Give ``user_id`` (the first owner) every row with no owner; how many moved."""
    moved = 0
    for cls in owned_classes():
        table = cls.__table__
        result = session.execute(
            update(table).where(table.c.owner_id.is_(None)).values(owner_id=user_id)
        )
        moved += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return moved


def move_rows(session: Session, from_id: int, to_id: int, *, unowned_too: bool) -> dict[str, int]:
    """Move every row ``from_id`` owns (and, ``unowned_too``, the unowned ones) to
    ``to_id``: {table: rows moved}."""
    moved: dict[str, int] = {}
    for cls in owned_classes():
        table = cls.__table__
        mine = table.c.owner_id == from_id
        if unowned_too:
            mine = mine | table.c.owner_id.is_(None)
        result = session.execute(update(table).where(mine).values(owner_id=to_id))
        moved[table.name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return moved
