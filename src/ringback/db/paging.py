"""Parts of long lists.

Keyset pages: a list read in id order, ``limit`` rows at a time, resumed after the last
id seen. What the API's lists use, so that a CRM can page through 200,000 contacts
without an OFFSET scan, and rows added while it pages are not skipped or repeated.

:class:`Limited`: the first ``limit`` rows of a list a person reads (contacts by name,
today's unread messages, drafts waiting) and how many there are in all, so a page or a
command can say "12 more"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Up to ``limit`` items, and the id to resume after (None: this was the last page)."""

    items: tuple[T, ...]
    next_after: int | None


@dataclass(frozen=True)
class Limited(Generic[T]):
    """The first items of a list cut at a limit, and how many matched in all."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        """How many matched beyond those listed."""
        return max(self.total - len(self.items), 0)


@dataclass(frozen=True)
class Window:
    """Which part of a list to read: after id ``after``, ``limit`` rows, optionally only
    rows changed at or after ``updated_since``."""

    limit: int
    after: int = 0
    updated_since: datetime | None = None


def keyset(
    session: Session,
    query: Select[Any],
    *,
    id_column: InstrumentedAttribute[int],
    updated_column: InstrumentedAttribute[Any] | None,
    window: Window,
    convert: Callable[[Sequence[Any]], Sequence[T]],
) -> Page[T]:
    """One page of ``query`` (selecting rows) in ``id_column`` order after ``window.after``;
    ``convert`` turns the rows into records (in one go: it may look up names in bulk)."""
    query = query.where(id_column > window.after)
    if window.updated_since is not None and updated_column is not None:
        query = query.where(updated_column >= window.updated_since)
    rows: list[Any] = list(session.scalars(query.order_by(id_column).limit(window.limit + 1)))
    more = len(rows) > window.limit
    rows = rows[: window.limit]
    last = getattr(rows[-1], id_column.key) if rows and more else None
    return Page(tuple(convert(rows)), last)
