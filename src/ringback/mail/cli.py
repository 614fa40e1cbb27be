"""``ringback mail``: where mail goes, what is waiting, retry now, send a test message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ringback.console import console, fail, print_json

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.mail.outbox import Outbox, OutboxEntry


def _outbox() -> tuple[Settings, Outbox]:
    from ringback.command_kit import load_settings
    from ringback.mail.protocol import MailConfigError
    from ringback.mail.service import outbox_from_settings

    settings = load_settings()
    try:
        return settings, outbox_from_settings(settings)
    except MailConfigError as exc:
        fail(str(exc), hint="see `ringback config` for the current mail settings")


def _entry_row(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "key": entry.key,
        "message_id": entry.message_id,
        "created_at": entry.created_at,
        "attempts": entry.attempts,
        "next_attempt_at": None if entry.failed else entry.next_attempt_at,
        "last_error": entry.last_error,
        "file": str(entry.path),
    }


@click.group(epilog="\b\nExamples:\n  ringback mail status\n  ringback mail flush")
def mail() -> None:
    """Email delivery: the outbox, retries, and a test message."""


@mail.command(epilog="\b\nExamples:\n  ringback mail status\n  ringback mail status --json")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def status(as_json: bool) -> None:
    """Where mail goes and what is waiting in the outbox."""
    from ringback.timefmt import format_when, plural

    settings, outbox = _outbox()
    queued = [_entry_row(e) for e in outbox.entries()]
    failed = [_entry_row(e) for e in outbox.entries(failed=True)]
    data = {
        "delivers_to": outbox.mailer.description,
        "outbox": str(outbox.root),
        "queued": queued,
        "failed": failed,
        "sent": sum(1 for _ in (outbox.root / "sent").glob("*.json")),
    }
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(f"Mail goes to: {data['delivers_to']}")
    out.print(f"Outbox:       {data['outbox']}")
    out.print(f"Sent: {data['sent']}   queued: {len(queued)}   failed (kept): {len(failed)}")
    for label, rows in (("Queued", queued), ("Failed", failed)):
        for row in rows:
            when = (
                f", next try {format_when(row['next_attempt_at'], settings.tz)}"
                if row["next_attempt_at"]
                else ""
            )
            out.print(
                f"  {label}: {row['key']} ({plural(row['attempts'], 'attempt')}{when})",
                markup=False,
            )
            if row["last_error"]:
                out.print(f"    last error: {row['last_error']}", markup=False)
    if failed:
        out.print("Retry the failed ones with: ringback mail retry-failed")


@mail.command(epilog="\b\nExamples:\n  ringback mail flush\n  ringback mail flush --json")
# Kept so that scripts written for the old behaviour still run: every flush is "--all" now.
@click.option("--all", "force", is_flag=True, hidden=True)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def flush(force: bool, as_json: bool) -> None:
    """Send all queued mail now; exits 1 if anything is still waiting afterwards.

    Stops at the first sign that the server is unreachable, so a flush while it is
    still down costs one timeout, not one per message."""
    settings, outbox = _outbox()
    # A person asking to send now, typically after fixing the server, wants the waiting
    # mail to go now: the retry backoff is for automatic retries (the watch loop), which
    # must not hammer a server that just failed, not for this.
    report = outbox.flush(force=True)
    left = len(outbox.entries())
    data = {**report.__dict__, "still_queued": left}
    if as_json:
        print_json(data)
    else:
        from ringback.mail.service import LOCAL_MAILBOX

        sent = f"sent {report.sent}" if settings.smtp_host else f"{LOCAL_MAILBOX}: {report.sent}"
        console().print(
            f"{sent}, still queued {left} "
            f"(failed this time {report.retry_later}, not tried {report.deferred}), "
            f"parked as failed {report.failed}",
            markup=False,
        )
    if left:
        raise SystemExit(1)


@mail.command(
    "retry-failed",
    epilog="\b\nExamples:\n  ringback mail retry-failed\n  ringback mail retry-failed voicemail-42",
)
@click.argument("key", required=False)
def retry_failed(key: str | None) -> None:
    """Put parked (failed) mail back in the queue and try it now."""
    _, outbox = _outbox()
    moved = outbox.requeue_failed(key)
    if key and not moved:
        fail(f"no failed message with key {key!r}", hint="see `ringback mail status`")
    report = outbox.flush(force=True)
    console().print(f"requeued {moved}, sent {report.sent}", markup=False)


@mail.command(
    epilog="\b\nExamples:\n  ringback mail test\n  ringback mail test --to me@example.com"
)
@click.option("--to", "to", default=None, help="Recipient (default: RINGBACK_SMTP_TO).")
def test(to: str | None) -> None:
    """Send a test message now, bypassing the outbox, and report any error."""
    from ringback.mail.protocol import MailDeliveryError
    from ringback.mail.service import send_test_message

    settings, _ = _outbox()  # a setting that cannot address mail stops here, with its hint
    try:
        sent = send_test_message(settings, to=to)
    except MailDeliveryError as exc:
        fail(str(exc), hint="fix the RINGBACK_SMTP_* settings, then run `ringback mail test`")
    from ringback.mail.service import LOCAL_MAILBOX

    if settings.smtp_host:
        console().print(f"sent to {sent.to} via {sent.via}", markup=False)
    else:
        console().print(f"{LOCAL_MAILBOX}: {sent.via.removeprefix('maildir:')}", markup=False)
