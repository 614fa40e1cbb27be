"""``ringback sequence``: follow-up across media when a voicemail is not returned."""

from __future__ import annotations

from typing import Any

import click

from ringback.console import console, fail, print_json
from ringback.inputs import ROW_ID
from ringback.timefmt import format_when, plural
from ringback.tracking.cli_common import parse_time, tracking_work


@click.group(
    epilog="""\b
Examples:
  ringback sequence start 41                      # day 0 email, day 3 email, day 7 call
  ringback sequence start 41 --cadence 0:email,5:call
  ringback sequence run                           # sweep unreturned voicemails, take due steps
  ringback sequence list --json
  ringback sequence show 7                        # the whole drafted email
  ringback sequence approve 7                     # show it, then send it
  ringback sequence edit 3 --cadence 0:email,4:email,9:call
  ringback sequence opt-out 12 --reason "asked by email"

Business days are Monday to Friday; emails fall due at RINGBACK_FOLLOWUP_SEND_HOUR in the
contact's timezone. A sequence stops when the contact calls, leaves a voicemail or writes."""
)
def sequence() -> None:
    """Follow up unreturned voicemails by email and call, on a cadence."""


@sequence.command(
    name="start",
    epilog="\b\nExamples:\n  ringback sequence start 41\n  ringback sequence start 41 --cadence 0:email,3:email,7:call --json",
)
@click.argument("event_id", type=ROW_ID)
@click.option(
    "--cadence", help="Steps as DAY:email|call, comma-separated (default 0:email,3:email,7:call)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the sequence as JSON.")
def start_cmd(event_id: int, cadence: str | None, as_json: bool) -> None:
    """Put a voicemail you left (its event id from `ringback log ... --json`) on a cadence."""
    from ringback.tracking.service import start_followup

    with tracking_work() as (session, settings):
        seq, created = start_followup(
            session, event_id=event_id, settings=settings, cadence=cadence
        )
    data = seq.as_json()
    if as_json:
        print_json(data)
        return
    what = "Started" if created else "Already on"
    console().print(
        f"[green]{what}[/] sequence {data['id']}: "
        + ", ".join(f"day {s['business_day']} {s['channel']}" for s in data["steps"])
    )


