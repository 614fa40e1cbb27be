"""Accounts (issue 15 §2): users, passwords, sessions, API tokens and roles, on SQLite and
PostgreSQL, and the `ringback users` / `ringback tokens` commands."""

from __future__ import annotations

import json
from datetime import timedelta

import argon2
import pytest

from ringback.accounts import service, sessions
from ringback.accounts.models import AuditEvent, User, WebSession
from ringback.db.base import utcnow
from ringback.db.session import transaction
from tests.conftest import Cli

PASSWORD = "a long enough passphrase"
DAY = timedelta(days=1)


def add(url: str, email: str = "Dana@Example.com", **kw: str) -> service.UserView:
    with transaction(url) as db:
        return service.add_user(db, email, PASSWORD, **kw)


def test_emails_are_unique_whatever_their_case(db_url: str) -> None:
    user = add(db_url, name="Dana Wells")
    assert user.email == "dana@example.com" and user.role == "owner"
    with pytest.raises(service.AccountError, match="already exists"), transaction(db_url) as db:
        service.add_user(db, "DANA@example.COM", PASSWORD)
    with transaction(db_url) as db:
        assert service.authenticate(db, " DANA@EXAMPLE.COM ", PASSWORD) == user
        assert service.authenticate(db, "dana@example.com", PASSWORD + "x") is None
        assert service.authenticate(db, "nobody@example.com", PASSWORD) is None
        stored = db.get(User, user.id)
        assert stored is not None and PASSWORD not in stored.password_hash


def test_weak_passwords_bad_emails_and_unknown_roles_are_refused(db_url: str) -> None:
    for email, password, role, words in (
        ("a@example.com", "short", "owner", "at least 10"),
        ("not an email", PASSWORD, "owner", "not an email"),
        ("a@example.com", PASSWORD, "admin", "unknown role"),
    ):
        with pytest.raises(service.AccountError, match=words), transaction(db_url) as db:
            service.add_user(db, email, password, role=role)
    with transaction(db_url) as db:
        assert service.count_users(db) == 0


def test_argon2id_with_sane_parameters() -> None:
    params = argon2.extract_parameters(service.hash_password(PASSWORD))
    assert params.type is argon2.Type.ID
    # OWASP's floor for argon2id is 19 MiB with 2 passes; RFC 9106's profile is above it.
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2
    assert service.hash_password(PASSWORD) != service.hash_password(PASSWORD)  # salted


def test_a_disabled_user_cannot_sign_in_and_loses_their_sessions(db_url: str) -> None:
    user = add(db_url)
    with transaction(db_url) as db:
        key = sessions.start_session(db, user, lifetime=DAY)
    with transaction(db_url) as db:
        row = db.get(User, user.id)
        assert row is not None
        row.disabled = True
    with transaction(db_url) as db:
        assert service.authenticate(db, user.email, PASSWORD) is None
        assert sessions.resolve_session(db, key, idle=DAY) is None


def test_sessions_expire_when_idle_and_at_their_absolute_limit(db_url: str) -> None:
    user = add(db_url)
    start = utcnow()
    idle = timedelta(hours=1)
    with transaction(db_url) as db:
        key = sessions.start_session(db, user, lifetime=timedelta(hours=3), now=start)
        stored = db.scalars(db.query(WebSession.key_hash).statement).all()
        assert stored == [sessions.digest(key)] and key not in stored  # only its hash
    with transaction(db_url) as db:  # used every 50 minutes: alive past the idle limit
        for minutes in (50, 100, 150):
            assert sessions.resolve_session(
                db, key, idle=idle, now=start + timedelta(minutes=minutes)
            )
    with transaction(db_url) as db:  # ... but not past the absolute one
        assert (
            sessions.resolve_session(db, key, idle=idle, now=start + timedelta(minutes=181)) is None
        )
    with transaction(db_url) as db:
        other = sessions.start_session(db, user, lifetime=DAY, now=start)
    with transaction(db_url) as db:  # unused for an hour and a minute: gone
        assert (
            sessions.resolve_session(db, other, idle=idle, now=start + timedelta(minutes=61))
            is None
        )
    with transaction(db_url) as db:
        assert db.query(WebSession).count() == 0


