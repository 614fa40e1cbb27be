"""``ringback worker`` (a Celery worker) and ``ringback jobs`` (what the queue is doing)."""

from __future__ import annotations

import os
import socket
import uuid
from typing import TYPE_CHECKING

import click

from ringback.command_kit import ErrorHints, Hint, work
from ringback.command_kit import load_settings as _settings
from ringback.command_kit import ready_database as _ready
from ringback.console import echo, fail, indented, print_json
from ringback.inputs import ROW_ID
from ringback.timefmt import plural

if TYPE_CHECKING:
    from datetime import datetime

WORKER_EPILOG = """\b
Examples:
  RINGBACK_QUEUE=celery RINGBACK_BROKER_URL=redis://127.0.0.1:6379/0 ringback worker
  ringback worker --queues mail --concurrency 1
  ringback worker --queues transcribe,calls --concurrency 2"""


def _queue_list(raw: str) -> list[str]:
    from ringback.jobs import QUEUES

    names = [q.strip() for q in raw.split(",") if q.strip()]
    unknown = [q for q in names if q not in QUEUES]
    if unknown or not names:
        raise click.BadParameter(
            f"unknown queue {', '.join(unknown) or '(none)'}; use {', '.join(QUEUES)}",
            param_hint="--queues",
        )
    return names


@click.command(
    short_help="Run a Celery worker for transcription, mail and call analysis.",
    epilog=WORKER_EPILOG,
)
@click.option(
    "--queues",
    default="transcribe,mail,calls",
    show_default=True,
    help="Comma-separated queues to take jobs from: transcribe, mail, calls.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes, each with its own warm Whisper model (one per core).",
)
@click.option(
    "--loglevel",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="How much the worker logs.",
)
def worker(queues: str, concurrency: int, loglevel: str) -> None:
    """Take jobs from the broker (RINGBACK_BROKER_URL) and run them until stopped.

    Needs RINGBACK_QUEUE=celery (where `ringback inbox add`, the consume folder and the
    webhooks send their work). Each process loads the Whisper model once, as it starts.
    Stop with Ctrl-C: the job in hand is finished first; a worker killed outright leaves
    its job to another worker."""
    from ringback.jobs import queue_name, uses_celery
    from ringback.redact import mask_url

    names = _queue_list(queues)
    settings = _settings()
    if not uses_celery(settings):
        fail(
            "RINGBACK_QUEUE is 'embedded': nothing is sent to workers",
            hint="set RINGBACK_QUEUE=celery (and RINGBACK_BROKER_URL) for the app and the worker",
        )
    _ready(settings)
    from ringback.workers import celery_app

    celery_app.WARM["transcribe"] = "transcribe" in names
    echo(
        f"worker: {', '.join(names)} from {mask_url(settings.broker_url)}, "
        f"{plural(concurrency, 'process', 'processes')}",
        err=True,
    )
    node = f"ringback-{uuid.uuid4().hex[:6]}-{os.getpid()}@{socket.gethostname()}"
    celery_app.app.worker_main(
        [
            "worker",
            f"--queues={','.join(queue_name(settings, q) for q in names)}",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel.upper()}",
            f"--hostname={node}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@click.group(
    epilog="""\b
Examples:
  ringback jobs list
  ringback jobs list --failed --json
  ringback jobs retry 12"""
)
def jobs() -> None:
    """Background jobs as the database records them (either queue)."""


def _aware(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back without the zone."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _hints(job_id: int | None = None) -> ErrorHints:
    from ringback.voicemail.jobs import JobNotFound, JobNotRetryable

    show = f"ringback inbox show {job_id}" if job_id else "ringback inbox show ID"
    return {
        JobNotFound: Hint("see the ids with `ringback jobs list`", written=False),
        JobNotRetryable: Hint(f"see it with `{show}`", written=False),
    }


@jobs.command(
    "list",
    short_help="Jobs not finished, and those that failed, with the reason.",
    epilog="\b\nExamples:\n  ringback jobs list\n  ringback jobs list --failed --json",
)
@click.option("--failed", is_flag=True, help="Only the jobs that failed.")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON.")
def list_(failed: bool, as_json: bool) -> None:
    """Jobs waiting, running or failed (newest first): voicemails (the stage each is at,
    the attempts there, why a failed one stopped) and Twilio downloads."""
    from ringback.telephony.jobs import recording_jobs
    from ringback.timefmt import format_when
    from ringback.voicemail.jobs import list_jobs

    with work(_hints()) as (session, settings):
        found = list_jobs(session, failed=failed) + recording_jobs(session, failed=failed)
        found.sort(key=lambda j: _aware(j.received_at), reverse=True)
        rows = [j.to_json() for j in found]
        when = [format_when(_aware(j.received_at), settings.tz) for j in found]
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("no failed jobs" if failed else "no jobs waiting, running or failed")
        return
    for r, received in zip(rows, when, strict=True):
        name = f"#{r['id']} voicemail" if r["kind"] == "voicemail" else f"recording {r['ref']}"
        stage = f" at {r['stage']}" if r["stage"] else ""
        tries = f" (attempt {r['attempts']})" if r["attempts"] > 1 else ""
        echo(f"{name} {r['status']}{stage}{tries}, {received}")
        if r["reason"]:
            echo(indented(r["reason"], 4))
        if r["kind"] == "recording" and r["status"] == "failed":
            echo(f"    fetch it again: ringback telephony retry {r['ref']}")
    echo(plural(len(rows), "job"))


@jobs.command(
    short_help="Run a failed or stuck job again, from the stage it stopped at.",
    epilog="\b\nExamples:\n  ringback jobs retry 12\n  ringback jobs retry 12 --json",
)
@click.argument("job_id", type=ROW_ID, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def retry(job_id: int, as_json: bool) -> None:
    """Give job ID a fresh set of attempts: queued for the workers (RINGBACK_QUEUE=celery)
    or run now (embedded). Stages already done are not repeated: no second email."""
    from ringback.jobs import Job, JobKind, QueueUnavailable, backend_from_settings
    from ringback.voicemail.jobs import reset_for_retry, run_now
    from ringback.voicemail.service import result_json

    with work(_hints(job_id)) as (session, settings):
        reset_for_retry(session, job_id)
    backend = backend_from_settings(settings, {JobKind.VOICEMAIL: run_now(settings)})
    try:
        backend.submit(Job(JobKind.VOICEMAIL, str(job_id)))
    except QueueUnavailable as exc:
        fail(str(exc), hint=exc.hint)
    from ringback.voicemail.pipeline import load_result

    data = result_json(load_result(settings.effective_database_url, job_id))
    data["queue"] = backend.name
    if as_json:
        print_json(data)
        return
    verb = "queued" if backend.name == "celery" else "ran again"
    echo(f"job #{job_id} {verb}: {data['status']}")
