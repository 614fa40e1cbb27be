"""``attempt.returned``: the webhook a CRM gets when an attempt (a voicemail left, a call
nobody answered, an email) is marked returned by the contact's call, voicemail or email.

Queued in the transaction that marks the return (``outbound.enqueue_event``), sent later
by the webhook sender: logging an outcome never waits for a receiver. Keyed by the
attempt, so an attempt is announced once however often its return is re-marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ringback.contacts.models import Contact
from ringback.tracking.models import OutreachEvent

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def returned_payload(
    attempt: OutreachEvent, by: OutreachEvent | None, contact: Contact | None
) -> dict[str, Any]:
    """What a CRM logs of a returned attempt: which attempt, whose, and how it came back."""
    phones = [p.e164 for p in contact.phones] if contact else []
    return {
        "attempt_id": attempt.id,
        "channel": attempt.channel.value,
        "outcome": attempt.outcome.value,
        "attempted_at": attempt.occurred_at.isoformat(),
        "variant": attempt.variant,
        "coach_score": attempt.score,
        "contact": {
            "id": attempt.contact_id,
            "name": contact.name if contact else None,
            "company": contact.company if contact else None,
            "phone": phones[0] if phones else None,
        },
        "returned_at": by.occurred_at.isoformat() if by else None,
        "return_seconds": attempt.return_seconds,
        "returned_by": {"event_id": by.id, "channel": by.channel.value} if by else None,
    }


def announce_returns(session: Session, attempt_ids: Sequence[int]) -> None:
    """Queue ``attempt.returned`` for each of these attempts (already marked returned)."""
    from ringback.outbound.service import ATTEMPT_RETURNED, enqueue_event, owner_of_event

    if not attempt_ids:
        return
    attempts = session.scalars(
        select(OutreachEvent)
        .where(OutreachEvent.id.in_(list(attempt_ids)), OutreachEvent.returned_by_id.is_not(None))
        .order_by(OutreachEvent.id)
    )
    for attempt in attempts:
        assert attempt.returned_by_id is not None
        by = session.get(OutreachEvent, attempt.returned_by_id)
        enqueue_event(
            session,
            event=ATTEMPT_RETURNED,
            event_id=attempt.id,
            owner_id=owner_of_event(session, attempt),
            data=returned_payload(attempt, by, session.get(Contact, attempt.contact_id)),
            contact_id=attempt.contact_id,
        )
