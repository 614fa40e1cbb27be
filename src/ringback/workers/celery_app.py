"""The Celery app and its tasks: what ``ringback worker`` runs.

``celery -A ringback.workers.celery_app worker -Q transcribe,mail`` works too; the app
reads the same settings (``RINGBACK_BROKER_URL``, ``RINGBACK_QUEUE_PREFIX`` ...).

Every task takes the database's key for its job and nothing else, and the database stays
the source of truth: the voicemail task runs the pipeline through the same
:class:`~ringback.voicemail.pipeline.Runner` as the embedded queue, so its per-stage
records and claim make a task delivered twice (a worker killed, a visibility timeout)
continue where the first stopped, or do nothing. Mail is keyed by the outbox key, so a
repeated mail task sends one email. A task whose database, broker or mail server is
unreachable is retried with exponential backoff; when the retries run out the job is
marked failed with the reason, where ``ringback jobs list --failed`` shows it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from celery.signals import worker_process_init, worker_ready

from ringback.config import get_settings
from ringback.jobs import JobKind, celery_app
from ringback.jobs.backend import TASKS

if TYPE_CHECKING:
    from celery import Task

    from ringback.voicemail.pipeline import Runner

log = logging.getLogger("ringback.workers")

settings = get_settings()
app = celery_app(settings)

# Set by `ringback worker` before the pool starts: whether this worker's processes take
# transcription jobs, and so should load the Whisper model as they start.
WARM = {"transcribe": True}

# Per worker process: the pipeline's stages (the Whisper model loaded once, kept warm)
# and one runner, so a claim left by a task that lost its database is this runner's own
# to take back when the task is retried.
_process: dict[str, Any] = {}

MAX_BACKOFF = 300.0


def backoff(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: 2, 4, 8 ... at most 5 minutes."""
    return float(min(MAX_BACKOFF, 2.0 ** (retries + 1)))


def runner() -> Runner:
    if "runner" not in _process:
        from ringback.voicemail.pipeline import Runner
        from ringback.voicemail.service import build_stages

        url = settings.effective_database_url
        _process["runner"] = Runner(url, build_stages(settings, url), data_dir=settings.data_dir)
    result: Runner = _process["runner"]
    return result


@worker_process_init.connect
def _warm_model(**_: Any) -> None:
    """Each worker process loads the model once, as it starts, and keeps it."""
    if not WARM["transcribe"]:
        return
    from ringback.voicemail.adapters import WhisperTranscriber

    try:
        WhisperTranscriber(settings).warm()
        runner()
    except Exception:  # the first task reports it with the reason, through the runner
        log.exception("could not load the speech model")


@worker_ready.connect
def _start_sweep(**_: Any) -> None:
    """Jobs whose tasks the broker lost are queued again: now, and every
    ``stale_job_seconds`` while this worker runs (:mod:`ringback.workers.sweep`)."""
    from ringback.jobs import CeleryBackend
    from ringback.workers.sweep import start_sweeping

    _process["sweep"] = start_sweeping(settings, CeleryBackend(settings))


def _retry_or_give_up(task: Task, exc: Exception, give_up: Any = None) -> None:
    """Retry the task with exponential backoff; out of retries, record why it failed."""
    retries = task.request.retries
    if retries >= settings.worker_max_retries:
        reason = f"gave up after {retries + 1} attempts: {type(exc).__name__}: {exc}"
        log.error("%s %s: %s", task.name, task.request.args, reason)
        if give_up is not None:
            try:
                give_up(reason)
            except Exception:
                log.exception("%s: could not record the failure", task.name)
        return
    log.warning(
        "%s %s: %s; retrying in %.0f s", task.name, task.request.args, exc, backoff(retries)
    )
    raise task.retry(exc=exc, countdown=backoff(retries), max_retries=settings.worker_max_retries)


@app.task(name=TASKS[JobKind.VOICEMAIL], bind=True)
def process_voicemail(self: Task, ref: str) -> str:
    """The voicemail pipeline on one voicemail (continues from its first stage not done)."""
    from ringback.voicemail.jobs import mark_failed

    url = settings.effective_database_url
    voicemail_id = int(ref)
    try:
        result = runner().run(voicemail_id)
    except LookupError:
        log.warning("voicemail %s: not in the database; nothing to do", voicemail_id)
        return "missing"
    except Exception as exc:
        _retry_or_give_up(self, exc, lambda reason: mark_failed(url, voicemail_id, reason))
        return "failed"
    return result.status


# max_retries=None on the task itself: Celery reads retry(max_retries=None) as "the task's
# default" (3), which ended a mail task after three tries while the SMTP server was down.
@app.task(name=TASKS[JobKind.MAIL], bind=True, max_retries=None)
def deliver_mail(self: Task, key: str) -> str:
    """Send one spooled email; an SMTP server that refuses or is down is tried again."""
    from ringback.mail import DeliveryStatus, deliver_spooled

    try:
        result = deliver_spooled(key, settings=settings)
    except Exception as exc:
        _retry_or_give_up(self, exc)
        return "failed"
    if result is None:
        log.warning("mail %s: not in the outbox; nothing to send", key)
        return "missing"
    if result.status is DeliveryStatus.QUEUED:
        # The outbox counts the attempts (its backoff: 30 s doubling, up to an hour) and
        # parks the message after mail_max_attempts, which ends this task; until then the
        # task looks again when the next attempt is due, at least every MAX_BACKOFF.
        due = result.next_attempt_at or datetime.now(UTC)
        wait = min(MAX_BACKOFF, max(1.0, (due - datetime.now(UTC)).total_seconds()))
        log.warning("mail %s: not delivered (%s); again in %.0f s", key, result.error, wait)
        raise self.retry(countdown=wait, max_retries=None)
    return str(result.status)


@app.task(name=TASKS[JobKind.RECORDING], bind=True)
def fetch_recording(self: Task, recording_sid: str) -> str:
    """Download a Twilio recording, store it, and queue its pipeline."""
    from ringback.telephony.service import process

    try:
        return process(recording_sid, settings)
    except LookupError:
        log.warning("recording %s: not in the database; nothing to do", recording_sid)
        return "missing"
    except Exception as exc:
        _retry_or_give_up(self, exc)
        return "failed"


@app.task(name=TASKS[JobKind.REVIEW], bind=True)
def review_call(self: Task, ref: str) -> str:
    """Analyse one uploaded call (its failures are recorded on the review's row)."""
    from ringback.calls.review_job import run_review

    try:
        run_review(int(ref), settings=settings)
    except Exception as exc:
        _retry_or_give_up(self, exc)
        return "failed"
    return "done"