def test_a_password_change_ends_every_other_session(db_url: str) -> None:
    user = add(db_url)
    with transaction(db_url) as db:
        keys = [sessions.start_session(db, user, lifetime=DAY) for _ in range(3)]
    with transaction(db_url) as db:
        kept = sessions.resolve_session(db, keys[0], idle=DAY)
        assert kept is not None
        service.set_password(
            db, user.email, "another long passphrase", keep_session=kept.session_id
        )
    with transaction(db_url) as db:
        alive = [sessions.resolve_session(db, k, idle=DAY) is not None for k in keys]
        assert alive == [True, False, False]
        assert service.authenticate(db, user.email, "another long passphrase") is not None
        assert service.authenticate(db, user.email, PASSWORD) is None


def test_api_tokens_are_hashed_and_can_be_revoked(db_url: str) -> None:
    user = add(db_url)
    with transaction(db_url) as db:
        row, token = sessions.create_token(db, user, "backup script")
        assert token.startswith("rb_") and row.token_hash == sessions.digest(token)
    with transaction(db_url) as db:
        assert sessions.resolve_token(db, token) == user
        assert sessions.resolve_token(db, token + "x") is None
        sessions.revoke_token(db, row.id)
    with transaction(db_url) as db:
        assert sessions.resolve_token(db, token) is None
        ((listed, email),) = sessions.list_tokens(db)
        assert listed.last_used_at is not None and listed.revoked_at is not None
        assert email == user.email


def test_roles_are_checked_in_one_place(db_url: str) -> None:
    user = add(db_url)
    assert service.can(user, "manage_users") and service.can(user, "edit")
    assert not service.can(user, "launch_rockets")
    assert not service.can(None, "view")
    stranger = service.UserView(9, "x@example.com", "", "intern", False, utcnow())
    assert not service.can(stranger, "view")  # a role not in ROLES may do nothing


def test_audit_events_are_kept(db_url: str) -> None:
    user = add(db_url)
    with transaction(db_url) as db:
        service.record(db, "signin", user_id=user.id, ip="203.0.113.9")
    with transaction(db_url) as db:
        (event,) = service.audit_events(db)
        assert (event.action, event.user_id, event.ip) == ("signin", user.id, "203.0.113.9")
        assert db.query(AuditEvent).count() == 1


# -- the commands ---------------------------------------------------------------------


