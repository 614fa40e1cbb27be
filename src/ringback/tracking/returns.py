"""Marking outbound attempts *returned*.

An outbound attempt that did not connect (a voicemail left, a call nobody answered, an
email sent) is returned by the first inbound call, voicemail or email from the same
contact within ``settings.return_window_days`` after it. Logging one event
(``service.record_event``) and logging many (``bulk``) both mark through here, with the
same set-based SQL on SQLite and PostgreSQL. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, and_, exists, select, update
from sqlalchemy.orm import Session

from ringback.tracking.models import Outcome, OutreachEvent, Way

if TYPE_CHECKING:
    from ringback.config import Settings


def window_seconds(settings: Settings) -> int:
    return round(settings.return_window_days * 86400)


def mark_returns(
    session: Session,
    *,
    settings: Settings,
    contact_ids: Sequence[int] | None = None,
    since_epoch: int | None = None,
    by: OutreachEvent | None = None,
) -> tuple[int, ...]:
    """Mark open attempts returned by the first inbound event within the window after
    them: one set-based UPDATE, the same SQL on SQLite and PostgreSQL.

    Returns the ids of attempts marked by ``by`` (when given).
    """
    t = cast("Table", OutreachEvent.__table__)
    b = t.alias("b")
    window = window_seconds(settings)
    scope = [
        t.c.direction == Way.OUTBOUND.value,
        t.c.outcome != Outcome.CONNECTED.value,
        t.c.returned_by_id.is_(None),
    ]
    if contact_ids is not None:
        scope.append(t.c.contact_id.in_(list(contact_ids)))
    if since_epoch is not None:
        scope.append(t.c.epoch >= since_epoch - window)
    if by is not None:  # only attempts this event can return: quick, and names them
        scope += [t.c.epoch <= by.epoch, t.c.epoch >= by.epoch - window]
    inbound = and_(
        b.c.contact_id == t.c.contact_id,
        b.c.direction == Way.INBOUND.value,
        b.c.epoch >= t.c.epoch,
        b.c.epoch <= t.c.epoch + window,
    )

    def first(column: Any) -> Any:
        return select(column).where(inbound).order_by(b.c.epoch, b.c.id).limit(1).scalar_subquery()

    # One UPDATE, and only of the attempts that have a return: on PostgreSQL every row
    # written is a new tuple with an entry in each index, so untouched rows must stay so.
    session.execute(
        update(t)
        .where(and_(*scope), exists(select(b.c.id).where(inbound)))
        .values(returned_by_id=first(b.c.id), return_seconds=first(b.c.epoch) - t.c.epoch)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    if by is None:
        return ()
    return tuple(
        session.scalars(
            select(OutreachEvent.id)
            .where(OutreachEvent.returned_by_id == by.id)
            .order_by(OutreachEvent.id)
        )
    )
