"""``ringback worker`` (a Celery worker) and ``ringback jobs`` (what the queue is doing)."""

from __future__ import annotations

import os
import socket
import uuid
from typing import TYPE_CHECKING, Any

import click

from ringback.command_kit import ErrorHints, Hint, work
from ringback.command_kit import load_settings as _settings
from ringback.command_kit import ready_database as _ready
from ringback.console import echo, fail, indented, print_json
from ringback.inputs import ROW_ID
from ringback.timefmt import plural

if TYPE_CHECKING:
    from datetime import datetime

    from ringback.config import Settings

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
    from ringback.jobs import queue_name
    from ringback.redact import mask_url

    names = _queue_list(queues)
    settings = _celery_settings(
        "RINGBACK_QUEUE is 'embedded': nothing is sent to workers",
        hint="set RINGBACK_QUEUE=celery (and RINGBACK_BROKER_URL) for the app and the worker",
    )
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
    from ringback.calls.jobs import ReviewNotRetryable
    from ringback.calls.reviews import ReviewNotFound
    from ringback.voicemail.jobs import JobNotFound, JobNotRetryable

    show = f"ringback inbox show {job_id}" if job_id else "ringback inbox show ID"
    return {
        JobNotFound: Hint("see the ids with `ringback jobs list`", written=False),
        JobNotRetryable: Hint(f"see it with `{show}`", written=False),
        ReviewNotFound: Hint("see the ids with `ringback jobs list`", written=False),
        ReviewNotRetryable: Hint("only a failed review is retried", written=False),
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
    the attempts there, why a failed one stopped), Twilio downloads, and your call
    reviews."""
    from ringback.calls.jobs import review_jobs
    from ringback.telephony.jobs import recording_jobs
    from ringback.timefmt import format_when
    from ringback.voicemail.jobs import list_jobs

    with work(_hints()) as (session, settings):
        found = list_jobs(session, failed=failed) + recording_jobs(session, failed=failed)
        found += review_jobs(session, failed=failed)
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
        _print_job(r, received)
    echo(plural(len(rows), "job"))


def _print_job(r: dict[str, Any], received: str) -> None:
    names = {"voicemail": f"#{r['id']} voicemail", "review": f"call review #{r['id']}"}
    name = names.get(r["kind"], f"recording {r['ref']}")
    stage = f" at {r['stage']}" if r["stage"] and r["kind"] != "review" else ""
    if r["kind"] == "review" and r["status"] == "running" and r["stage"]:
        stage = f" ({r['stage']})"
    tries = f" (attempt {r['attempts']})" if r["attempts"] > 1 else ""
    echo(f"{name} {r['status']}{stage}{tries}, {received}")
    if r["reason"]:
        echo(indented(r["reason"], 4))
    if r["status"] == "failed" and r["kind"] == "recording":
        echo(f"    fetch it again: ringback telephony retry {r['ref']}")
    if r["status"] == "failed" and r["kind"] == "review":
        echo(f"    analyse it again: ringback jobs retry --review {r['id']}")


@jobs.command(
    short_help="Run a failed or stuck job again; --stale: queue lost jobs again.",
    epilog="""\b
Examples:
  ringback jobs retry 12
  ringback jobs retry 12 --json
  ringback jobs retry --review 3
  ringback jobs retry --stale
  ringback jobs retry --stale --older-than 60 --json""",
)
@click.argument("job_id", type=ROW_ID, metavar="[ID]", required=False)
@click.option("--review", is_flag=True, help="ID is a call review (see `ringback jobs list`).")
@click.option(
    "--stale",
    is_flag=True,
    help="RINGBACK_QUEUE=celery: queue again every job the database says is waiting but "
    "that has not moved (its task lost with a broker restarted without its data).",
)
@click.option(
    "--older-than",
    type=click.IntRange(0, None),
    default=None,
    metavar="SECONDS",
    help="With --stale: not moved for this long [default: RINGBACK_STALE_JOB_SECONDS].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def retry(
    job_id: int | None, review: bool, stale: bool, older_than: int | None, as_json: bool
) -> None:
    """Give job ID a fresh set of attempts: queued for the workers (RINGBACK_QUEUE=celery)
    or run now (embedded). Stages already done are not repeated: no second email."""
    if stale:
        if job_id is not None or review:
            fail(
                "--stale queues every lost job again: give no ID",
                hint="ringback jobs retry --stale",
            )
        _retry_stale(older_than, as_json)
        return
    if job_id is None:
        fail("which job?", hint="give its ID (see `ringback jobs list`), or --stale")
    if review:
        _retry_review(job_id, as_json)
        return
    from ringback.jobs import Job, JobKind, QueueUnavailable, backend_from_settings
    from ringback.voicemail.jobs import VoicemailJob, reset_for_retry
    from ringback.voicemail.service import result_json

    with work(_hints(job_id)) as (session, settings):
        reset_for_retry(session, job_id)
    backend = backend_from_settings(settings, {JobKind.VOICEMAIL: VoicemailJob(settings)})
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


def _retry_review(review_id: int, as_json: bool) -> None:
    """A failed call review queued again (celery) or analysed now (embedded)."""
    from ringback.calls.jobs import reset_review_for_retry
    from ringback.calls.review_job import run_review
    from ringback.jobs import Job, JobKind, QueueUnavailable, backend_from_settings

    with work(_hints()) as (session, settings):
        reset_review_for_retry(session, review_id)
    handlers = {JobKind.REVIEW: lambda ref: run_review(int(ref), settings=settings)}
    backend = backend_from_settings(settings, handlers)
    try:
        backend.submit(Job(JobKind.REVIEW, str(review_id)))
    except QueueUnavailable as exc:
        fail(str(exc), hint=exc.hint)
    from ringback.calls.jobs import review_status

    with work(_hints(), settings) as (session, _):
        status = review_status(session, review_id)
    if as_json:
        print_json({"id": review_id, "kind": "review", "status": status, "queue": backend.name})
        return
    verb = "queued" if backend.name == "celery" else "ran again"
    echo(f"call review #{review_id} {verb}: {status}")


def _retry_stale(older_than: int | None, as_json: bool) -> None:
    from datetime import timedelta

    from ringback.jobs import QueueUnavailable, backend_from_settings
    from ringback.workers.sweep import requeue_stale

    settings = _celery_settings(
        "--stale is for RINGBACK_QUEUE=celery (jobs lost by the broker)",
        hint="with the embedded queue: ringback inbox resume",
    )
    age = timedelta(seconds=settings.stale_job_seconds if older_than is None else older_than)
    try:
        report = requeue_stale(settings, backend_from_settings(settings), older_than=age)
    except QueueUnavailable as exc:
        fail(str(exc), hint="start the broker, then run this again")
    if as_json:
        print_json({"queued": report.to_json(), "count": report.count})
        return
    for kind, refs in report.queued.items():
        echo(f"{plural(len(refs), f'{kind} job')} queued again: {', '.join(refs)}")
    echo(f"{plural(report.count, 'job')} queued again" if report.count else "no lost jobs")


def _celery_settings(refusal: str, *, hint: str) -> Settings:
    """The settings, for a command that only means something with the Celery queue: with
    the embedded one it is refused (``refusal``, ``hint``); the database is made ready."""
    from ringback.jobs import uses_celery

    settings = _settings()
    if not uses_celery(settings):
        fail(refusal, hint=hint)
    _ready(settings)
    return settings
