"""``ringback start`` and ``ringback config``."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from pydantic import ValidationError

from ringback.config import Settings, get_settings
from ringback.console import console, fail, print_json


def load_settings() -> Settings:
    """The settings, or a clear error naming the bad variable."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"RINGBACK_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        fail(f"invalid settings: {problems}", hint="fix the variable (or .env line) and try again")


def ready_database(settings: Settings) -> str:
    """The database URL, created or upgraded to the current schema on first use (so the
    embedded default needs no setup), or a clear error saying what to fix."""
    from sqlalchemy.exc import OperationalError

    from ringback.db.migrate import ensure_current

    url = settings.effective_database_url
    try:
        ensure_current(url)
    except OperationalError as exc:
        database_unreachable(url, exc)
    except ModuleNotFoundError as exc:
        fail(f"database driver missing: {exc.name}", hint="pip install 'ringback[postgres]'")
    return url


def database_unreachable(url: str, exc: Exception) -> NoReturn:
    """Fail with "cannot reach the database": the URL and the driver's own message are
    shown with every password masked (a driver may echo its connection string)."""
    from ringback.redact import mask_url, redact, url_secrets

    reason = getattr(exc, "orig", None) or exc
    fail(
        f"cannot reach the database {mask_url(url)}: {redact(str(reason), url_secrets(url))}",
        hint="check RINGBACK_DATABASE_URL and that the server is running",
    )


@click.command(epilog="\b\nExamples:\n  ringback config\n  ringback config --json")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def config(as_json: bool) -> None:
    """Print the effective settings, secrets masked."""
    values = load_settings().masked()
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
