"""Call reviews as jobs (``ringback jobs list|retry``): the acting user's reviews waiting,
running or failed, a failed one queued again, and the ones whose task was lost.

Functions taking a Session never commit; they return frozen records or ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.accounts.scope import acting_user_id as acting_owner_id
from ringback.calls.models import CallReview
from ringback.calls.reviews import ReviewNotFound, Status
from ringback.db.base import utcnow
from ringback.jobs import JobKind, JobRecord

UNFINISHED = (Status.QUEUED.value, Status.RUNNING.value)


class ReviewNotRetryable(ValueError):
    """The review is waiting, running or done: there is nothing to retry."""


def review_jobs(session: Session, *, failed: bool = False, limit: int = 200) -> list[JobRecord]:
    """The acting user's call reviews waiting, running or failed (only failed with
    ``failed``), newest first; another user's are never listed."""
    owner = acting_owner_id(session)
    if owner is None:
        return []
    wanted = [Status.FAILED.value] if failed else [*UNFINISHED, Status.FAILED.value]
    rows = session.scalars(
        select(CallReview)
        .where(CallReview.owner_id == owner, CallReview.status.in_(wanted))
        .order_by(CallReview.id.desc())
        .limit(limit)
    ).all()
    return [
        JobRecord(
            id=row.id,
            kind=str(JobKind.REVIEW),
            ref=str(row.id),
            status=row.status,
            stage=row.stage or None,
            attempts=1,
            reason=row.error or None,
            received_at=row.created_at,
        )
        for row in rows
    ]


def reset_review_for_retry(session: Session, review_id: int) -> None:
    """Queue the acting user's failed review again (its analysis starts over)."""
    owner = acting_owner_id(session)
    row = session.get(CallReview, review_id)
    if row is None or row.owner_id != owner:
        raise ReviewNotFound(f"no call review #{review_id}")
    if row.status != Status.FAILED.value:
        raise ReviewNotRetryable(f"call review #{review_id} is {row.status}: nothing to retry")
    row.status, row.progress, row.stage, row.error = Status.QUEUED.value, 0.0, "queued again", ""
    row.updated_at = utcnow()


def stale_reviews(session: Session, *, older_than: timedelta, now: datetime) -> list[int]:
    """Reviews queued or running that have not moved for ``older_than`` (a running one
    writes its progress as it goes): their task is gone. Marked as looked at."""
    rows = session.scalars(
        select(CallReview)
        .where(CallReview.status.in_(UNFINISHED), CallReview.updated_at < now - older_than)
        .order_by(CallReview.id)
    ).all()
    for row in rows:
        row.updated_at = now
    return [row.id for row in rows]


def review_status(session: Session, review_id: int) -> str:
    """Where the acting user's review stands (queued, running, done, failed)."""
    row = session.get(CallReview, review_id)
    if row is None or row.owner_id != acting_owner_id(session):
        raise ReviewNotFound(f"no call review #{review_id}")
    return row.status