@sequence.command(
    name="run",
    epilog="\b\nExamples:\n  ringback sequence run\n  ringback sequence run --send --json\n  ringback sequence run --now 2026-11-25T09:00 --draft-only",
)
@click.option("--now", "now_text", help="Act as if it were this time (default now).")
@click.option(
    "--send/--draft-only",
    default=None,
    help="Send emails at once (default: RINGBACK_FOLLOWUP_AUTO_SEND).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
def run_cmd(now_text: str | None, send: bool | None, as_json: bool) -> None:
    """Start follow-ups for unreturned voicemails and take every step that is due."""
    from ringback.db.base import utcnow
    from ringback.tracking.service import run_followups

    with tracking_work() as (session, settings):
        now = parse_time(now_text, settings, option="--now") if now_text else utcnow()
        report = run_followups(session, settings=settings, now=now, send=send)
        data = report.as_json()
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(
        f"Started {plural(len(data['started']), 'follow-up')}; "
        f"drafted {plural(len(data['drafted']), 'email')}, "
        f"sent {len(data['sent'])}, created {plural(len(data['tasks']), 'call task')}."
    )
    for sid, why in data["stopped"].items():
        out.print(f"  sequence {sid} stopped: {why}")
    for step, why in data["skipped"].items():
        out.print(f"  step {step}: {why}")
    if data["drafted"] and not data["sent"]:
        out.print(
            "  → read a draft with `ringback sequence show STEP`, send it with "
            "`ringback sequence approve STEP`"
        )


@sequence.command(
    name="list",
    epilog="\b\nExamples:\n  ringback sequence list\n  ringback sequence list --all --json",
)
@click.option("--all", "show_all", is_flag=True, help="Include stopped and finished sequences.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_cmd(show_all: bool, as_json: bool) -> None:
    """Sequences and their steps (drafts show their subject; `show STEP` the whole email)."""
    from ringback.tracking.service import list_followups

    with tracking_work() as (session, settings):
        data = [s.as_json() for s in list_followups(session, show_all=show_all)]
    if as_json:
        print_json(data)
        return
    out = console()
    if not data:
        out.print(
            "No sequences." + ("" if show_all else " (--all shows stopped and finished ones)")
        )
        return
    from rich.markup import escape
    from rich.table import Table

    for seq in data:
        table = Table(
            title=f"Sequence {seq['id']} · contact {seq['contact_id']} · {seq['status']}"
            + (f" ({seq['stop_reason']})" if seq["stop_reason"] else ""),
            title_justify="left",
            header_style="bold",
        )
        for name in ("step", "day", "channel", "due (your time)", "status", "subject / note"):
            table.add_column(name)
        for s in seq["steps"]:
            table.add_row(
                str(s["id"]),
                str(s["business_day"]),
                s["channel"],
                format_when(s["due_at"], settings.tz),
                s["status"],
                escape(s["subject"] or s["note"] or ""),
            )
        out.print(table)


def _print_draft(data: dict[str, Any]) -> None:
    """The whole draft as the contact will receive it (text, never markup)."""
    from rich.markup import escape

    out = console()
    unset = "[red](not set)[/]"
    out.print(
        f"[bold]Step {data['step_id']}[/] · sequence {data['sequence_id']} · {data['status']}"
    )
    for label, key in (("From", "from"), ("To", "to"), ("Reply-To", "reply_to")):
        out.print(f"{label + ':':10}{escape(data[key]) if data[key] else unset}")
    out.print(f"{'Subject:':10}{escape(data['subject'])}")
    if data["meeting"]:
        out.print(f"{'Invite:':10}{escape(data['meeting'])} ({escape(data['timezone'])})")
    out.print("")
    out.print(escape(data["body"].rstrip("\n")), soft_wrap=True, highlight=False)
    if data["problem"]:
        out.print(f"\n[yellow]Cannot be sent yet:[/] {escape(data['problem'])}")


@sequence.command(
    name="show",
    epilog="\b\nExamples:\n  ringback sequence show 7\n  ringback sequence show 7 --json",
)
@click.argument("step_id", type=ROW_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the draft as JSON.")
def show_cmd(step_id: int, as_json: bool) -> None:
    """Show a drafted follow-up email in full: From, To, Reply-To, subject, body, invite."""
    from ringback.tracking.service import show_followup_draft

    with tracking_work() as (session, settings):
        data = show_followup_draft(session, step_id=step_id, settings=settings).as_json()
    if as_json:
        print_json(data)
    else:
        _print_draft(data)


@sequence.command(
    name="approve",
    epilog="\b\nExamples:\n  ringback sequence approve 7            # shows the email, then asks\n"
    "  ringback sequence approve 7 --yes --json",
)
@click.argument("step_id", type=ROW_ID)
@click.option("--yes", "-y", is_flag=True, help="Send without asking (for scripts).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (needs --yes).")
def approve_cmd(step_id: int, yes: bool, as_json: bool) -> None:
    """Show a drafted follow-up email, then send it (through the outbox: SMTP or Maildir)."""
    from ringback.db.base import utcnow
    from ringback.mail.protocol import MailConfigError
    from ringback.tracking.service import approve_followup, show_followup_draft

    if as_json and not yes:
        fail(
            "--json sends without showing the draft; add --yes",
            hint=f"review it first with `ringback sequence show {step_id} --json`",
        )
    if not yes:
        with tracking_work() as (session, settings):
            preview = show_followup_draft(session, step_id=step_id, settings=settings)
        _print_draft(preview.as_json())
        if preview.problem is None and preview.status == "drafted":
            _confirm(f"Send this email to {preview.to}?", step_id)
    try:
        with tracking_work() as (session, settings):
            approved = approve_followup(session, step_id=step_id, settings=settings, now=utcnow())
    except MailConfigError as exc:
        fail(f"{exc}; nothing was sent", hint="see `ringback config` and `ringback mail test`")
    status = approved.status
    if as_json:
        print_json({"step": step_id, "status": status})
    else:
        console().print(f"[green]Step {step_id}:[/] {status}")


def _confirm(question: str, step_id: int) -> None:
    try:
        go = click.confirm(question, default=False)
    except click.Abort:  # no answer (stdin closed): not a yes
        go = False
    if not go:
        fail(
            "not sent; the draft is kept",
            hint=f"send it with `ringback sequence approve {step_id}` and answer y, or add --yes",
        )


@sequence.command(
    name="edit", epilog="\b\nExamples:\n  ringback sequence edit 3 --cadence 0:email,5:call"
)
@click.argument("sequence_id", type=ROW_ID)
@click.option("--cadence", required=True, help="The new steps, DAY:email|call, comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="Print the sequence as JSON.")
def edit_cmd(sequence_id: int, cadence: str, as_json: bool) -> None:
    """Change the steps not yet taken (taken steps stay as they were)."""
    from ringback.tracking.service import edit_followup

    with tracking_work() as (session, settings):
        seq = edit_followup(session, sequence_id=sequence_id, cadence=cadence, settings=settings)
    data = seq.as_json()
    if as_json:
        print_json(data)
    else:
        console().print(
            f"[green]Sequence {sequence_id}[/] now: "
            + ", ".join(
                f"day {s['business_day']} {s['channel']} ({s['status']})" for s in data["steps"]
            )
        )


@sequence.command(name="stop", epilog="\b\nExamples:\n  ringback sequence stop 3")
@click.argument("sequence_id", type=ROW_ID)
def stop_cmd(sequence_id: int) -> None:
    """Stop a sequence; drafts not yet sent are dropped."""
    from ringback.tracking.sequences import stop_sequence

    with tracking_work() as (session, _settings):
        stop_sequence(session, sequence_id=sequence_id)
    console().print(f"[green]Stopped[/] sequence {sequence_id}.")


@sequence.command(
    name="opt-out",
    epilog="\b\nExamples:\n  ringback sequence opt-out 12\n  ringback sequence opt-out 12 --reason 'asked by email'",
)
@click.argument("contact_id", type=ROW_ID)
@click.option("--reason", help="Why (kept for your records).")
def opt_out_cmd(contact_id: int, reason: str | None) -> None:
    """Never send this contact follow-ups again; stops their sequences."""
    from ringback.tracking.sequences import opt_out

    with tracking_work() as (session, _settings):
        opt_out(session, contact_id=contact_id, reason=reason)
    console().print(f"[green]Opted out[/] contact {contact_id}: no follow-ups will be sent.")
