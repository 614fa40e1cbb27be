"""``ringback inbox``'s intake commands: recordings in (add, watch, import-asterisk,
externnotify) and work an interrupted run left (resume).

Their own room apart from the reading commands in :mod:`ringback.voicemail.cli` (list,
show, capture): these store, transcribe and email messages, with the queue (embedded or
Celery) and the batch and watch machinery that goes with it. The ``inbox`` group in
:mod:`ringback.voicemail.cli` adds them (:data:`INTAKE_COMMANDS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ringback.command_kit import load_settings as _settings
from ringback.command_kit import ready_database as _ready
from ringback.console import echo, fail, print_json
from ringback.voicemail.cli_support import (
    flush as _flush,
)
from ringback.voicemail.cli_support import (
    guard as _guard,
)
from ringback.voicemail.cli_support import (
    parse_time_or_fail as _time,
)

if TYPE_CHECKING:
    from ringback.config import Settings


@click.command(
    short_help="Add recordings and process them now (email included).",
    epilog="\b\nExamples:\n  ringback inbox add msg.wav\n"
    "  ringback inbox add msg.mp3 --from 415-555-0137 --received-at '2026-11-23 09:30' --json\n"
    "  ringback inbox add old-messages/*.wav --workers 2",
)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE..."
)
@click.option("--from", "from_number", metavar="NUMBER", help="Caller ID of the call.")
@click.option("--to", "to_number", metavar="NUMBER", help="The number that was called.")
@click.option("--received-at", metavar="TIME", help="When it was left (ISO 8601). Default now.")
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    help="Processes for several files, each with its own model (default: inbox_workers).",
)
@click.option(
    "--wait",
    is_flag=True,
    help="With RINGBACK_QUEUE=celery: wait until the workers have processed it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def add(
    files: tuple[Path, ...],
    from_number: str | None,
    to_number: str | None,
    received_at: str | None,
    workers: int | None,
    wait: bool,
    as_json: bool,
) -> None:
    """Add recordings: stored, transcribed, analysed and emailed before this returns.

    Several files are a batch (a backlog, an old phone's messages): worked through by
    `--workers` processes, with a progress bar and one line per file at the end.
    Every file is stored before any is processed. Exits 1 when a recording was rejected
    (not audio, empty, too large), failed, or is left for `ringback inbox resume`;
    the original is kept either way.

    With RINGBACK_QUEUE=celery each file is stored and queued for `ringback worker`, and
    this returns at once (`--wait`: once the workers are done with it)."""
    from ringback.voicemail import render
    from ringback.voicemail.service import add_file, email_status, result_json

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        fail(f"no such file: {', '.join(missing)}", hint="pass the paths of recordings")
    odd = [str(f) for f in files if not f.is_file()]
    if odd:
        fail(
            f"not a regular file (a folder, pipe or device): {', '.join(odd)}",
            hint="save the recording to a file first, then add that file",
        )
    if len(files) > 1 and (from_number or to_number or received_at):
        fail(
            "--from, --to and --received-at describe one call",
            hint="add that recording on its own: ringback inbox add FILE --from NUMBER",
        )
    settings = _settings()
    when = _time(received_at, settings)
    _ready(settings)
    if settings.queue == "celery":
        from ringback.voicemail.cli_queue import add_queued

        add_queued(
            files,
            settings,
            wait=wait,
            as_json=as_json,
            from_number=from_number,
            to_number=to_number,
            received_at=when,
        )
        return
    if len(files) > 1:
        _add_batch(files, settings, workers or settings.inbox_workers, as_json)
        return
    with render.progress(enabled=not as_json) as (on_stage, on_progress):
        result = _guard(
            lambda: add_file(
                files[0],
                settings,
                from_number=from_number,
                to_number=to_number,
                received_at=when,
                on_stage=on_stage,
                on_progress=on_progress,
                owner_id=_acting_user_id(settings),
            )
        )
    data = result_json(result)
    data["email_status"] = email_status(settings, result.email_key)
    if as_json:
        print_json(data)
    else:
        from ringback.mail.service import delivery_words

        render.outcome(data, email_words=delivery_words(settings, data["email_status"]))
    if result.status in ("rejected", "failed", "received"):
        raise SystemExit(1)  # received: waiting for the object store (inbox resume)


def _acting_user_id(settings: Settings) -> int | None:
    """The id of the user the command acts as (--as, RINGBACK_USER, the first owner)."""
    from ringback.accounts.scope import actor_of
    from ringback.command_kit import work

    with work({}, settings) as (session, _):
        actor = actor_of(session)
    return actor.id if actor is not None else None


def _add_batch(files: tuple[Path, ...], settings: Settings, workers: int, as_json: bool) -> None:
    from ringback.voicemail import render
    from ringback.voicemail.batch import BatchInterrupted, add_batch

    try:
        rows = _guard(lambda: add_batch(files, settings, workers=workers))
    except BatchInterrupted as exc:
        fail(str(exc), hint="once the database is back: ringback inbox resume")
    if as_json:
        print_json(rows)
    else:
        render.batch_table(rows)
    # Not 0 unless every file is stored and processed to the end (done or no message).
    if any(r["status"] not in ("done", "no_message") for r in rows):
        raise SystemExit(1)


def _finite(value: float, option: str) -> float:
    """FloatRange lets NaN through (every comparison with it is false)."""
    import math

    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds", param_hint=option)
    return value


@click.command(
    short_help="Process recordings dropped into a folder.",
    epilog="\b\nExamples:\n  ringback inbox watch ~/drop\n  ringback inbox watch ~/drop --once",
)
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--once", is_flag=True, help="Take what is ready now, then exit.")
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    callback=lambda _ctx, _param, value: _finite(value, "--interval"),
    help="Seconds between polls (0 to 3600).",
)
def watch(directory: Path, once: bool, interval: float) -> None:
    """Consume folder: recordings dropped in DIRECTORY are processed, then moved to archive/
    (or failed/ with a .reason.txt). A file is taken once it stops growing."""
    from ringback.voicemail.cli_queue import enqueuer
    from ringback.voicemail.service import build_stages, ingest_kwargs
    from ringback.voicemail.watch import WatchOutcome, run_watch

    if not directory.is_dir():
        fail(f"not a directory: {directory}")
    settings = _settings()
    _ready(settings)
    kwargs = ingest_kwargs(settings)
    # With Celery each file is only stored here, and its pipeline queued for the workers.
    queued = settings.queue == "celery"
    stages = None if queued else build_stages(settings, kwargs["url"])
    enqueue = enqueuer(settings) if queued else None

    def report(o: WatchOutcome) -> None:
        if o.result is None:
            echo(f"{o.path.name}: left in place ({o.error})", err=True)
            return
        status = o.result.status
        if enqueue is not None and status in ("received", "processing"):
            status = enqueue(o.result.id)
        echo(f"{o.path.name}: voicemail #{o.result.id} {status}")

    def flush_and_go_on() -> bool:
        # Each loop: mail queued while the server was down goes out (on Celery the mail
        # workers deliver it, each email once, retrying until the server is back).
        if not queued:
            _flush(settings)
        return False

    flush_and_go_on()
    try:
        _guard(
            lambda: run_watch(
                directory,
                once=once,
                stages=stages,
                poll_interval=interval,
                on_outcome=report,
                stop=flush_and_go_on,
                **kwargs,
            )
        )
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    flush_and_go_on()


def _import(directory: Path, settings: Settings, *, wait: bool = False) -> list[Any]:
    """Import a spool: processed here (embedded), or stored and queued for the workers
    (RINGBACK_QUEUE=celery; with ``wait``, until they have processed it)."""
    from ringback.voicemail.asterisk import import_spool
    from ringback.voicemail.service import build_stages, ingest_kwargs

    _ready(settings)
    kwargs = ingest_kwargs(settings)
    if settings.queue == "celery":
        from ringback.voicemail.cli_queue import queue_stored

        stored = _guard(lambda: import_spool(directory, stages=None, **kwargs))
        return queue_stored(stored, settings, wait=wait)
    stages = build_stages(settings, kwargs["url"])
    results = _guard(lambda: import_spool(directory, stages=stages, **kwargs))
    _flush(settings)
    return results


@click.command(
    "import-asterisk",
    short_help="Import an Asterisk voicemail spool (never twice).",
    epilog="\b\nExamples:\n  ringback inbox import-asterisk /var/spool/asterisk/voicemail/default/1234\n"
    "  ringback inbox import-asterisk /var/spool/asterisk/voicemail --wait --json",
)
@click.argument("spool_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--wait",
    is_flag=True,
    help="With RINGBACK_QUEUE=celery: wait until the workers have processed them.",
)
def import_asterisk(spool_dir: Path, as_json: bool, wait: bool) -> None:
    """Import Asterisk voicemail (INBOX msgNNNN.txt + audio) from a spool, context or mailbox
    directory. Re-running imports nothing twice. With RINGBACK_QUEUE=celery each message
    is stored and queued for `ringback worker` (status "received" until it is done)."""
    from ringback.voicemail.service import results_json

    if not spool_dir.is_dir():
        fail(f"not a directory: {spool_dir}", hint="pass e.g. /var/spool/asterisk/voicemail")
    results = _import(spool_dir, _settings(), wait=wait)
    data = results_json(results)
    if as_json:
        print_json(data)
        return
    new = [r for r in data if r["created"]]
    for r in new:
        echo(f"voicemail #{r['id']}: {r['status']} {r['summary'] or ''}".rstrip())
    click.echo(f"{len(new)} imported, {len(data) - len(new)} already in the inbox")


@click.command(
    short_help="Asterisk's externnotify hook (see --help).",
    epilog="""\b
Examples:
  ringback inbox externnotify default 1234
  ringback inbox externnotify default 1234 --spool /srv/asterisk/voicemail

\b
Asterisk runs this after a message is left. In voicemail.conf, [general]:
  externnotify=/usr/local/bin/ringback inbox externnotify
(Asterisk appends: context, mailbox, new, old and urgent counts.) The RINGBACK_*
settings must be visible to the Asterisk user (environment, or a .env file in
Asterisk's working directory).""",
)
@click.argument("context")
@click.argument("mailbox")
@click.argument("counts", nargs=-1)
@click.option(
    "--spool",
    type=click.Path(path_type=Path, file_okay=False),
    default="/var/spool/asterisk/voicemail",
    show_default=True,
    help="Asterisk's voicemail spool.",
)
def externnotify(context: str, mailbox: str, counts: tuple[str, ...], spool: Path) -> None:
    """Asterisk's externnotify hook: import the new messages of CONTEXT/MAILBOX."""
    from ringback.voicemail.asterisk import mailbox_dir

    try:
        directory = mailbox_dir(context, mailbox, spool)
    except ValueError as exc:
        fail(str(exc))
    if not directory.is_dir():
        fail(f"no voicemail box at {directory}", hint="check --spool and the voicemail context")
    results = _import(directory, _settings())
    new = sum(1 for r in results if r.created)
    click.echo(f"{context}/{mailbox}: {new} new voicemail imported")


@click.command(
    short_help="Finish interrupted messages; send queued mail.",
    epilog="\b\nExamples:\n  ringback inbox resume\n  ringback inbox resume --failed\n"
    "  RINGBACK_QUEUE=celery ringback inbox resume --wait",
)
@click.option("--failed", "include_failed", is_flag=True, help="Retry failed messages too.")
@click.option(
    "--wait",
    is_flag=True,
    help="With RINGBACK_QUEUE=celery: wait until the workers have finished them.",
)
def resume(include_failed: bool, wait: bool) -> None:
    """Finish messages an interrupted run left, and send mail waiting in the outbox.
    With RINGBACK_QUEUE=celery they are queued for `ringback worker` instead."""
    from ringback.voicemail.pipeline import resume_all
    from ringback.voicemail.service import build_stages

    settings = _settings()
    url = _ready(settings)
    # Asked for by a person (after fixing the mail server, say): everything waiting goes now.
    _flush(settings, force=True)
    if settings.queue == "celery":
        from ringback.voicemail.cli_queue import resume_queued

        _guard(lambda: resume_queued(settings, include_failed=include_failed, wait=wait))
        return
    stages = build_stages(settings, url)
    report = _guard(
        lambda: resume_all(url, stages, include_failed=include_failed, data_dir=settings.data_dir)
    )
    _flush(settings, force=True)
    for r in report.results:
        click.echo(f"voicemail #{r.id}: {r.status}")
    for voicemail_id in report.elsewhere:
        click.echo(f"voicemail #{voicemail_id}: in progress elsewhere (another worker has it)")
    click.echo(f"{len(report.results)} resumed")
    if report.elsewhere:
        click.echo(f"{len(report.elsewhere)} in progress elsewhere, left to that worker")


INTAKE_COMMANDS = (add, watch, import_asterisk, externnotify, resume)
