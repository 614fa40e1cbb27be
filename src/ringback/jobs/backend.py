"""The queue backends: :class:`EmbeddedBackend` (today's behaviour) and :class:`CeleryBackend`.

A :class:`Job` names a piece of work by kind and by the key the database knows it under
(a voicemail id, a RecordingSid, a call review id, an outbox key), never by its data: a
worker reads the rest from the database, so a job delivered twice, or late, finds the
truth there (and the stage records and claims make the second delivery a no-op).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ringback.errors import HintedError
from ringback.redact import mask_url

if TYPE_CHECKING:
    from celery import Celery

    from ringback.config import Settings

log = logging.getLogger("ringback.jobs")

# The queues, by what they hold: a backlog of recordings never delays an email.
TRANSCRIBE = "transcribe"
MAIL = "mail"
CALLS = "calls"
QUEUES = (TRANSCRIBE, MAIL, CALLS)


class JobKind(StrEnum):
    VOICEMAIL = "voicemail"  # run the voicemail pipeline on voicemail <id>
    RECORDING = "recording"  # download Twilio recording <sid>, store it, then VOICEMAIL
    REVIEW = "review"  # analyse call review <id>
    MAIL = "mail"  # deliver the outbox message with key <key>


# Celery task names (registered by ringback.workers.tasks) and the queue each goes to.
TASKS: dict[JobKind, str] = {
    JobKind.VOICEMAIL: "ringback.voicemail.process",
    JobKind.RECORDING: "ringback.telephony.recording",
    JobKind.REVIEW: "ringback.calls.review",
    JobKind.MAIL: "ringback.mail.deliver",
}
ROUTES: dict[JobKind, str] = {
    JobKind.VOICEMAIL: TRANSCRIBE,
    JobKind.RECORDING: TRANSCRIBE,
    JobKind.REVIEW: CALLS,
    JobKind.MAIL: MAIL,
}


@dataclass(frozen=True)
class Job:
    kind: JobKind
    ref: str  # the database's key for it: voicemail id, RecordingSid, review id, outbox key


class QueueUnavailable(HintedError):
    """The broker could not take the job (the work itself is safe in the database)."""


@runtime_checkable
class JobBackend(Protocol):
    name: str

    def submit(self, job: Job) -> None:
        """Hand the job over; returns once it is queued (celery) or done (embedded)."""
        ...


def uses_celery(settings: Settings) -> bool:
    return settings.queue == "celery"


def queue_name(settings: Settings, queue: str) -> str:
    """The broker's name for one of :data:`QUEUES` (``RINGBACK_QUEUE_PREFIX`` first)."""
    if queue not in QUEUES:
        raise HintedError(f"unknown queue {queue!r}", hint=f"use {', '.join(QUEUES)}")
    return f"{settings.queue_prefix}{queue}"


class EmbeddedBackend:
    """Runs each job now, in this process, with the handler given for its kind."""

    name = "embedded"

    def __init__(self, handlers: Mapping[JobKind, Callable[[str], object]]) -> None:
        self.handlers = dict(handlers)

    def submit(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            raise LookupError(f"no handler for {job.kind} jobs in this process")
        handler(job.ref)


def celery_app(settings: Settings) -> Celery:
    """The Celery app for ``settings``: broker, queues, and the delivery guarantees.

    Tasks are acknowledged only when they finish (``acks_late``) and given back when the
    worker running them dies (``reject_on_worker_lost``), and a worker takes one task at
    a time per process (``prefetch_multiplier=1``), so a job is never lost with a worker
    nor stuck behind a long transcription in another process's prefetch buffer.
    """
    from celery import Celery
    from kombu import Queue

    app = Celery("ringback", broker=settings.broker_url, set_as_current=False)
    timeout = settings.broker_visibility_timeout
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_queues=[Queue(queue_name(settings, q)) for q in QUEUES],
        task_default_queue=queue_name(settings, TRANSCRIBE),
        task_routes={TASKS[k]: {"queue": queue_name(settings, q)} for k, q in ROUTES.items()},
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": timeout,
            # Sweep for tasks of vanished workers often enough to matter at a short timeout.
            "unacked_restore_interval": max(1, min(10, timeout // 4)),
            "unacked_restore_throttle": 1,
            "max_retries": 3,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


class CeleryBackend:
    """Sends each job as a Celery task, by name, to its queue on the broker."""

    name = "celery"

    def __init__(self, settings: Settings, app: Celery | None = None) -> None:
        self.settings = settings
        self._app = app

    @property
    def app(self) -> Celery:
        if self._app is None:
            self._app = celery_app(self.settings)
        return self._app

    def submit(self, job: Job) -> None:
        queue = queue_name(self.settings, ROUTES[job.kind])
        try:
            self.app.send_task(TASKS[job.kind], args=[job.ref], queue=queue)
        except Exception as exc:  # kombu's OperationalError, a refused connection...
            raise QueueUnavailable(
                f"could not queue {job.kind} {job.ref} on {mask_url(self.settings.broker_url)}: "
                f"{exc}",
                hint="start the broker (Redis or RabbitMQ) or check RINGBACK_BROKER_URL; "
                "the recording is stored: `ringback jobs retry ID` queues it again",
            ) from exc
        log.info("queued %s %s on %s", job.kind, job.ref, queue)


def backend_from_settings(
    settings: Settings, handlers: Mapping[JobKind, Callable[[str], object]] | None = None
) -> JobBackend:
    """The backend ``RINGBACK_QUEUE`` names; ``handlers`` run the jobs when embedded."""
    if uses_celery(settings):
        return CeleryBackend(settings)
    return EmbeddedBackend(handlers or {})


class CeleryJobQueue:
    """A :class:`~ringback.telephony.worker.JobQueue` (``submit(key)``, ``start``, ``stop``)
    whose jobs go to the Celery workers: what the web server uses when RINGBACK_QUEUE=celery."""

    def __init__(self, backend: CeleryBackend, kind: JobKind) -> None:
        self.backend = backend
        self.kind = kind

    def submit(self, key: str) -> None:
        try:
            self.backend.submit(Job(self.kind, key))
        except QueueUnavailable as exc:
            # The webhook has recorded the job: it is queued again at the next start.
            log.error("%s (%s)", exc, exc.hint)

    def start(self) -> None:
        """Nothing to start: the workers run elsewhere."""

    def stop(self, timeout: float | None = None) -> None:
        """Nothing to stop."""
