"""``ringback db ...``"""

from __future__ import annotations

import click

from ringback.app_cli import database_unreachable, load_settings
from ringback.config import mask_url
from ringback.console import console, fail, print_json


@click.group()
def db() -> None:
    """Database migrations."""


@db.command(
    epilog="\b\nExamples:\n  ringback db upgrade\n  RINGBACK_DATABASE_URL=postgresql+psycopg://user@host/ringback ringback db upgrade"
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def upgrade(as_json: bool) -> None:
    """Apply all migrations to the database named by RINGBACK_DATABASE_URL."""
    from sqlalchemy.exc import OperationalError

    from ringback.db.migrate import upgrade as run_upgrade

    url = load_settings().effective_database_url
    try:
        before, after = run_upgrade(url)
    except OperationalError as exc:
        database_unreachable(url, exc)
    except ModuleNotFoundError as exc:
        fail(f"database driver missing: {exc.name}", hint="pip install 'ringback[postgres]'")
    result = {"database": mask_url(url), "from": before, "to": after}
    if as_json:
        print_json(result)
    else:
        console().print(f"{result['database']}: {before or 'empty'} → {after}")
