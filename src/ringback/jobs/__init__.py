"""Where background work goes: the queue backend behind one small Protocol.

``RINGBACK_QUEUE=embedded`` (the default) is what Ringback always did: work runs in the
process that took it in (``inbox add`` transcribes before it returns, ``ringback serve``
hands recordings to its own worker process). ``RINGBACK_QUEUE=celery`` sends the same
work as Celery tasks to ``RINGBACK_BROKER_URL`` (Redis or RabbitMQ), where
``ringback worker`` processes run it. Either way the database records each job's state.

This package is on the ground floor: it names the work (:class:`Job`) and the queues,
and sends tasks by name; the tasks themselves live with the workers
(:mod:`ringback.workers`), which call the domains.
"""

from ringback.jobs.backend import (
    CALLS,
    MAIL,
    QUEUES,
    TRANSCRIBE,
    CeleryBackend,
    CeleryJobQueue,
    EmbeddedBackend,
    Job,
    JobBackend,
    JobKind,
    QueueUnavailable,
    backend_from_settings,
    celery_app,
    queue_name,
    uses_celery,
)
from ringback.jobs.records import JobRecord

__all__ = [
    "CALLS",
    "MAIL",
    "QUEUES",
    "TRANSCRIBE",
    "CeleryBackend",
    "CeleryJobQueue",
    "EmbeddedBackend",
    "Job",
    "JobBackend",
    "JobKind",
    "JobRecord",
    "QueueUnavailable",
    "backend_from_settings",
    "celery_app",
    "queue_name",
    "uses_celery",
]
