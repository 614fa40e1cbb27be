"""The inbox's jobs as the database records them, whichever queue runs them.

A voicemail is one job: its row says where it stands (received, processing, done, failed
with a reason) and its stage rows say how far it got. ``ringback jobs list`` and
``ringback jobs retry`` read and reset exactly that, so they print the same with the
embedded queue as with Celery. With Celery, :func:`store_and_queue` stores a recording
and queues its pipeline, and :func:`wait_for` waits for the workers to finish it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.db.session import transaction
from ringback.jobs import JobBackend, JobKind, JobRecord, QueueUnavailable
from ringback.voicemail.models import (
    FINAL_STATUSES,
    StageStatus,
    Voicemail,
    VoicemailStage,
    VoicemailStatus,
)
from ringback.voicemail.pipeline.context import VoicemailResult
from ringback.voicemail.pipeline.records import load_result

if TYPE_CHECKING:
    from ringback.config import Settings

UNFINISHED = (VoicemailStatus.RECEIVED, VoicemailStatus.PROCESSING)


class JobNotFound(LookupError):
    pass


class JobNotRetryable(ValueError):
    pass


def _current_stage(stages: list[VoicemailStage]) -> tuple[str | None, int]:
    for stage in sorted(stages, key=lambda s: s.position):
        if stage.status not in (StageStatus.DONE, StageStatus.SKIPPED):
            return stage.stage, stage.attempts
    return None, 0


def list_jobs(session: Session, *, failed: bool = False, limit: int = 200) -> list[JobRecord]:
    """Jobs not finished (received, processing) and failed ones, newest first;
    only the failed with ``failed``."""
    wanted = [VoicemailStatus.FAILED] if failed else [*UNFINISHED, VoicemailStatus.FAILED]
    rows = session.scalars(
        select(Voicemail)
        .where(Voicemail.status.in_(wanted))
        .order_by(Voicemail.id.desc())
        .limit(limit)
    ).all()
    out = []
    for row in rows:
        stage, attempts = _current_stage(list(row.stages))
        out.append(
            JobRecord(
                id=row.id,
                kind=str(JobKind.VOICEMAIL),
                ref=str(row.id),
                status=str(row.status),
                stage=stage,
                attempts=attempts,
                reason=row.status_reason,
                received_at=row.received_at,
            )
        )
    return out


def reset_for_retry(session: Session, voicemail_id: int) -> None:
    """Give a failed (or stuck) voicemail a fresh set of attempts at the stage it stopped
    at; the stages already done are kept, so nothing is transcribed or emailed twice."""
    row = session.get(Voicemail, voicemail_id)
    if row is None:
        raise JobNotFound(f"no job #{voicemail_id}")
    if row.status in FINAL_STATUSES and row.status != VoicemailStatus.FAILED:
        raise JobNotRetryable(f"job #{voicemail_id} is {row.status}: there is nothing to retry")
    for stage in row.stages:
        if stage.status in (StageStatus.FAILED, StageStatus.RUNNING):
            stage.status = StageStatus.PENDING
            stage.attempts = 0
            stage.error = None
    if row.status == VoicemailStatus.FAILED:
        row.status = VoicemailStatus.PROCESSING
    row.status_reason = None
    row.claimed_by = None
    row.claimed_until = None


def mark_failed(url: str, voicemail_id: int, reason: str) -> None:
    """The job gave up outside the pipeline (the worker's retries ran out): say so."""
    with transaction(url) as session:
        row = session.get(Voicemail, voicemail_id)
        if row is None or row.status in FINAL_STATUSES:
            return
        row.status = VoicemailStatus.FAILED
        row.status_reason = reason[:2000]
        row.claimed_by = None
        row.claimed_until = None


def store_and_queue(
    path: Path,
    settings: Settings,
    backend: JobBackend,
    *,
    from_number: str | None = None,
    to_number: str | None = None,
    received_at: datetime | None = None,
) -> VoicemailResult:
    """Store one recording durably, then queue its pipeline; returns at once."""
    from ringback.voicemail.pipeline import ingest
    from ringback.voicemail.service import hand_over, ingest_kwargs

    result = ingest(
        path,
        source="upload",
        stages=None,
        from_number=from_number,
        to_number=to_number,
        received_at=received_at,
        **ingest_kwargs(settings),
    )
    if result.status in UNFINISHED:
        try:
            hand_over(settings, result.id, backend)
        except QueueUnavailable as exc:
            raise QueueUnavailable(
                f"voicemail #{result.id} is stored, but its job could not be queued: {exc}",
                hint=f"start the broker (see RINGBACK_BROKER_URL), then: "
                f"ringback jobs retry {result.id}",
            ) from exc
    return result


def wait_for(
    url: str,
    voicemail_id: int,
    *,
    timeout: float,
    poll: float = 0.25,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_stage: Callable[[str], None] | None = None,
) -> VoicemailResult:
    """Wait until the workers have finished the voicemail (or ``timeout`` seconds pass)
    and return how it stands; ``on_stage`` hears each stage as it starts running."""
    deadline = clock() + timeout
    seen: set[str] = set()
    while True:
        result = load_result(url, voicemail_id)
        if on_stage is not None:
            for stage in result.stages:
                if stage.status != StageStatus.PENDING and stage.name not in seen:
                    seen.add(stage.name)
                    on_stage(stage.name)
        if result.status not in UNFINISHED or clock() >= deadline:
            return result
        sleep(poll)


@dataclass(frozen=True)
class VoicemailJob:
    """The embedded queue's handler for a voicemail job (``ref``: its id): the pipeline,
    in this process. Picklable, so `ringback serve` can run it in its worker process."""

    settings: Settings

    def __call__(self, ref: str) -> VoicemailResult:
        from ringback.voicemail.pipeline import Runner
        from ringback.voicemail.service import build_stages

        url = self.settings.effective_database_url
        stages = build_stages(self.settings, url)
        return Runner(url, stages, data_dir=self.settings.data_dir).run(int(ref))


def stale_voicemails(
    session: Session, *, older_than: timedelta, now: datetime, data_dir: Path | None = None
) -> list[int]:
    """Voicemails the database says are waiting or running, with no live claim, that have
    not moved for ``older_than``: their task is gone (a broker restarted without its
    data, say). Each is marked as looked at (``updated_at``), so it is named again only
    after another ``older_than`` without progress.

    A claim is live as the runner reads it (:func:`claims.is_free`), not only by its
    expiry: one whose process on this host has ended, or that a runner gave up when the
    database went away (noted in ``data_dir``), holds nothing, so its message is named
    now rather than after the hour's lease, in case its retried task was lost too."""
    from ringback.voicemail.pipeline.claims import Abandoned, is_free

    cutoff = now - older_than
    rows = session.scalars(
        select(Voicemail)
        .where(Voicemail.status.in_(UNFINISHED), Voicemail.updated_at < cutoff)
        .order_by(Voicemail.id)
    ).all()
    given_up = Abandoned(data_dir)
    rows = [r for r in rows if is_free(r.claimed_by, r.claimed_until, now, given_up)]
    for row in rows:
        row.updated_at = now
    return [row.id for row in rows]


def ids_to_resume(session: Session, *, include_failed: bool = False) -> list[int]:
    """The voicemails `inbox resume` hands to the workers: those not finished, and with
    ``include_failed`` the failed ones too, each given a fresh set of attempts."""
    wanted = [*UNFINISHED, VoicemailStatus.FAILED] if include_failed else list(UNFINISHED)
    ids = list(
        session.scalars(
            select(Voicemail.id).where(Voicemail.status.in_(wanted)).order_by(Voicemail.id)
        )
    )
    for voicemail_id in ids:
        reset_for_retry(session, voicemail_id)
    return ids
