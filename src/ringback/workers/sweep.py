"""The recovery sweep: the database is the source of truth, the broker only carries it.

A broker that restarts without its data (Redis with no persistence, a RabbitMQ queue
not durable, a server replaced) loses the tasks it held, but every job is still in the
database: a voicemail ``received`` or ``processing`` with no live claim, a Twilio
download not fetched, a call review queued, an email waiting in the outbox past its
due time. :func:`requeue_stale` queues each one that has not moved for
``RINGBACK_STALE_JOB_SECONDS`` again. A job whose task was not lost after all (only
slow) then has two; the second finds the work done or claimed and does nothing, so
nothing runs twice and nobody gets a second email.

Each ``ringback worker`` sweeps once as it starts and then every
``RINGBACK_STALE_JOB_SECONDS``; ``ringback jobs retry --stale`` sweeps on demand.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ringback.jobs import Job, JobBackend, JobKind
from ringback.timefmt import plural

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from ringback.config import Settings

log = logging.getLogger("ringback.workers.sweep")


@dataclass(frozen=True)
class SweepReport:
    """What one sweep queued again, by kind (the database's key for each job)."""

    queued: dict[str, list[str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(refs) for refs in self.queued.values())

    def to_json(self) -> dict[str, list[str]]:
        return {kind: list(refs) for kind, refs in self.queued.items()}


def _stale_rows(
    session: Session, *, older_than: timedelta, now: datetime, data_dir: Path
) -> dict[JobKind, list[str]]:
    """The database's jobs not moving for ``older_than``, each marked as looked at."""
    from ringback.calls.jobs import stale_reviews
    from ringback.telephony.jobs import stale_recordings
    from ringback.voicemail.jobs import stale_voicemails

    voicemails = stale_voicemails(session, older_than=older_than, now=now, data_dir=data_dir)
    reviews = stale_reviews(session, older_than=older_than, now=now)
    return {
        JobKind.VOICEMAIL: [str(i) for i in voicemails],
        JobKind.RECORDING: stale_recordings(session, older_than=older_than, now=now),
        JobKind.REVIEW: [str(i) for i in reviews],
    }


def overdue_mail(settings: Settings, *, older_than: timedelta, now: datetime) -> list[str]:
    """Outbox keys of emails waiting past their due time by more than ``older_than``: a
    live mail task would have tried them when they were due."""
    from ringback.mail.outbox import Outbox

    folder = settings.data_dir / "outbox"
    if not folder.is_dir():
        return []
    cutoff = now - older_than
    entries = Outbox(folder, mailer=None).entries()  # type: ignore[arg-type]  # reading only
    return [e.key for e in entries if max(e.created_at, e.next_attempt_at) < cutoff]


def requeue_stale(settings: Settings, backend: JobBackend, *, older_than: timedelta) -> SweepReport:
    """Queue again every job not moving for ``older_than`` (see the module's text). The
    rows are marked as looked at only once their tasks are on the broker: a broker still
    down leaves them for the next sweep."""
    from ringback.db.session import transaction

    now = datetime.now(UTC)
    report = SweepReport()
    with transaction(settings.effective_database_url) as session:
        found = _stale_rows(session, older_than=older_than, now=now, data_dir=settings.data_dir)
        found[JobKind.MAIL] = overdue_mail(settings, older_than=older_than, now=now)
        for kind, refs in found.items():
            for ref in refs:
                backend.submit(Job(kind, ref))
            if refs:
                report.queued[str(kind)] = refs
                shown = ", ".join(refs[:20])
                log.warning(
                    "queued %s again (not moving): %s", plural(len(refs), f"{kind} job"), shown
                )
    return report


def start_sweeping(settings: Settings, backend: JobBackend) -> threading.Event | None:
    """In a worker: sweep now, then every ``stale_job_seconds``, on a daemon thread until
    the returned event is set (None when the setting is 0: no sweep)."""
    period = settings.stale_job_seconds
    if period <= 0:
        return None
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                requeue_stale(settings, backend, older_than=timedelta(seconds=period))
            except Exception as exc:  # the database or broker down: next time
                log.warning("recovery sweep skipped: %s", str(exc).splitlines()[0])
            if stop.wait(period):
                return

    threading.Thread(target=loop, name="ringback-sweep", daemon=True).start()
    return stop
