"""Forgetting the webhook deliveries about something deleted (a voicemail, a contact):
what :mod:`ringback.voicemail.removal` and :mod:`ringback.contacts.removal` call, in the
deletion's own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, func, or_, select, update

from ringback.outbound.models import WebhookDelivery
from ringback.outbound.service import Status
from ringback.timefmt import plural

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ERASED = json.dumps({"erased": "what this event was about was deleted"})


@dataclass(frozen=True)
class Forgotten:
    """What :func:`forget_deliveries` did (or, ``dry_run``, would do)."""

    cancelled: int  # not delivered yet: dropped, never sent
    erased: int  # delivered: the payload erased, the row kept

    def said(self) -> list[str]:
        """What goes, in words, for a deletion's confirmation."""
        out = [f"{plural(self.cancelled, 'webhook')} not sent yet"] if self.cancelled else []
        if self.erased:
            out.append(
                f"what {plural(self.erased, 'webhook')} already sent said (when and where they went stays)"
            )
        return out


def forget_deliveries(
    session: Session,
    *,
    event: str | None = None,
    event_ids: Iterable[str | int] = (),
    contact_id: int | None = None,
    dry_run: bool = False,
) -> Forgotten:
    """Forget the deliveries about a deleted object: those of ``event`` for ``event_ids``
    (a voicemail's), or those whose payload names contact ``contact_id``; in the caller's
    transaction. ``dry_run`` only counts.

    One not delivered yet (pending, or failed and retryable) is dropped: what a deleted
    object raised is never sent after it is gone (a sender holding one mid-send finds it
    gone and records nothing, see ``Sender._record``). One delivered keeps its row (event,
    event id, endpoint, status, attempts, times): the record that something was sent to
    that CRM and when, which is what an operator needs to pass a deletion request on to
    it. Its payload (the caller's name, number and words) is replaced by :data:`ERASED`,
    and its last error too (a receiver's answer may quote it): the CRM has its copy,
    Ringback keeps none."""
    about = []
    if event is not None and (ids := [str(i) for i in event_ids]):
        about.append(and_(WebhookDelivery.event == event, WebhookDelivery.event_id.in_(ids)))
    if contact_id is not None:
        about.append(WebhookDelivery.contact_id == contact_id)
    if not about:
        return Forgotten(0, 0)
    undelivered = and_(or_(*about), WebhookDelivery.status != Status.DELIVERED.value)
    delivered = and_(
        or_(*about),
        WebhookDelivery.status == Status.DELIVERED.value,
        WebhookDelivery.payload != ERASED,
    )
    if dry_run:
        count = select(func.count(WebhookDelivery.id))
        return Forgotten(
            int(session.scalar(count.where(undelivered)) or 0),
            int(session.scalar(count.where(delivered)) or 0),
        )
    quiet = {"synchronize_session": False}
    dropped = session.execute(delete(WebhookDelivery).where(undelivered).execution_options(**quiet))
    erased = session.execute(
        update(WebhookDelivery)
        .where(delivered)
        .values(payload=ERASED, last_error="")
        .execution_options(**quiet)
    )
    return Forgotten(
        int(getattr(dropped, "rowcount", 0) or 0), int(getattr(erased, "rowcount", 0) or 0)
    )
