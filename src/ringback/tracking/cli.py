"""``ringback log voicemail|call|email`` and ``ringback stats``.

The options of these commands are a contract for scripts and outside checks: they are
only ever added to, never renamed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ringback.command_kit import contact_option
from ringback.console import console, fail, print_json
from ringback.contacts.cli_common import contact_for
from ringback.tracking.cli_common import JSON_OPTION as _JSON
from ringback.tracking.cli_common import parse_time, tracking_work

if TYPE_CHECKING:
    from ringback.tracking.models import Channel
    from ringback.tracking.service import LoggedOutcome


def _report(logged: LoggedOutcome, as_json: bool) -> None:
    """Printed only after the commit: a failed write never reports success."""
    when = logged.local_time
    data = logged.as_json()
    if as_json:
        print_json(data)
        return
    what = f"{data['direction']} {data['channel']}"
    if data["duplicate"]:
        console().print(f"[yellow]Already logged[/] (event {data['id']}): {what} at {when}")
        return
    extra = f", coach score {data['score']}" if data["score"] is not None else ""
    if data.get("personal_score") is not None:
        extra += f" ({data['personal_score']} with your weights)"
    extra += f", variant {data['variant']}" if data["variant"] else ""
    console().print(f"[green]Logged[/] {what} ({data['outcome']}) at {when}{extra}")
    if data["marked_returned"]:
        n = len(data["marked_returned"])
        console().print(f"  returns {n} earlier attempt{'s' * (n != 1)}")


_CONTACT = contact_option()
_AT = click.option(
    "--at", "at", help="When: ISO time in your timezone (default now), or 2h / 3d ago."
)
_KEY = click.option(
    "--key", help="Your own id for the event (e.g. a dialler's call id): logged once per key."
)
_DIRECTION = click.option(
    "--direction", required=True, type=click.Choice(["inbound", "outbound"]), help="Who called."
)


@click.group(
    epilog="""\b
Examples:
  ringback log voicemail --contact 12 --script "Hi Bill, this is Dana from Acme ..." --variant B
  ringback log call --contact 12 --direction outbound --outcome no-answer --at "2026-11-20 16:05"
  ringback log call --contact "Bill Turner" --direction inbound
  ringback log email --contact 12 --direction inbound --at 2h --json

The same event logged twice (same contact, kind, time and script, or the same --key)
is stored once. An inbound call, voicemail or email within RINGBACK_RETURN_WINDOW_DAYS
after an attempt marks it returned."""
)
def log() -> None:
    """Log calls, voicemails and emails, so that `ringback stats` can say what is returned."""


@log.command(
    epilog="""\b
Examples:
  ringback log voicemail --contact 12 --script "Hi Bill, this is Dana from Acme ..."
  ringback log voicemail --contact 12 --script - --variant goal-first < message.txt"""
)
@_CONTACT
@click.option("--script", required=True, help='What you said (or "-" to read stdin).')
@click.option("--variant", help="The script variant, for A/B comparison in `ringback stats`.")
@_AT
@_KEY
@_JSON
def voicemail(
    contact_ref: str,
    script: str,
    variant: str | None,
    at: str | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Log a voicemail you left; the coach scores the script with the contact's back story."""
    from ringback.coach.cli import read_script  # bounded: stdin may never end
    from ringback.tracking.models import Channel

    text = read_script(script) if script == "-" else script
    _log(Channel.VOICEMAIL, contact_ref, at, key, as_json, script=text, variant=variant)


@log.command(
    epilog="""\b
Examples:
  ringback log call --contact 12 --direction outbound --outcome no-answer
  ringback log call --contact 12 --direction inbound --at "2026-11-21 09:40\""""
)
@_CONTACT
@_DIRECTION
@click.option(
    "--outcome",
    type=click.Choice(["connected", "voicemail", "no-answer"]),
    default="connected",
    show_default=True,
    help="What happened.",
)
@_AT
@_KEY
@_JSON
def call(
    contact_ref: str, direction: str, outcome: str, at: str | None, key: str | None, as_json: bool
) -> None:
    """Log a call: outbound attempts count towards the return rate, inbound ones return them."""
    from ringback.tracking.models import Channel, Outcome, Way

    _log(
        Channel.CALL,
        contact_ref,
        at,
        key,
        as_json,
        direction=Way(direction),
        outcome=Outcome(outcome.replace("-", "_")),
    )


@log.command(
    epilog="""\b
Examples:
  ringback log email --contact 12 --direction outbound
  ringback log email --contact 12 --direction inbound --at "2026-11-22 23:40\""""
)
@_CONTACT
@_DIRECTION
@_AT
@_KEY
@_JSON
def email(contact_ref: str, direction: str, at: str | None, key: str | None, as_json: bool) -> None:
    """Log an email you sent or received."""
    from ringback.tracking.models import Channel, Way

    _log(Channel.EMAIL, contact_ref, at, key, as_json, direction=Way(direction))


def _log(
    channel: Channel, contact_ref: str, at: str | None, key: str | None, as_json: bool, **what: Any
) -> None:
    """What every ``log`` command does: read --at and --contact, log, report."""
    from ringback.tracking.service import log_outcome

    with tracking_work() as (session, settings):
        when = parse_time(at, settings, option="--at") if at else None
        cid = contact_for(session, settings, contact_ref).id
        logged = log_outcome(
            session,
            channel=channel,
            contact_id=cid,
            at=when,
            key=key,
            settings=settings,
            **what,
        )
    _report(logged, as_json)


@click.command(
    epilog="""\b
Examples:
  ringback stats
  ringback stats --since 30d
  ringback stats --since 2026-10-01 --json
  ringback stats --csv returns.csv --chart returns.png"""
)
@click.option("--since", help="Only voicemails left since then: ISO date/time, or 30d / 12w.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write a CSV."
)
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw charts: FILE.png or FILE.svg.",
)
def stats(since: str | None, as_json: bool, csv_path: Path | None, chart_path: Path | None) -> None:
    """Are your voicemails returned? Overall, per week, by coach score, rule, variant and time."""
    from ringback.tracking.service import return_stats

    if chart_path is not None and chart_path.suffix.lower() not in (".png", ".svg"):
        fail(f"cannot draw {chart_path.name}", hint="name the chart FILE.png or FILE.svg")
    with tracking_work() as (session, settings):
        start = parse_time(since, settings, option="--since") if since else None
        data = return_stats(session, settings=settings, since=start)
    if csv_path is not None:
        from ringback.tracking.export import write_csv

        _write(csv_path, lambda p: write_csv(data, p))
    if chart_path is not None:
        try:
            from ringback.tracking.charts import draw
        except ModuleNotFoundError as exc:  # matplotlib is an optional extra
            fail(f"charts need {exc.name}", hint="pip install 'ringback[analytics]'")

        fmt = chart_path.suffix.lower().lstrip(".")
        _write(chart_path, lambda p: draw(data, p, fmt=fmt))
    if as_json:
        print_json(data.as_json())
        return
    from ringback.tracking.render import print_stats

    print_stats(data, console(), tz=settings.tz)
    for path in (csv_path, chart_path):
        if path is not None:
            console().print(f"Wrote {path}")


def _write(path: Path, writer: Any) -> None:
    """Write beside the target, then rename: a failed export leaves no half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        writer(tmp)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="check the folder exists and is writable",
        )


# `ringback log import` lives in its own module; registered here so it sits in the group.
def _register_import() -> None:
    from ringback.tracking.cli_import import import_calls

    log.add_command(import_calls)


_register_import()
