"""``ringback start``, ``ringback config`` and ``ringback db``: setting Ringback up.

An interface module like ``cli.py``: it may import any domain (``start`` counts the
contacts), and nothing imports it but the command table.
"""

from __future__ import annotations

import sys

import click

from ringback.command_kit import database_errors, load_settings, ready_database
from ringback.config import Settings, mask_url
from ringback.console import console, print_json


@click.command(epilog="\b\nExamples:\n  ringback config\n  ringback config --json")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def config(as_json: bool) -> None:
    """Print the effective settings, secrets masked."""
    settings = load_settings()
    values = settings.masked()
    if as_json:
        print_json(values)
        return
    from rich.table import Table

    table = Table(title="Ringback settings", show_header=True, header_style="bold")
    table.add_column("setting")
    table.add_column("environment variable", style="dim")
    table.add_column("value")
    for name, value in values.items():
        table.add_row(name, f"RINGBACK_{name.upper()}", "" if value is None else str(value))
    console().print(table)
    _settings_notes(settings)


def _settings_notes(settings: Settings) -> None:
    """Settings that are valid but will not do what they say, one line each."""
    note = settings.whisper_language_note
    if note:
        console().print(f"[yellow]Note:[/] {note}", soft_wrap=True, highlight=False)


@click.command(
    epilog="\b\nExamples:\n  ringback start\n  RINGBACK_DATA_DIR=/tmp/rb ringback start --json"
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def start(as_json: bool) -> None:
    """Create the data directory and database if needed, then show the status and next steps."""
    from ringback.contacts.service import summary
    from ringback.db.migrate import current_revision

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = ready_database(settings)
    from ringback.accounts.first_run import first_owner
    from ringback.web.address import browser_url

    owner = first_owner(url, settings.owner_email, ask=not as_json and sys.stdin.isatty())
    status = {
        "data_dir": str(settings.data_dir),
        "database": settings.masked()["database_url"],
        "revision": current_revision(url),
        **summary(url=url),
        "web_url": browser_url(settings),
        **({"owner": owner} if owner else {}),
    }
    if as_json:
        print_json(status)
        return
    out = console()
    out.print("[bold green]Ringback is ready.[/]")
    for line in web_lines(status["web_url"], owner):
        out.print(line, markup=False, soft_wrap=True)
    # Paths and commands are printed as they are: no markup (a "[x]" in a path would be
    # taken for a style) and no wrapping (a command broken over two lines pastes badly).
    for line in (
        f"Data directory: {status['data_dir']}",
        f"Database:       {status['database']} (schema {status['revision']})",
        f"Contacts: {status['contacts']}   open follow-ups: {status['open_follow_ups']}",
        "\nNext steps:",
        '  ringback contacts add --name "Bill Turner" --company "ABC Inc" --phone 415-555-0137',
        "  ringback contacts import hubspot-export.csv --dry-run",
        '  ringback prep "Bill Turner"',
        "  ringback coach compose --contact 1",
    ):
        out.print(line, markup=False, soft_wrap=True)
    _settings_notes(settings)


def web_lines(url: str, owner: dict[str, str]) -> list[str]:
    """What `ringback start` says about the web app: where to open it, and the owner
    account made on the first start (its one-time password, shown only this once)."""
    lines = [f"Web app:        {url}  (run `ringback serve`, then open it)"]
    if "email" in owner:
        lines.append(f"Owner account:  {owner['email']}")
        lines.append(f"One-time password (shown only now): {owner['one_time_password']}")
    elif "hint" in owner:
        lines.append(owner["hint"])
    return lines


@click.group()
def db() -> None:
    """Database migrations."""


@db.command(
    epilog="\b\nExamples:\n  ringback db upgrade\n  RINGBACK_DATABASE_URL=postgresql+psycopg://user@host/ringback ringback db upgrade"
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def upgrade(as_json: bool) -> None:
    """Apply all migrations to the database named by RINGBACK_DATABASE_URL."""
    from ringback.db.migrate import upgrade as run_upgrade

    url = load_settings().effective_database_url
    with database_errors(url):
        before, after = run_upgrade(url)
    result = {"database": mask_url(url), "from": before, "to": after}
    if as_json:
        print_json(result)
    else:
        console().print(f"{result['database']}: {before or 'empty'} → {after}")
