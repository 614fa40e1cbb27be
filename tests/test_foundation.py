"""Settings, the embedded start, migrations on both backends."""

from __future__ import annotations

import json

from sqlalchemy import inspect

from ringback.db.migrate import current_revision, head_revision
from ringback.db.session import get_engine


def test_start_creates_the_embedded_database(cli_embedded, tmp_path):
    result = cli_embedded("start", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert (tmp_path / "data" / "ringback.db").exists()
    assert status["revision"] == head_revision()
    assert status["contacts"] == 0


def test_db_upgrade_migrates_each_backend(db_url):
    assert current_revision(db_url) == head_revision()
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {
        "contacts",
        "contact_phones",
        "back_story_items",
        "interactions",
        "follow_ups",
    } <= tables


def test_db_upgrade_command_on_postgres(pg_url, tmp_path):
    from tests.conftest import Cli

    result = Cli(tmp_path, pg_url)("db", "upgrade", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["to"] == head_revision()
    assert current_revision(pg_url) == head_revision()


def test_config_masks_secrets(cli_embedded):
    cli_embedded.env["RINGBACK_SMTP_PASSWORD"] = "hunter2-secret"
    cli_embedded.env["RINGBACK_DATABASE_URL"] = "postgresql+psycopg://bob:pa55word@db.example/rb"
    result = cli_embedded("config", "--json")
    assert result.exit_code == 0, result.output
    assert "hunter2-secret" not in result.stdout and "pa55word" not in result.stdout
    values = json.loads(result.stdout)
    assert values["smtp_password"] == "********"
    assert "bob" in values["database_url"]
    table = cli_embedded("config")
    assert "hunter2-secret" not in table.stdout and "RINGBACK_DATA_DIR" in table.stdout


def test_bad_setting_gives_a_clear_error(cli_embedded):
    cli_embedded.env["RINGBACK_TIMEZONE"] = "Mars/Olympus"
    result = cli_embedded("config")
    assert result.exit_code == 1
    assert "RINGBACK_TIMEZONE" in result.output and "IANA" in result.output


def test_python_dash_m_and_version(cli_embedded):
    result = cli_embedded.subprocess("--version")
    assert result.exit_code == 0 and "ringback, version" in result.stdout


def test_dotenv_file_is_read(cli_embedded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("RINGBACK_DEFAULT_REGION=gb\nRINGBACK_OWNER_NAME=Dana Reyes\n")
    values = json.loads(cli_embedded("config", "--json").stdout)
    assert values["default_region"] == "GB" and values["owner_name"] == "Dana Reyes"


def test_help_lists_commands_without_importing_them(cli_embedded):
    code = (
        "import sys; from ringback.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'faster_whisper', 'rich') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out, out
    assert "contacts" in out and "coach" in out and "prep" in out


def test_migrations_match_every_model(db_url):
    """A model changed without a migration would leave PostgreSQL and SQLite users behind."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ringback.db.models import metadata

    with get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_start_prints_next_steps_that_can_be_copied_whole(tmp_path):
    # A narrow terminal must not break a suggested command across lines (copying it would
    # paste half a command), and a data directory with brackets is shown as it is.
    from tests.conftest import Cli

    data = tmp_path / "rb [work]"
    result = Cli(data, None)("start")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"Data directory: {data}" in lines
    add = 'ringback contacts add --name "Bill Turner" --company "ABC Inc" --phone 415-555-0137'
    assert any(line.strip() == add for line in lines), result.stdout


def test_names_that_look_like_terminal_markup_are_shown_as_typed(cli_embedded):
    # rich reads "[bold]…[/bold]" as a style: a contact's own text must not be.
    company = "[bold]Acme[/bold] [VIP]"
    added = cli_embedded(
        "contacts", "add", "--name", "Bob [red]Smith", "--company", company, "--phone", "4155550137"
    )
    assert added.exit_code == 0, added.output
    assert company in added.stdout and "Bob [red]Smith" in added.stdout
    listed = cli_embedded("contacts", "list")
    # (the table wraps and trims cells to the terminal, so look for the pieces)
    assert all(part in listed.stdout for part in ("[red]Smith", "[bold]Acme", "[VIP]"))
    edited = cli_embedded("contacts", "edit", "1", "--company", "[i]Northwind[/i]")
    assert edited.exit_code == 0, edited.output
    assert "[i]Northwind[/i]" in edited.stdout


def test_the_owner_stats_index_goes_up_and_down_on_each_backend(db_url):
    """0019: a team's statistics read each owner's voicemails off one index (issue 16 §6);
    downgrading removes it and leaves 0018's schema, upgrading brings it back."""
    from alembic import command

    from ringback.db.migrate import alembic_config

    def indexes() -> dict[str, list[str | None]]:
        seen = inspect(get_engine(db_url))
        found = [*seen.get_indexes("outreach_events"), *seen.get_indexes("contacts")]
        return {ix["name"]: ix["column_names"] for ix in found if ix["name"]}

    owner_stats = indexes()["ix_outreach_owner_stats"]
    assert owner_stats[:3] == ["owner_id", "outcome", "direction"]
    assert {"hour", "variant", "score", "rule_bits", "return_seconds"} <= set(owner_stats)
    assert indexes()["ix_contacts_owner_updated"] == ["owner_id", "updated_at"]
    command.downgrade(alembic_config(db_url), "0018")
    get_engine(db_url).dispose()
    assert current_revision(db_url) == "0018"
    assert "ix_outreach_owner_stats" not in indexes()
    assert "ix_contacts_owner_updated" not in indexes()
    assert "ix_outreach_by_hour" in indexes()
    command.upgrade(alembic_config(db_url), "head")
    get_engine(db_url).dispose()
    assert indexes()["ix_outreach_owner_stats"] == owner_stats
    assert indexes()["ix_contacts_owner_updated"] == ["owner_id", "updated_at"]
