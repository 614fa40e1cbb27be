"""``ringback greeting`` (your greeting, checked against seed 003) and ``ringback telephony``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ringback.console import console, fail, print_json

if TYPE_CHECKING:
    from ringback.accounts.speaker import Speaker
    from ringback.config import Settings
    from ringback.telephony.greetings import GreetingReport

LINE = click.option(
    "--line",
    type=click.Choice(["personal", "prospect"]),
    default="personal",
    show_default=True,
    help="Which line the greeting is for.",
)

WHOSE = click.option(
    "--user",
    "user_email",
    default="",
    metavar="EMAIL",
    help="Whose greeting (an owner may manage anyone's); default: yours (--as).",
)


def _whose(settings: Settings, email: str) -> Speaker:
    """The user whose greetings the command is on (see ``greeting_speaker``)."""
    from ringback.accounts.service import AccountError
    from ringback.command_kit import Hint, work
    from ringback.telephony.greeting_service import greeting_speaker

    hint = "a rep manages only their own greeting; see the users with `ringback users list`"
    with work({AccountError: Hint(hint, written=False)}, settings) as (session, _):
        return greeting_speaker(session, email=email or None, settings=settings)


def _print_report(report: GreetingReport) -> None:
    from rich.markup import escape

    out = console()
    out.print(
        f"Heard: [italic]“{escape(report.transcript) or '(nothing)'}”[/] ({report.duration:.1f} s)"
    )
    for check in report.checks:
        mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
        out.print(f"  {mark} {escape(check.label)}: {escape(check.detail)}")
    if report.ok:
        out.print("[green]A good greeting: callers know it's you and can start talking.[/]")
    else:
        out.print(
            "[yellow]A greeting that works: say your name, keep it short, no buttons, no preamble.[/]"
        )


@click.group(
    epilog="""\b
Examples:
  ringback greeting check my-greeting.m4a
  ringback greeting upload my-greeting.wav
  ringback greeting upload prospects.wav --line prospect --json
  ringback --as sam@example.com greeting upload sam.wav
  ringback greeting status --user sam@example.com
  ringback greeting remove --line prospect

\b
Each user has their own greeting per line; a call to a user's line plays theirs, else
the install's (the first owner's), else a spoken one that says the user's name."""
)
def greeting() -> None:
    """Your voicemail greeting in your own voice: checked, converted, played by Twilio."""


@greeting.command(
    epilog="""\b
Examples:
  ringback greeting check my-greeting.wav
  ringback greeting check my-greeting.m4a --line prospect --json

\b
Exit code 0 when every check passes, 1 when one fails.
JSON keys: ok, transcript, duration, checks [{id, ok, label, detail}]."""
)
@click.argument("file", type=click.Path(path_type=Path))
@LINE
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(file: Path, line: str, as_json: bool) -> None:
    """Transcribe a greeting and check it: says your name, ≤ 10 s, no buttons, no preamble."""
    from ringback.accounts.acting import command_speaker
    from ringback.command_kit import load_settings
    from ringback.lines import LineKind
    from ringback.telephony.greetings import GreetingError, check_samples, load_samples

    settings = load_settings()
    speaker = command_speaker(settings)  # the greeting says the name of who records it
    try:
        report = check_samples(load_samples(file), settings, LineKind(line), speaker=speaker)
    except GreetingError as exc:
        fail(f"cannot check {file}: {exc}", hint="give a recording (WAV, MP3, M4A, OGG…)")
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report)
    if not report.ok:
        raise SystemExit(1)


