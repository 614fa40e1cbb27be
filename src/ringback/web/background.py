"""What the web server does besides answering requests, from start to shutdown.

At start: the database brought to the current schema, the recording worker started and
handed whatever a previous server accepted but did not finish. While running: due
follow-up steps taken every ``followup_sweep_minutes`` (so nobody needs a cron job for
`ringback sequence run`; expired API Idempotency-Key answers and web sign-in sessions
deleted then too), the CRM's webhooks sent every ``webhook_sweep_seconds`` (what
`ringback webhooks deliver` does), queued mail retried when due, work that stopped moving
handed to the worker process again every ``stale_job_seconds`` (a message left waiting
for an object store that was down longer than the pipeline waits, a download or a
`ringback inbox add` cut short), and SQLite's WAL checkpoints, all off the request path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from ringback.db.session import checkpoint, defer_checkpoints

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ringback.config import Settings
    from ringback.telephony.worker import JobQueue

log = logging.getLogger("ringback.web")

CHECKPOINT_SECONDS = 10.0
MAIL_CHECK_SECONDS = 15.0  # how often, at most, queued mail is looked at
VOICEMAIL_KEY = "voicemail:"  # a job key naming a message (else it is a RecordingSid)


@dataclass(frozen=True)
class ServerJob:
    """What the server's worker process runs for a job key: a RecordingSid is fetched,
    stored and run through the pipeline (``recordings``); ``voicemail:ID`` is a message
    already stored whose pipeline stopped, resumed (``voicemails``). Picklable."""

    recordings: Callable[[str], object]
    voicemails: Callable[[str], object]

    def __call__(self, key: str) -> object:
        if key.startswith(VOICEMAIL_KEY):
            return self.voicemails(key.removeprefix(VOICEMAIL_KEY))
        return self.recordings(key)


def stalled_jobs(settings: Settings, *, older_than: timedelta, now: datetime) -> list[str]:
    """Job keys of the work that has not moved for ``older_than`` and that nobody holds:
    downloads accepted but not fetched, and messages received or processing with no live
    claim. Each is marked as looked at, so it is named again only after another period;
    work that moves (or that another process has claimed) is never named."""
    from ringback.db.session import transaction
    from ringback.telephony.jobs import stale_recordings
    from ringback.voicemail.jobs import stale_voicemails

    with transaction(settings.effective_database_url) as session:
        recordings = stale_recordings(session, older_than=older_than, now=now)
        voicemails = stale_voicemails(
            session, older_than=older_than, now=now, data_dir=settings.data_dir
        )
    return [*recordings, *(f"{VOICEMAIL_KEY}{vid}" for vid in voicemails)]


async def _resume_stalled_forever(settings: Settings, queue: JobQueue) -> None:
    """While the server runs (the embedded queue: Celery's workers sweep for themselves),
    hand work that stopped moving to the worker process again, every
    ``stale_job_seconds``: a message waiting for storage is finished once the store is
    back, without a restart or `ringback inbox resume`."""
    period = timedelta(seconds=settings.stale_job_seconds)
    while True:
        await asyncio.sleep(period.total_seconds())
        try:
            keys = await run_in_threadpool(
                stalled_jobs, settings, older_than=period, now=datetime.now(UTC)
            )
        except Exception as exc:  # the database away for a moment: next time
            log.warning("looking for stalled work failed: %s", str(exc).splitlines()[0])
            continue
        if keys:
            log.warning("picking up work that stopped moving: %s", ", ".join(keys[:20]))
        for key in keys:
            queue.submit(key)


def _follow_up_once(settings: Settings) -> None:
    from ringback.db.base import utcnow
    from ringback.db.session import transaction
    from ringback.tracking.service import run_followups

    with transaction(settings.effective_database_url) as session:
        report = run_followups(session, settings=settings, now=utcnow())
    if report.started or report.drafted or report.sent or report.tasks:
        log.info(
            "follow-ups: %d started, %d drafted, %d sent, %d call tasks",
            len(report.started),
            len(report.drafted),
            len(report.sent),
            len(report.tasks),
        )


async def _checkpoint_forever(url: str) -> None:
    """SQLite's WAL checkpoints, off the request path (see db.session.defer_checkpoints)."""
    while True:
        await asyncio.sleep(CHECKPOINT_SECONDS)
        try:
            await run_in_threadpool(checkpoint, url)
        except Exception:  # a locked or vanished database: try again next time
            log.exception("WAL checkpoint failed; trying again later")


async def _flush_mail_forever(settings: Settings) -> None:
    """While the server runs, retry queued mail when it is due: an email queued while the
    SMTP server was down goes out once it is back, without `ringback mail flush`."""
    from ringback.mail import MailConfigError, flush_outbox

    while True:
        await asyncio.sleep(min(settings.mail_retry_seconds, MAIL_CHECK_SECONDS))
        try:
            await run_in_threadpool(flush_outbox, settings)
        except MailConfigError as exc:  # says what to set; no traceback every few seconds
            log.warning("queued mail cannot be sent: %s", exc)
        except Exception:  # a full disk, a bug: say so, try again later
            log.exception("outbox flush failed; trying again later")


def _forget_expired(settings: Settings) -> None:
    """Delete the API's Idempotency-Key answers past ``idempotency_hours`` and the web
    sign-in sessions past their absolute or idle expiry."""
    from ringback.accounts.idempotency import prune
    from ringback.accounts.sessions import purge_expired
    from ringback.db.session import transaction
    from ringback.web.auth import idle_limit

    with transaction(settings.effective_database_url) as session:
        prune(session, max_age=timedelta(hours=settings.idempotency_hours))
        purge_expired(session, idle=idle_limit(settings))


async def _follow_up_forever(settings: Settings) -> None:
    """While the server runs, take due follow-up steps every ``followup_sweep_minutes``
    (what `ringback sequence run` does), so nobody needs a cron job for it; and delete
    what has expired: the API's Idempotency-Key answers (they can hold a contact's name
    and number; writing a key deletes them too, but keys may stop coming), and the web
    sign-in sessions (a browser that never comes back never has its own deleted)."""
    while True:
        try:
            await run_in_threadpool(_follow_up_once, settings)
        except Exception:  # one bad run (SMTP down, a lock) must not end the loop
            log.exception("follow-up run failed; trying again next time")
        try:
            await run_in_threadpool(_forget_expired, settings)
        except Exception:  # a locked database: next time
            log.exception("deleting expired answers and sessions failed; trying again later")
        await asyncio.sleep(settings.followup_sweep_minutes * 60)


async def _webhooks_forever(settings: Settings) -> None:
    """While the server runs, send the due webhooks every ``webhook_sweep_seconds``: in
    a thread, so a slow receiver (each POST is bounded by ``webhook_timeout_seconds``)
    never holds up a request; leases keep a second server from sending the same one."""
    from ringback.outbound.sender import sender_for

    sender = sender_for(settings)
    while True:
        try:
            await run_in_threadpool(sender.run_once)
        except Exception:  # a locked database or a bug in one delivery: next time
            log.exception("webhook run failed; trying again next time")
        await asyncio.sleep(settings.webhook_sweep_seconds)


def lifespan(
    settings: Settings, queue: JobQueue, *, prepare_database: bool, token_set: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: start-up and shutdown of the work described above."""
    url = settings.effective_database_url

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        from ringback.jobs import uses_celery
        from ringback.telephony import service

        if prepare_database:
            from ringback.db.migrate import ensure_current

            await run_in_threadpool(ensure_current, url)
        if not token_set:
            log.warning("RINGBACK_TWILIO_AUTH_TOKEN is not set: every webhook will be refused")
        queue.start()
        # Whatever a previous server accepted but did not finish is picked up again.
        for sid in await run_in_threadpool(service.pending, settings):
            queue.submit(sid)
        sweeper = None
        if settings.followup_sweep_minutes > 0:
            sweeper = asyncio.create_task(_follow_up_forever(settings))
        hooks = None
        if settings.webhook_sweep_seconds > 0:
            hooks = asyncio.create_task(_webhooks_forever(settings))
        # A webhook's commit must not do a WAL checkpoint's fsyncs (SQLite): a thread does.
        defer_checkpoints()
        checkpoints = asyncio.create_task(_checkpoint_forever(url))
        mail = asyncio.create_task(_flush_mail_forever(settings))
        stalled = None
        if settings.stale_job_seconds > 0 and not uses_celery(settings):
            stalled = asyncio.create_task(_resume_stalled_forever(settings, queue))
        yield
        mail.cancel()
        checkpoints.cancel()
        for task in (sweeper, hooks, stalled):
            if task is not None:
                task.cancel()
        queue.stop(timeout=5.0)
        await run_in_threadpool(checkpoint, url)
        defer_checkpoints(False)

    return run
