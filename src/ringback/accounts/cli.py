"""``ringback users`` and ``ringback tokens``: who may sign in to the web app, and the
personal API tokens scripts use instead of a browser session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from ringback.console import echo, fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

JSON_HELP = "Print as JSON."


@contextmanager
def accounts_session(hint: str | None = None) -> Iterator[Session]:
    """One transaction on the ready database; an AccountError is a message (with ``hint``,
    what to do next), not a traceback."""
    from ringback.accounts.service import AccountError
    from ringback.command_kit import load_settings, ready_database
    from ringback.db.session import transaction

    url = ready_database(load_settings())
    try:
        with transaction(url) as session:
            yield session
    except AccountError as exc:
        fail(f"{exc}; nothing was changed", hint=hint)


def read_password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated?): the first line of standard input with --password-stdin,
    else a generated one to show once."""
    from ringback.accounts.service import MAX_PASSWORD, generate_password

    if not from_stdin:
        return generate_password(), True
    line = sys.stdin.readline(MAX_PASSWORD + 2).rstrip("\r\n")
    if not line:
        fail("no password on standard input", hint="echo 'a long passphrase' | ringback ...")
    return line, False


def show_password(password: str, generated: bool) -> None:
    if generated:  # printed once, here: it is stored only as a hash
        echo(f"One-time password (shown only now, change it after signing in): {password}")


@click.group(
    epilog="\b\nExamples:\n  ringback users add dana@example.com --name Dana\n  ringback users list --json"
)
def users() -> None:
    """Who may sign in to the web app."""


@users.command(
    "add",
    epilog="\b\nExamples:\n  ringback users add dana@example.com --name Dana\n  echo 'a long passphrase' | ringback users add sam@example.com --password-stdin",
)
@click.argument("email")
@click.option("--name", default="", help="The name shown in the web app.")
@click.option("--role", default="owner", show_default=True, help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Add a user; without --password-stdin a one-time password is generated and shown."""
    from ringback.accounts.service import add_user

    password, generated = read_password(password_stdin)
    with accounts_session() as session:
        user = add_user(session, email, password, name=name, role=role)
    echo(f"Added {user.email} ({user.role}).")
    show_password(password, generated)


@users.command(
    "list",
    epilog="\b\nExamples:\n  ringback users list\n  ringback users list --json",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def users_list(as_json: bool) -> None:
    """List the users (never their passwords)."""
    from ringback.accounts.service import list_users

    with accounts_session() as session:
        rows = list_users(session)
    if as_json:
        print_json(
            [
                {
                    "id": u.id,
                    "email": u.email,
                    "name": u.name,
                    "role": u.role,
                    "disabled": u.disabled,
                    "created_at": u.created_at,
                }
                for u in rows
            ]
        )
        return
    if not rows:
        echo("No users yet: add one with `ringback users add EMAIL`.")
    for u in rows:
        echo(f"{u.id:>4}  {u.email}  {u.role}{'  (disabled)' if u.disabled else ''}  {u.name}")


@users.command(
    "set-password",
    epilog="\b\nExamples:\n  ringback users set-password dana@example.com\n  echo 'a new passphrase' | ringback users set-password dana@example.com --password-stdin",
)
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set a user's password; every web session of theirs is signed out."""
    from ringback.accounts.service import set_password

    password, generated = read_password(password_stdin)
    with accounts_session() as session:
        user = set_password(session, email, password)
    echo(f"Password changed for {user.email}; their web sessions were signed out.")
    show_password(password, generated)


@click.group(
    epilog="\b\nExamples:\n  ringback tokens create --name backup-script\n  ringback tokens revoke 3"
)
def tokens() -> None:
    """Personal API tokens for scripts (sent as `Authorization: Bearer TOKEN`)."""


@tokens.command(
    "create",
    epilog='\b\nExamples:\n  ringback tokens create --name backup-script\n  ringback tokens create --name crm --as dana@example.com --json\n  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/v1/contacts',
)
@click.option("--name", required=True, help="What the token is for.")
@click.option(
    "--as",
    "--user",
    "email",
    default=None,
    metavar="EMAIL",
    help="The user the token acts as; it sees and may do what they may (default: the first owner).",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def tokens_create(name: str, email: str | None, as_json: bool) -> None:
    """Create a token and print it once (only its hash is kept); with --json,
    `{"token": ...}` among the fields."""
    from ringback.accounts.service import AccountError, UserView, find_user, list_users
    from ringback.accounts.sessions import create_token

    with accounts_session() as session:
        if email:
            found = find_user(session, email)
            owner = UserView.of(found) if found else None
        else:
            owner = next((u for u in list_users(session) if u.role == "owner"), None)
        if owner is None:
            who = f"no user {email}" if email else "no owner yet"
            raise AccountError(
                f"{who} (see `ringback users list`, add one with `ringback users add EMAIL`)"
            )
        row, token = create_token(session, owner, name)
    if as_json:
        print_json({"id": row.id, "name": row.name, "user": owner.email, "token": token})
        return
    echo(f"Token {row.id} ({row.name}) for {owner.email}, shown only now:")
    echo(token)


@tokens.command(
    "list",
    epilog="\b\nExamples:\n  ringback tokens list\n  ringback tokens list --json",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def tokens_list(as_json: bool) -> None:
    """List the tokens (names and dates; the tokens themselves are not kept)."""
    from ringback.accounts.sessions import list_tokens
    from ringback.command_kit import load_settings
    from ringback.timefmt import format_when

    with accounts_session() as session:
        found = list_tokens(session)
    if as_json:
        print_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "user": email,
                    "created_at": t.created_at,
                    "last_used_at": t.last_used_at,
                    "revoked": t.revoked_at is not None,
                }
                for t, email in found
            ]
        )
        return
    if not found:
        echo("No API tokens yet: ringback tokens create --name NAME")
        return
    tz = load_settings().tz
    name_width = max(len(t.name) for t, _ in found)
    user_width = max(len(email) for _, email in found)
    for t, email in found:
        used = "never" if t.last_used_at is None else format_when(t.last_used_at, tz)
        state = "revoked" if t.revoked_at is not None else f"last used {used}"
        made = format_when(t.created_at, tz)
        echo(f"{t.id:>4}  {t.name:<{name_width}}  {email:<{user_width}}  made {made}, {state}")


@tokens.command(
    "revoke",
    epilog="\b\nExamples:\n  ringback tokens revoke 3\n  ringback tokens revoke 3 --json",
)
@click.argument("token_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def tokens_revoke(token_id: int, as_json: bool) -> None:
    """Revoke a token: scripts using it are refused from now on."""
    from ringback.accounts.sessions import revoke_token

    with accounts_session(hint="see the ids with `ringback tokens list`") as session:
        row = revoke_token(session, token_id)
        done = {"id": row.id, "name": row.name, "revoked": True, "revoked_at": row.revoked_at}
    if as_json:
        print_json(done)
        return
    echo(f"Token {row.id} ({row.name}) revoked.")
