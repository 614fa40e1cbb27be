"""Follow-up sequences (placeholder for the cadence runner; see stop_for_contact)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ringback.tracking.models import FollowUpSequence, SequenceStatus


def stop_for_contact(session: Session, *, contact_id: int, reason: str) -> int:
    """Stop every active sequence for a contact who responded; returns how many."""
    result = session.execute(
        update(FollowUpSequence)
        .where(
            FollowUpSequence.contact_id == contact_id,
            FollowUpSequence.status == SequenceStatus.ACTIVE,
        )
        .values(status=SequenceStatus.STOPPED, stop_reason=reason[:200])
    )
    return int(getattr(result, "rowcount", 0) or 0)
