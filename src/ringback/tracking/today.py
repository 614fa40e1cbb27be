"""Follow-up emails drafted and waiting for the user's approval, as the Today page lists
them: the draft itself (subject and body) and who it is for, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ringback.contacts.models import Contact
from ringback.db.paging import Limited
from ringback.tracking.models import FollowUpSequence, FollowUpStep, StepStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class WaitingDraft:
    """A drafted follow-up email; approving it sends it (``approve_followup``)."""

    step_id: int
    contact_id: int
    contact_name: str
    subject: str
    body: str
    due_at: datetime


def drafts_waiting(session: Session, *, limit: int = 20) -> Limited[WaitingDraft]:
    """The drafted emails waiting for approval, the longest-waiting first, and how many
    there are in all."""
    waiting = FollowUpStep.status == StepStatus.DRAFTED
    rows = session.execute(
        select(
            FollowUpStep.id,
            Contact.id,
            Contact.name,
            FollowUpStep.subject,
            FollowUpStep.body,
            FollowUpStep.due_at,
        )
        .join(FollowUpSequence, FollowUpSequence.id == FollowUpStep.sequence_id)
        .join(Contact, Contact.id == FollowUpSequence.contact_id)
        .where(waiting)
        .order_by(FollowUpStep.due_at, FollowUpStep.id)
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(FollowUpStep).where(waiting)) or 0
    drafts = tuple(
        WaitingDraft(sid, cid, name, subject or "(no subject)", body or "", due)
        for sid, cid, name, subject, body, due in rows
    )
    return Limited(drafts, total)
