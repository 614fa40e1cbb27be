"""The ground floor of follow-up sequences: their error, their contact, and stopping them.

Event logging (``service``) stops a contact's sequences when they respond, and the mail
steps (``sequence_mail``) raise ``SequenceError``; ``sequences`` drives the runs and calls
both. Keeping these shared pieces here lets every import point one way: ``sequences`` ->
``sequence_mail`` -> ``service`` -> this module. Like the rest of the domain, nothing here
commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ringback.tracking.models import FollowUpSequence, FollowUpStep, SequenceStatus, StepStatus

if TYPE_CHECKING:
    from ringback.contacts.models import Contact


class SequenceError(ValueError):
    """A sequence operation that cannot be done as asked."""


class StepNotFound(SequenceError):
    """No such step (or not one the acting user may see: the same thing to them)."""


def stop_for_contact(session: Session, *, contact_id: int, reason: str) -> int:
    """Stop every active sequence for a contact who responded; returns how many."""
    ids = list(
        session.scalars(
            select(FollowUpSequence.id).where(
                FollowUpSequence.contact_id == contact_id,
                FollowUpSequence.status == SequenceStatus.ACTIVE,
            )
        )
    )
    for sequence_id in ids:
        stop_by_id(session, sequence_id, reason)
    return len(ids)


def stop_by_id(session: Session, sequence_id: int, reason: str) -> None:
    """Stop one sequence and skip the steps it had not taken yet."""
    session.execute(
        update(FollowUpSequence)
        .where(FollowUpSequence.id == sequence_id)
        .values(status=SequenceStatus.STOPPED, stop_reason=reason[:200])
    )
    session.execute(
        update(FollowUpStep)
        .where(
            FollowUpStep.sequence_id == sequence_id,
            FollowUpStep.status.in_([StepStatus.PENDING, StepStatus.DRAFTED]),
        )
        .values(status=StepStatus.SKIPPED, note=f"sequence stopped: {reason}"[:200])
    )


def sequence_contact(session: Session, contact_id: int) -> Contact:
    """The contact a sequence follows up (ContactNotFound when they are gone)."""
    from ringback.contacts.service import contact_by_id

    return contact_by_id(session, contact_id)