def test_users_add_reads_the_password_from_stdin_or_generates_one(cli: Cli) -> None:
    added = cli(
        "users",
        "add",
        "Dana@Example.com",
        "--name",
        "Dana",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    generated = cli("users", "add", "sam@example.com")
    assert generated.exit_code == 0, generated.output
    password = generated.stdout.strip().rsplit(" ", 1)[-1]
    assert len(password) >= 16
    url = cli.env["RINGBACK_DATABASE_URL"]
    with transaction(url) as db:
        assert service.authenticate(db, "sam@example.com", password) is not None
        assert service.authenticate(db, "dana@example.com", PASSWORD) is not None
    listed = json.loads(cli("users", "list", "--json").stdout)
    assert [(u["email"], u["name"], u["role"]) for u in listed] == [
        ("dana@example.com", "Dana", "owner"),
        ("sam@example.com", "", "owner"),
    ]
    assert "password" not in json.dumps(listed)
    again = cli("users", "add", "DANA@example.com", "--password-stdin", input=PASSWORD)
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_set_password_signs_the_user_out_everywhere(cli: Cli) -> None:
    cli("users", "add", "dana@example.com", "--password-stdin", input=PASSWORD)
    url = cli.env["RINGBACK_DATABASE_URL"]
    with transaction(url) as db:
        user = service.authenticate(db, "dana@example.com", PASSWORD)
        assert user is not None
        key = sessions.start_session(db, user, lifetime=DAY)
    changed = cli(
        "users",
        "set-password",
        "Dana@example.com",
        "--password-stdin",
        input="brand new passphrase\n",
    )
    assert changed.exit_code == 0, changed.output
    with transaction(url) as db:
        assert sessions.resolve_session(db, key, idle=DAY) is None
        assert service.authenticate(db, "dana@example.com", "brand new passphrase") is not None
    short = cli("users", "set-password", "dana@example.com", "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output


def test_tokens_are_printed_once_listed_without_the_token_and_revoked(cli: Cli) -> None:
    cli("users", "add", "dana@example.com", "--password-stdin", input=PASSWORD)
    created = json.loads(cli("tokens", "create", "--name", "backup", "--json").stdout)
    assert created["token"].startswith("rb_") and created["user"] == "dana@example.com"
    listed = cli("tokens", "list", "--json")
    assert created["token"] not in listed.stdout
    assert json.loads(listed.stdout)[0]["revoked"] is False
    assert cli("tokens", "revoke", str(created["id"])).exit_code == 0
    assert json.loads(cli("tokens", "list", "--json").stdout)[0]["revoked"] is True
    assert cli("tokens", "revoke", "999").exit_code != 0


def test_a_rep_lists_only_their_own_tokens_and_the_owner_lists_every_one(cli: Cli) -> None:
    cli("users", "add", "dana@example.com", "--password-stdin", input=PASSWORD)
    cli("users", "add", "sam@example.com", "--role", "rep", "--password-stdin", input=PASSWORD)
    cli("tokens", "create", "--name", "owner-crm")
    made = cli("--as", "sam@example.com", "tokens", "create", "--name", "sam-crm", "--json")
    assert made.exit_code == 0, made.output
    sams = json.loads(cli("--as", "sam@example.com", "tokens", "list", "--json").stdout)
    assert [(t["name"], t["user"]) for t in sams] == [("sam-crm", "sam@example.com")]
    every = json.loads(cli("tokens", "list", "--json").stdout)
    assert sorted(t["name"] for t in every) == ["owner-crm", "sam-crm"]


def test_tokens_list_says_when_in_words_and_revoke_answers_json_or_a_next_step(
    cli: Cli, db_url: str
) -> None:
    cli("users", "add", "dana@example.com", "--password-stdin", input=PASSWORD)
    crm = json.loads(cli("tokens", "create", "--name", "crm", "--json").stdout)
    cli("tokens", "create", "--name", "prometheus")
    with transaction(db_url) as db:
        assert sessions.resolve_token(db, crm["token"]) is not None  # a script used it
    lines = cli("tokens", "list").stdout.splitlines()
    assert "last used today " in lines[0] and "last used never" in lines[1]
    assert "+00:00" not in lines[0] and lines[0].index("dana@") == lines[1].index("dana@")

    revoked = cli("tokens", "revoke", str(crm["id"]), "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked"] is True
    unknown = cli("tokens", "revoke", "999")
    assert unknown.exit_code != 0 and "ringback tokens list" in unknown.output


def test_the_first_start_creates_the_owner_once_with_a_one_time_password(cli: Cli) -> None:
    cli.env["RINGBACK_OWNER_EMAIL"] = "Owner@Example.com"
    first = cli("start")
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8000/" in first.stdout
    line = next(x for x in first.stdout.splitlines() if "One-time password" in x)
    password = line.rsplit(" ", 1)[-1]
    with transaction(cli.env["RINGBACK_DATABASE_URL"]) as db:
        assert service.authenticate(db, "owner@example.com", password) is not None
    second = cli("start")
    assert "One-time password" not in second.stdout and password not in second.stdout


def test_without_an_owner_email_start_says_how_to_add_one(cli: Cli) -> None:
    cli.env["RINGBACK_OWNER_EMAIL"] = ""
    result = cli("start")
    assert result.exit_code == 0
    assert "ringback users add" in result.stdout
    assert json.loads(cli("users", "list", "--json").stdout) == []
