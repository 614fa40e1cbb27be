"""Twilio downloads as jobs (``ringback jobs list``): the recordings accepted but not yet
fetched, and those that could not be (their voicemail, once stored, is a job of its own)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.jobs import JobKind
from ringback.telephony.models import UNFINISHED, RecordingStatus, TelephonyRecording
from ringback.voicemail.jobs import JobRecord

STOPPED = (RecordingStatus.FAILED, RecordingStatus.REJECTED)


def recording_jobs(session: Session, *, failed: bool = False, limit: int = 200) -> list[JobRecord]:
    """Downloads waiting or running, and those that failed (only those with ``failed``)."""
    wanted = list(STOPPED) if failed else [*UNFINISHED, *STOPPED]
    rows = session.scalars(
        select(TelephonyRecording)
        .where(TelephonyRecording.status.in_(wanted))
        .order_by(TelephonyRecording.id.desc())
        .limit(limit)
    ).all()
    return [
        JobRecord(
            id=row.id,
            kind=str(JobKind.RECORDING),
            ref=row.recording_sid,
            status="failed" if row.status in STOPPED else str(row.status),
            stage="download",
            attempts=row.attempts,
            reason=row.error,
            received_at=row.received_at,
        )
        for row in rows
    ]


def stale_recordings(session: Session, *, older_than: timedelta, now: datetime) -> list[str]:
    """Downloads accepted (or started) that have not moved for ``older_than``: their task
    is gone. Marked as looked at, so each is named again only after another period."""
    rows = session.scalars(
        select(TelephonyRecording)
        .where(
            TelephonyRecording.status.in_(list(UNFINISHED)),
            TelephonyRecording.updated_at < now - older_than,
        )
        .order_by(TelephonyRecording.id)
    ).all()
    for row in rows:
        row.updated_at = now
    return [row.recording_sid for row in rows]
