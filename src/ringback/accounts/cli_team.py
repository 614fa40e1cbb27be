"""``ringback lines`` (whose each phone number is) and ``ringback audit`` (sign-ins,
exports, role changes ...): owners only."""

from __future__ import annotations

import json
from typing import Any

import click

from ringback.accounts.cli import JSON_HELP, accounts_session, acting_user
from ringback.console import echo, print_json


@click.group(
    epilog="\b\nExamples:\n  ringback lines add +14155550137 --user sam@example.com\n  ringback lines list --json"
)
def lines() -> None:
    """Your team's phone numbers: whose voicemail a call to each one is."""


@lines.command(
    "add",
    epilog="\b\nExamples:\n  ringback lines add +14155550137 --user sam@example.com\n  ringback lines add 415-555-0199 --user sam@example.com --prospect",
)
@click.argument("number")
@click.option("--user", "email", required=True, help="Whose line it is (their email).")
@click.option("--prospect", is_flag=True, help="A prospect line (people you don't know yet).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def lines_add(number: str, email: str, prospect: bool, as_json: bool) -> None:
    """Route NUMBER's voicemail to a user: their inbox, their email."""
    from ringback.accounts.lines import add_line
    from ringback.command_kit import load_settings

    region = load_settings().default_region
    kind = "prospect" if prospect else "personal"
    with accounts_session("manage_users") as session:
        line = add_line(session, number, email, kind=kind, region=region, by=acting_user(session))
    if as_json:
        print_json({"number": line.number, "user": line.email, "kind": line.kind})
        return
    echo(f"{line.number} ({line.kind}) now rings for {line.email}.")


@lines.command("list", epilog="\b\nExamples:\n  ringback lines list\n  ringback lines list --json")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def lines_list(as_json: bool) -> None:
    """Every line and its user."""
    from ringback.accounts.lines import list_lines

    with accounts_session("manage_users") as session:
        rows = list_lines(session)
    if as_json:
        print_json([{"number": r.number, "user": r.email, "kind": r.kind} for r in rows])
        return
    if not rows:
        echo("No lines yet: every number is the owner's (ringback lines add NUMBER --user EMAIL).")
    for r in rows:
        echo(f"{r.number}  {r.kind:<8}  {r.email}")


@click.command(
    epilog="\b\nExamples:\n  ringback audit --limit 20\n  ringback audit --user sam@example.com --action export --json"
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--user", "email", default=None, help="Only what this user did.")
@click.option("--action", default="", help="Only this action (signin, export, role_change ...).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def audit(limit: int, email: str | None, action: str, as_json: bool) -> None:
    """The audit trail: sign-ins, exports, role changes, disables, reassigns, tokens."""
    from ringback.accounts.admin import user_named
    from ringback.accounts.service import audit_events, list_users
    from ringback.command_kit import load_settings
    from ringback.timefmt import format_when

    tz = load_settings().tz
    with accounts_session("audit") as session:
        user_id = user_named(session, email).id if email else None
        events = audit_events(session, limit=limit, user_id=user_id, action=action.strip())
        emails = {u.id: u.email for u in list_users(session)}
    rows: list[dict[str, Any]] = [
        {
            "at": e.at,
            "user": emails.get(e.user_id) if e.user_id else None,
            "action": e.action,
            "ip": e.ip,
            "detail": _detail(e.detail),
        }
        for e in events
    ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("Nothing in the audit trail yet.")
    for r in rows:
        detail = json.dumps(r["detail"]) if isinstance(r["detail"], dict) else r["detail"] or ""
        echo(f"{format_when(r['at'], tz)}  {r['user'] or '-'}  {r['action']}  {detail}".rstrip())


def _detail(text: str) -> object:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
