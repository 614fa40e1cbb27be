"""``ringback inbox add`` with RINGBACK_QUEUE=celery: store, queue, return (or ``--wait``).

Every file is stored durably before this returns (so nothing is lost if the broker is
down: `ringback jobs retry ID` queues it again); the workers do the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.console import echo, fail, print_json

if TYPE_CHECKING:
    from ringback.config import Settings

# How long `inbox add --wait` waits for the workers before it says where the job stands.
WAIT_SECONDS = 3600.0
# ... and for a mail worker to send the email (after that it says "queued, will be retried").
MAIL_WAIT = 30.0


def add_queued(
    files: Sequence[Path],
    settings: Settings,
    *,
    wait: bool,
    as_json: bool,
    from_number: str | None = None,
    to_number: str | None = None,
    received_at: datetime | None = None,
) -> None:
    from ringback.jobs import QueueUnavailable, backend_from_settings
    from ringback.voicemail import render
    from ringback.voicemail.jobs import store_and_queue, wait_for
    from ringback.voicemail.service import email_status, result_json

    backend = backend_from_settings(settings)
    url = settings.effective_database_url
    results = []
    for path in files:
        try:
            result = store_and_queue(
                path,
                settings,
                backend,
                from_number=from_number,
                to_number=to_number,
                received_at=received_at,
            )
        except QueueUnavailable as exc:
            fail(str(exc), hint=exc.hint)
        results.append(result)
    if wait:
        with render.progress() as (on_stage, _on_progress):  # a worker transcribes
            results = [
                wait_for(url, r.id, timeout=WAIT_SECONDS, on_stage=on_stage)
                if r.status in ("received", "processing")
                else r
                for r in results
            ]
    rows: list[dict[str, Any]] = []
    for path, r in zip(files, results, strict=True):
        data = result_json(r)
        data["file"] = str(path)
        data["email_status"] = email_status(settings, r.email_key)
        if wait and data["email_status"] == "queued":
            data["email_status"] = _mail_outcome(settings, r.email_key)
        rows.append(data)
    _show(rows, settings, wait=wait, as_json=as_json)


def _mail_outcome(settings: Settings, key: str | None, seconds: float = MAIL_WAIT) -> str | None:
    """The email's status once a mail worker has had a moment to send it (``--wait``)."""
    import time

    from ringback.voicemail.service import email_status

    deadline = time.monotonic() + seconds
    status = email_status(settings, key)
    while status == "queued" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = email_status(settings, key)
    return status


def _show(rows: list[dict[str, Any]], settings: Settings, *, wait: bool, as_json: bool) -> None:
    from ringback.mail.service import delivery_words
    from ringback.voicemail import render

    if as_json:
        print_json(rows[0] if len(rows) == 1 else rows)
    elif not wait:
        waiting = [d for d in rows if d["status"] in ("received", "processing")]
        for data in rows:
            known = "" if data["created"] else " (already in the inbox)"
            what = "stored and queued for the workers" if data in waiting else data["status"]
            echo(f"Voicemail #{data['id']}: {what}{known}")
        if waiting:
            echo("see progress with `ringback jobs list`; the email follows when it is done")
        else:  # nothing left to do for the workers: say where to read it, not "progress"
            one = len(rows) == 1
            echo(
                f"see it with `ringback inbox show {rows[0]['id']}`"
                if one
                else "see them with `ringback inbox list`"
            )
    elif len(rows) == 1:
        render.outcome(rows[0], email_words=delivery_words(settings, rows[0]["email_status"]))
    else:
        render.batch_table(rows)
    bad = ("rejected", "failed") if not wait else ("rejected", "failed", "received", "processing")
    if any(r["status"] in bad for r in rows):
        raise SystemExit(1)


def enqueuer(settings: Settings) -> Callable[[int], str]:
    """Queue a stored voicemail's pipeline for the workers; what to say about it."""
    from ringback.jobs import QueueUnavailable, backend_from_settings
    from ringback.voicemail.service import hand_over

    backend = backend_from_settings(settings)

    def enqueue(voicemail_id: int) -> str:
        try:
            hand_over(settings, voicemail_id, backend)
        except QueueUnavailable as exc:
            echo(f"{exc} ({exc.hint})", err=True)
            return "stored, not queued"
        return "queued"

    return enqueue
