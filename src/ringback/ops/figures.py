"""How the work is going, read from the database (and the mail outbox's folders) when asked.

Workers are other processes, possibly on other machines: what they did is only known for
sure from the rows they wrote. So every figure here is read at scrape time:

* queue depth: unfinished voicemails (and which stage each waits at), recordings still
  to download, call reviews queued or running, mail waiting in the outbox;
* jobs finished, by outcome: counts by status (the status columns are indexed);
* the transcription real-time factor and the hang-up→email latency of each finished
  voicemail, taken once each by :class:`FinishedTracker`, which reads only voicemails
  newer than the oldest one it has not settled (a primary-key range), so a scrape reads
  what changed, not the whole history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ringback.calls.models import CallReview
from ringback.mail.spool import SpoolCounts, is_parked, sent_time, spool_counts
from ringback.outbound.models import WebhookDelivery
from ringback.telephony.models import UNFINISHED, RecordingStatus, TelephonyRecording
from ringback.voicemail.models import (
    FINAL_STATUSES,
    StageStatus,
    Voicemail,
    VoicemailStage,
    VoicemailStatus,
)

BATCH = 2000  # voicemails one scrape settles at most (a first scrape of a big history)
# A mail still undelivered this long after its voicemail stops holding the others back.
GIVE_UP = timedelta(days=1)
WAITING_STAGE = (StageStatus.PENDING, StageStatus.RUNNING, StageStatus.FAILED)


@dataclass(frozen=True)
class Depths:
    """Work waiting, per queue, and per stage for the voicemail pipeline."""

    queues: dict[str, int]
    voicemail_stages: dict[str, int]


@dataclass(frozen=True)
class Outcomes:
    """Jobs finished since the beginning, per kind and outcome (``voicemail``/``done``...)."""

    counts: dict[tuple[str, str], int]


@dataclass(frozen=True)
class Finished:
    """What one finished voicemail tells: its transcription's real-time factor (None when
    nothing was transcribed) and its hang-up→email latency (None when no email went)."""

    voicemail_id: int
    rtf: float | None
    latency: float | None


def _unfinished_voicemails(session: Session) -> dict[str, int]:
    """Unfinished voicemails by the stage each waits at (its first stage not done)."""
    open_ids = select(Voicemail.id).where(
        Voicemail.status.in_([VoicemailStatus.RECEIVED, VoicemailStatus.PROCESSING])
    )
    rows = session.execute(
        select(VoicemailStage.voicemail_id, VoicemailStage.stage)
        .where(VoicemailStage.voicemail_id.in_(open_ids), VoicemailStage.status.in_(WAITING_STAGE))
        .order_by(VoicemailStage.voicemail_id, VoicemailStage.position)
    ).all()
    first: dict[int, str] = {}
    for vid, stage in rows:
        first.setdefault(vid, stage)
    waiting = dict.fromkeys(first.values(), 0)
    for stage in first.values():
        waiting[stage] += 1
    # Recorded but no stage row yet: waiting for a worker to start.
    total = session.scalar(select(func.count()).select_from(open_ids.subquery())) or 0
    if total > len(first):
        waiting["received"] = waiting.get("received", 0) + total - len(first)
    return waiting


def depths(session: Session, *, outbox: Path) -> Depths:
    """Queue depth now: ``transcribe`` (the voicemail pipeline), ``download`` (Twilio
    recordings), ``calls`` (call reviews), ``mail`` (the outbox) and ``webhooks`` (outbound
    deliveries pending)."""
    stages = _unfinished_voicemails(session)
    downloads = session.scalar(
        select(func.count())
        .select_from(TelephonyRecording)
        .where(TelephonyRecording.status.in_(list(UNFINISHED)))
    )
    reviews = session.scalar(
        select(func.count())
        .select_from(CallReview)
        .where(CallReview.status.in_(["queued", "running"]))
    )
    hooks = session.scalar(
        select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "pending")
    )
    queues = {
        "transcribe": sum(stages.values()),
        "download": int(downloads or 0),
        "calls": int(reviews or 0),
        "mail": spool_counts(outbox).waiting,
        "webhooks": int(hooks or 0),
    }
    return Depths(queues, stages)


def _by_status(session: Session, column: object, kind: str) -> dict[tuple[str, str], int]:
    rows = session.execute(select(column, func.count()).group_by(column)).all()  # type: ignore[call-overload]
    return {(kind, str(getattr(status, "value", status))): int(n) for status, n in rows}


def outcomes(session: Session, *, outbox: Path) -> Outcomes:
    """Finished jobs by outcome: voicemails (done, no_message, failed, rejected), recording
    downloads (ingested, failed, rejected, absent), call reviews (done, failed), mail
    (sent, failed)."""
    # Zero until the first one, so that a rate over the first job is not lost.
    counts: dict[tuple[str, str], int] = {("voicemail", str(s)): 0 for s in FINAL_STATUSES}
    voicemails = _by_status(session, Voicemail.status, "voicemail")
    counts |= {k: v for k, v in voicemails.items() if k[1] in FINAL_STATUSES}
    downloads = _by_status(session, TelephonyRecording.status, "download")
    counts |= {k: v for k, v in downloads.items() if RecordingStatus(k[1]) not in UNFINISHED}
    reviews = _by_status(session, CallReview.status, "call_review")
    counts |= {k: v for k, v in reviews.items() if k[1] in ("done", "failed")}
    found = _by_status(session, WebhookDelivery.status, "webhook")
    counts |= {k: v for k, v in found.items() if k[1] != "pending"}
    mail: SpoolCounts = spool_counts(outbox)
    counts[("mail", "sent")] = mail.sent
    counts[("mail", "failed")] = mail.failed
    return Outcomes(counts)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class FinishedTracker:
    """Takes each finished voicemail once, for the histograms.

    ``floor`` is the lowest voicemail id not settled yet: every id below it has been taken
    (or never will give a figure). A voicemail is settled once it is final and its email
    is delivered, parked as failed, or was never sent (a hang-up, a rejection). Each call
    reads ids from ``floor`` up only.
    """

    def __init__(self) -> None:
        self.floor = 0
        self.taken: set[int] = set()

    def take(self, session: Session, *, outbox: Path) -> list[Finished]:
        transcribed = and_(
            VoicemailStage.voicemail_id == Voicemail.id,
            VoicemailStage.stage == "transcribe",
            VoicemailStage.status == StageStatus.DONE,
        )
        rows = session.execute(
            select(Voicemail.id, Voicemail.status, Voicemail.received_at, Voicemail.duration)
            .add_columns(Voicemail.email_key, VoicemailStage.duration_ms)
            .outerjoin(VoicemailStage, transcribed)  # one row each: (voicemail, stage) unique
            .where(Voicemail.id >= self.floor)
            .order_by(Voicemail.id)
            .limit(BATCH)
        ).all()
        found: list[Finished] = []
        settled: set[int] = set()
        for vid, status, received, duration, key, ms in rows:
            if vid in self.taken:
                settled.add(vid)
                continue
            if status not in FINAL_STATUSES:
                continue
            sent = sent_time(outbox, key) if key else None
            waiting = key and sent is None and not is_parked(outbox, key)
            if waiting and datetime.now(UTC) - _aware(received) < GIVE_UP:
                continue  # still in the outbox: its latency is not known yet
            rtf = ms / 1000.0 / duration if ms is not None and duration else None
            latency = (sent - _aware(received)).total_seconds() if sent else None
            found.append(Finished(vid, rtf, latency))
            settled.add(vid)
        self.taken |= settled
        self._advance([vid for vid, *_ in rows])
        return found

    def _advance(self, ids: Iterable[int]) -> None:
        for vid in ids:
            if vid not in self.taken:
                break
            self.floor = vid + 1
            self.taken.discard(vid)