@greeting.command(
    epilog="""\b
Examples:
  ringback greeting upload my-greeting.wav
  ringback greeting upload prospects.m4a --line prospect
  ringback --as sam@example.com greeting upload sam.wav
  ringback greeting upload sam.wav --user sam@example.com

\b
The greeting is checked (as `greeting check`, for the name of whose it is), converted
to 8 kHz μ-law WAV and kept in <data dir>/greetings/ (another user's than the first
owner's under users/<their id>/); `ringback serve` plays it to callers on their line of
that kind. A greeting that fails a check is kept all the same (use --strict to refuse
it). JSON keys: ok, transcript, duration, checks, stored, line, user, path, url_path."""
)
@click.argument("file", type=click.Path(path_type=Path))
@LINE
@WHOSE
@click.option("--strict", is_flag=True, help="Refuse a greeting that fails a check.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def upload(file: Path, line: str, user_email: str, strict: bool, as_json: bool) -> None:
    """Check a greeting, convert it for the phone and make it the one callers hear."""
    from ringback.command_kit import load_settings
    from ringback.lines import LineKind
    from ringback.telephony.greeting_service import check_and_store
    from ringback.telephony.greetings import GreetingError

    settings = load_settings()
    speaker = _whose(settings, user_email)
    try:
        checked = check_and_store(
            file,
            settings,
            line=LineKind(line),
            source_name=file.name,
            strict=strict,
            speaker=speaker,
        )
    except GreetingError as exc:
        fail(
            f"cannot use {file} as a greeting: {exc}",
            hint="give a recording of you speaking (WAV, MP3, M4A…); "
            "the greeting callers hear now stays as it is",
        )
    report, stored = checked.report, checked.stored
    if stored is None:
        if as_json:
            print_json({**report.to_json(), "stored": False})
        else:
            _print_report(report)
        fail("greeting not stored: it fails a check (--strict)", hint="record it again")
    data: dict[str, Any] = {
        **report.to_json(),
        "stored": True,
        "line": line,
        "user": speaker.profile_of,
        "path": str(stored.path),
        "url_path": f"/telephony/greetings/{stored.name}",
    }
    if as_json:
        print_json(data)
        return
    _print_report(report)
    whose = f" of {speaker.profile_of}" if speaker.profile_of else ""
    console().print(
        f"Stored for the {line} line{whose} (8 kHz μ-law WAV): {stored.path}", soft_wrap=True
    )


@greeting.command(
    epilog="""\b
Examples:
  ringback greeting status
  ringback greeting status --user sam@example.com --json
  ringback greeting status --all

\b
JSON: one row per line: line, user, plays (own, install or spoken), greeting (the
recording's duration, transcript, checks, name) or fallback (what Twilio says); with
--all, one per phone line of the team (`ringback lines`), with its number."""
)
@WHOSE
@click.option("--all", "every_line", is_flag=True, help="Every line of the team (owners).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def status(user_email: str, every_line: bool, as_json: bool) -> None:
    """Which greeting each of your lines plays: yours, the install's, or the spoken one."""
    from ringback.command_kit import load_settings
    from ringback.telephony.greeting_service import line_greetings

    settings = load_settings()
    if every_line:
        rows = _every_line(settings)
    else:
        rows = [g.as_json() for g in line_greetings(settings, _whose(settings, user_email))]
    if as_json:
        print_json(rows)
        return
    out = console()
    whose = {"own": "their own recording", "install": "the install's recording"}
    if not every_line:
        whose["own"] = "your recording"
    for row in rows:
        head = f"{row['number']} ({row['user']}, {row['line']})" if every_line else row["line"]
        if row["greeting"]:
            g = row["greeting"]
            ok = "passes" if g.get("ok") else "fails a check"
            out.print(
                f"{head}: {whose[row['plays']]} ({g.get('duration')} s, {ok}): “{g.get('transcript', '')}”"
            )
        else:
            out.print(f"{head}: no recording; Twilio says: “{row['fallback']}”")
    if every_line and not rows:
        out.print("No lines yet: add one with `ringback lines add NUMBER --user EMAIL`.")


def _every_line(settings: Settings) -> list[dict[str, Any]]:
    from ringback.accounts.service import AccountError
    from ringback.command_kit import Hint, work
    from ringback.telephony.greeting_service import team_greetings

    hint = "see your own lines' with `ringback greeting status`"
    with work({AccountError: Hint(hint, written=False)}, settings) as (session, _):
        return team_greetings(session, settings=settings)


@greeting.command(
    epilog="""\b
Examples:
  ringback greeting remove
  ringback --as sam@example.com greeting remove --line prospect --json

\b
The line then plays the install's greeting (the first owner's), or a spoken one that
says the user's name. JSON keys: removed, line, user."""
)
@LINE
@WHOSE
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def remove(line: str, user_email: str, as_json: bool) -> None:
    """Take your recorded greeting for a line down."""
    from ringback.command_kit import load_settings
    from ringback.lines import LineKind
    from ringback.telephony.greeting_service import remove_greeting

    settings = load_settings()
    speaker = _whose(settings, user_email)
    removed = remove_greeting(settings, line=LineKind(line), speaker=speaker)
    if as_json:
        print_json({"removed": removed, "line": line, "user": speaker.profile_of})
        return
    if not removed:
        console().print(f"No recorded greeting for the {line} line: nothing to remove.")
        return
    console().print(f"Removed the {line} line's recorded greeting.")


@click.group(
    epilog="""\b
Examples:
  ringback telephony recordings
  ringback telephony retry RE0123456789abcdef0123456789abcdef"""
)
def telephony() -> None:
    """Recordings your phone line (Twilio) delivered: status, and fetching again."""


@telephony.command(epilog="\b\nExamples:\n  ringback telephony recordings --json")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def recordings(limit: int, as_json: bool) -> None:
    """The latest recordings Twilio announced, and what became of each."""
    from rich.markup import escape
    from rich.table import Table

    from ringback.command_kit import work
    from ringback.telephony.service import recordings_seen

    with work({}) as (session, settings):  # the acting user's (--as): a rep sees theirs
        rows = recordings_seen(session, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console().print("No recordings yet.")
        return
    from ringback.timefmt import format_stored

    table = Table(title="Recordings")
    for column in ("received", "line", "from", "status", "voicemail", "error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            format_stored(row["received_at"], settings.tz),
            row["line"],
            row["from_number"] or "",
            row["status"],
            str(row["voicemail_id"] or ""),
            escape((row["error"] or "").splitlines()[0] if row["error"] else ""),
        )
    console().print(table)


@telephony.command(
    epilog="\b\nExamples:\n  ringback telephony retry RE0123456789abcdef0123456789abcdef"
)
@click.argument("recording_sid")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def retry(recording_sid: str, as_json: bool) -> None:
    """Fetch a failed or refused recording again and run it through the inbox."""
    from ringback.command_kit import work
    from ringback.telephony import service

    with work({}) as (session, settings):  # the acting user's (--as): another rep's is not found
        found = service.retry(session, recording_sid=recording_sid)
    if not found:
        fail(f"no recording {recording_sid}", hint="see them with `ringback telephony recordings`")
    status = service.process(recording_sid, settings)
    if as_json:
        print_json({"recording_sid": recording_sid, "status": status})
        return
    console().print(f"Recording {recording_sid}: {status}")
    if status != "ingested":
        raise SystemExit(1)
