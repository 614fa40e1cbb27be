"""Users, teams, roles, lines and the audit trail from the command line (issue 16 §1, §5),
on SQLite and PostgreSQL: the exact ``users add`` contract, the last owner kept, disable
and reassign keeping the data, a rep's line routing their voicemail to their inbox, task
and email, a database used before any account adopted by the first owner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from ringback.accounts.models import User
from ringback.accounts.sessions import create_token, resolve_token
from ringback.config import Settings
from ringback.contacts.models import Contact, FollowUp, Interaction
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail
from ringback.voicemail.pipeline.ingest import ingest
from tests.support.audio import to_wav
from tests.support.inbox import run_stage
from tests.support.mail import maildir_messages

PASSWORD = "a long enough passphrase\n"
SAM_LINE = "+14155550137"


def add(cli: Any, email: str, *args: str) -> Any:
    return cli("users", "add", email, *args, "--password-stdin", input=PASSWORD)


def team(cli: Any) -> dict[str, dict[str, Any]]:
    assert add(cli, "dana@example.com", "--role", "owner").exit_code == 0
    assert add(cli, "sam@example.com", "--role", "rep", "--team", "East").exit_code == 0
    assert add(cli, "mia@example.com", "--role", "manager", "--team", "East").exit_code == 0
    listed = json.loads(cli("users", "list", "--json").stdout)
    return {u["email"]: u for u in listed}


def test_users_add_list_and_the_roles_contract(cli: Any) -> None:
    users = team(cli)
    assert {e: (u["role"], u["team"], u["disabled"]) for e, u in users.items()} == {
        "dana@example.com": ("owner", None, False),
        "sam@example.com": ("rep", "East", False),
        "mia@example.com": ("manager", "East", False),
    }
    bad = add(cli, "x@example.com", "--role", "admin")
    assert bad.exit_code != 0 and "owner" in bad.output and "rep" in bad.output
    # Only an owner manages users: a rep acting is told so, and nothing is added.
    refused = cli("--as", "sam@example.com", "users", "add", "y@example.com", "--password-stdin", input=PASSWORD)  # fmt: skip
    assert refused.exit_code == 1 and "may not" in refused.output
    assert "y@example.com" not in cli("users", "list").stdout


def test_the_last_owner_cannot_be_disabled_or_demoted(cli: Any) -> None:
    team(cli)
    for args in (("disable", "dana@example.com"), ("set-role", "dana@example.com", "rep")):
        reply = cli("users", *args)
        assert reply.exit_code == 1 and "last enabled owner" in reply.output, args
    assert cli("users", "set-role", "mia@example.com", "owner").exit_code == 0
    assert cli("users", "set-role", "dana@example.com", "rep").exit_code == 0
    actions = [e["action"] for e in json.loads(cli("audit", "--json").stdout)]
    assert actions.count("role_change") == 2


def test_disable_stops_sign_in_and_tokens_and_reassign_moves_the_data(
    cli: Any, db_url: str
) -> None:
    users = team(cli)
    made = cli("--as", "sam@example.com", "contacts", "add", "--name", "Bill Turner", "--json")
    contact_id = json.loads(made.stdout)["id"]
    with transaction(db_url) as session:
        sam = session.scalar(select(User).where(User.email == "sam@example.com"))
        assert sam is not None
        from ringback.accounts.service import UserView

        _, token = create_token(session, UserView.of(sam), "crm")
    assert cli("users", "disable", "sam@example.com").exit_code == 0
    with transaction(db_url) as session:
        assert resolve_token(session, token) is None  # the token stops working
        assert session.get(Contact, contact_id) is not None  # the data stays
    acting = cli("--as", "sam@example.com", "contacts", "list")
    assert acting.exit_code == 1 and "disabled" in acting.output
    moved = json.loads(
        cli("users", "reassign", "sam@example.com", "mia@example.com", "--json").stdout
    )
    assert moved["moved"]["contacts"] == 1
    with transaction(db_url) as session:
        owner = session.scalar(select(Contact.owner_id).where(Contact.id == contact_id))
        assert owner == users["mia@example.com"]["id"]
    log = json.loads(cli("audit", "--action", "reassign", "--json").stdout)
    assert log[0]["user"] == "dana@example.com" and log[0]["detail"]["to"] == "mia@example.com"
    assert json.loads(cli("audit", "--user", "nobody@example.com", "--json").stdout or "[]") == []


def test_a_call_to_a_reps_line_is_their_voicemail_task_and_email(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    users = team(cli)
    assert cli("lines", "add", "415-555-0137", "--user", "sam@example.com").exit_code == 0
    assert json.loads(cli("lines", "list", "--json").stdout) == [
        {"number": SAM_LINE, "user": "sam@example.com", "kind": "personal"}
    ]
    data_dir = tmp_path / "data"
    audio = to_wav(np.zeros(8000, dtype=np.int16))
    mine = ingest(audio, source="upload", url=db_url, data_dir=data_dir, region="US",
                  to_number=SAM_LINE, from_number="+12125550199", source_key="sam-1")  # fmt: skip
    other = ingest(audio, source="upload", url=db_url, data_dir=data_dir, region="US",
                   to_number="+14155550100", from_number="+12125550188", source_key="x-1")  # fmt: skip
    with transaction(db_url) as session:
        owners = {
            v.id: v.owner_id for v in session.scalars(select(Voicemail).order_by(Voicemail.id))
        }
    sam_id, dana_id = users["sam@example.com"]["id"], users["dana@example.com"]["id"]
    assert owners == {mine.id: sam_id, other.id: dana_id}
    # The missed-call task is Sam's: on his Today, not on Dana's alone.
    settings = Settings(data_dir=data_dir, timezone="America/New_York")
    run_stage(db_url, mine.id, settings, missed=True, facts=None)
    with transaction(db_url) as session:
        task = session.scalar(select(FollowUp).where(FollowUp.title.contains("212-555-0199")))
        assert task is not None and task.owner_id == sam_id
    listed = cli("--as", "sam@example.com", "inbox", "list", "--json").stdout
    assert str(mine.id) in listed and "555-0188" not in listed
    # The email goes to Sam's address; a message on an unassigned number to the default.
    from ringback.voicemail.adapters import EmailNotifier
    from ringback.voicemail.pipeline.context import VoicemailMessage

    notifier = EmailNotifier(settings, db_url)
    for voicemail_id in (mine.id, other.id):
        message = VoicemailMessage(
            voicemail_id=voicemail_id, status="done", from_number="+12125550199",
            caller_name=None, to_number=None, received_at=datetime.now(UTC), duration=3.0,
            transcript=None, facts={"summary": "call me back"},
            original_path=tmp_path / "missing.wav", original_filename=None, mime=None,
            source_meta=None,
        )  # fmt: skip
        assert notifier.notify(message, idempotency_key=f"vm-{voicemail_id}")
    to = sorted(str(m["To"]) for m in maildir_messages(data_dir))
    assert len(to) == 2 and "sam@example.com" in to[1] + to[0]
    assert sum("sam@example.com" in t for t in to) == 1


def test_rows_made_before_any_account_become_the_first_owners(cli: Any, db_url: str) -> None:
    made = cli("contacts", "add", "--name", "Early Bird", "--json")
    assert made.exit_code == 0  # no user at all: the CLI works as it always did
    contact_id = json.loads(made.stdout)["id"]
    users = team(cli)
    with transaction(db_url) as session:
        owner = session.scalar(select(Contact.owner_id).where(Contact.id == contact_id))
    assert owner == users["dana@example.com"]["id"]
    assert "Early Bird" not in cli("--as", "sam@example.com", "contacts", "list").stdout
    assert "Early Bird" in cli("contacts", "list").stdout


def test_an_import_as_a_rep_is_theirs(cli: Any, db_url: str, tmp_path: Path) -> None:
    users = team(cli)
    sheet = tmp_path / "leads.csv"
    sheet.write_text("name,phone,notes\nAna Ruiz,415-555-0170,met at the fair\n")
    done = cli("--as", "sam@example.com", "contacts", "import", str(sheet))
    assert done.exit_code == 0, done.output
    with transaction(db_url) as session:
        contact = session.scalar(select(Contact).where(Contact.name == "Ana Ruiz"))
        assert contact is not None and contact.owner_id == users["sam@example.com"]["id"]
        notes = session.scalars(select(Interaction.owner_id)).all()
        assert set(notes) <= {users["sam@example.com"]["id"]}
    assert "Ana Ruiz" in cli("--as", "mia@example.com", "contacts", "list").stdout  # her team


def test_a_row_the_system_makes_on_a_contact_is_the_contacts_owners(cli: Any, db_url: str) -> None:
    users = team(cli)
    made = cli("--as", "sam@example.com", "contacts", "add", "--name", "Bill Turner", "--json")
    contact_id = json.loads(made.stdout)["id"]
    with transaction(db_url) as session:  # a worker: no user acting
        task = FollowUp(contact_id=contact_id, title="Follow up with Bill")
        session.add(task)
        session.flush()
        assert task.owner_id == users["sam@example.com"]["id"]
    shown = cli("--as", "sam@example.com", "contacts", "show", str(contact_id))
    assert "Follow up with Bill" in shown.stdout


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_migration_gives_existing_rows_to_the_first_owner_and_keeps_them(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """On SQLite the column is added in place: copying the table would have deleted every
    contact's phones (ON DELETE CASCADE) on the way."""
    from alembic import command
    from sqlalchemy import text

    from ringback.db.migrate import alembic_config
    from ringback.db.session import get_engine

    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    command.upgrade(alembic_config(url), "0017")
    with get_engine(url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash, disabled, created_at, "
                "password_changed_at) VALUES ('o@example.com', '', 'owner', 'x', false, "
                "'2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contacts (name, is_lead, created_at, updated_at) "
                "VALUES ('Old Friend', false, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text("INSERT INTO contact_phones (contact_id, e164) VALUES (1, '+14155550100')")
        )
    command.upgrade(alembic_config(url), "head")
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact_phones")).scalar() == 1
        assert conn.execute(text("SELECT owner_id FROM contacts")).scalar() == 1
    command.downgrade(alembic_config(url), "0017")
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact_phones")).scalar() == 1


def test_inbox_add_as_a_rep_is_their_message_unless_the_number_is_a_line(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    users = team(cli)
    assert cli("lines", "add", SAM_LINE, "--user", "sam@example.com").exit_code == 0
    for n, args in enumerate(
        (("--as", "mia@example.com"), ("--as", "mia@example.com", "--to", SAM_LINE))
    ):
        recording = tmp_path / f"hangup{n}.wav"  # two recordings (one is stored once)
        recording.write_bytes(to_wav(np.zeros(16000 + n, dtype=np.int16)))
        acting, rest = args[:2], args[2:]
        added = cli(*acting, "inbox", "add", str(recording), *rest, "--json")
        assert added.exit_code in (0, 1), added.output
    with transaction(db_url) as session:
        owners = list(session.scalars(select(Voicemail.owner_id).order_by(Voicemail.id)))
    assert owners[-2:] == [users["mia@example.com"]["id"], users["sam@example.com"]["id"]]
