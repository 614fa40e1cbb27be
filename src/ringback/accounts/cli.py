"""``ringback users`` and ``ringback tokens``: who may sign in to the web app, and the
personal API tokens scripts use instead of a browser session."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from ringback.console import echo, fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.service import UserView

JSON_HELP = "Print as JSON."


@contextmanager
def accounts_session(action: str = "", hint: str | None = None) -> Iterator[Session]:
    """One transaction on the ready database, acting as the command's user (``--as``);
    ``action``: what that user must be allowed to do (e.g. ``manage_users``) once any
    user exists. An AccountError is a message (with ``hint``, what to do next), not a
    traceback."""
    from ringback.accounts.scope import NotYours, actor_of
    from ringback.accounts.service import AccountError, can, count_users
    from ringback.command_kit import bind_actor, load_settings, ready_database
    from ringback.db.session import transaction

    settings = load_settings()
    url = ready_database(settings)
    try:
        with transaction(url) as session:
            bind_actor(session, settings)
            actor = actor_of(session)
            if action and actor is not None and not can(actor, action):
                fail(
                    f"{actor.email} ({actor.role}) may not do this",
                    hint="ask an owner, or act as one: ringback --as OWNER@EXAMPLE.COM ...",
                )
            if action and actor is None and count_users(session):
                fail("no enabled owner to act as", hint="ringback --as OWNER@EXAMPLE.COM ...")
            yield session
    except (AccountError, NotYours) as exc:
        fail(f"{exc}; nothing was changed", hint=hint)


def acting_user(session: Session) -> UserView | None:
    """The user the command acts as (None: the system, on a database with no user)."""
    from ringback.accounts.scope import actor_of

    return actor_of(session)


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


ROLE_CHOICE = click.Choice(["owner", "manager", "rep"])


@click.group(
    epilog="\b\nExamples:\n  ringback users add dana@example.com --name Dana\n  ringback users add sam@example.com --role rep --team East\n  ringback users list --json"
)
def users() -> None:
    """Who may sign in to the web app, their role and team (owners only), and each
    user's profile (`users edit`: a user may edit their own)."""


@users.command(
    "add",
    epilog="\b\nExamples:\n  ringback users add dana@example.com --name Dana\n  echo 'a long passphrase' | ringback users add sam@example.com --role rep --team East --password-stdin",
)
@click.argument("email")
@click.option("--name", default="", help="The name shown in the web app.")
@click.option(
    "--role", type=ROLE_CHOICE, default="owner", show_default=True, help="What the user may do."
)
@click.option("--team", default=None, help="Their team (made when new); a manager sees their team.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(email: str, name: str, role: str, team: str | None, password_stdin: bool) -> None:
    """Add a user; without --password-stdin a one-time password is generated and shown."""
    from ringback.accounts.service import add_user, record

    password, generated = read_password(password_stdin)
    with accounts_session("manage_users") as session:
        user = add_user(session, email, password, name=name, role=role, team=team)
        by = acting_user(session)
        detail = json.dumps({"user": user.email, "role": role, "team": user.team})
        record(session, "user_add", user_id=by.id if by else user.id, detail=detail)
    echo(f"Added {user.email} ({user.role}{', team ' + user.team if user.team else ''}).")
    show_password(password, generated)


@users.command(
    "edit",
    epilog="\b\nExamples:\n  ringback --as sam@example.com users edit sam@example.com --name 'Sam Lee' --phone 415-555-0137\n  ringback users edit sam@example.com --phone '' --json",
)
@click.argument("email")
@click.option("--name", default=None, help="Their name, said in their voicemails and emails.")
@click.option(
    "--phone",
    default=None,
    help="Their callback number, said in their voicemails and signed under their emails ('' to clear: their line's number).",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def users_edit(email: str, name: str | None, phone: str | None, as_json: bool) -> None:
    """Edit a user's profile: the name and number their scripts, greetings and follow-up
    emails use. A user edits their own (--as), an owner anyone's."""
    from ringback.accounts.profile import edit_profile, speaker_for
    from ringback.command_kit import load_settings

    if name is None and phone is None:
        fail("nothing to change", hint="give --name NAME and/or --phone NUMBER")
    settings = load_settings()
    hint = "edit your own profile (ringback --as YOU@EXAMPLE.COM users edit YOU@EXAMPLE.COM ...), or ask an owner"
    with accounts_session(hint=hint) as session:
        by = acting_user(session)
        user = edit_profile(
            session, email, name=name, phone=phone, region=settings.default_region, by=by
        )
        speaks = speaker_for(session, user_id=user.id, settings=settings)
    if as_json:
        print_json(
            {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "phone": user.phone,
                "speaks_as": {"name": speaks.name, "phone": speaks.phone or None},
            }
        )
        return
    echo(f"{user.email}: name {user.name or '(none)'}, phone {user.phone or '(none)'}.")
    said = f"{speaks.name or '[your name]'}, {speaks.phone_written() or '[your number]'}"
    echo(f"Their voicemails, greeting and follow-up emails say: {said}.")
    if speaks.from_settings_too and (speaks.name, speaks.phone) != (user.name, user.phone):
        echo("(the first owner: RINGBACK_OWNER_NAME / _PHONE, when set, come first)")


@users.command(
    "list",
    epilog="\b\nExamples:\n  ringback users list\n  ringback users list --json",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def users_list(as_json: bool) -> None:
    """List the users (never their passwords)."""
    from ringback.accounts.service import list_users

    with accounts_session("manage_users") as session:
        rows = list_users(session)
    if as_json:
        print_json(
            [
                {
                    "id": u.id,
                    "email": u.email,
                    "name": u.name,
                    "phone": u.phone,
                    "role": u.role,
                    "team": u.team or None,
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
        team = f"  team {u.team}" if u.team else ""
        echo(
            f"{u.id:>4}  {u.email}  {u.role}{team}{'  (disabled)' if u.disabled else ''}  {u.name}"
        )


@users.command(
    "disable",
    epilog="\b\nExamples:\n  ringback users disable sam@example.com\n  ringback users reassign sam@example.com dana@example.com",
)
@click.argument("email")
def users_disable(email: str) -> None:
    """Stop a user signing in (their sessions end, their API tokens stop working); their
    data stays, to reassign with `users reassign`."""
    from ringback.accounts.admin import disable_user

    with accounts_session("manage_users") as session:
        user = disable_user(session, email, by=acting_user(session))
    echo(f"Disabled {user.email}; their data stays (ringback users reassign {user.email} TO).")


@users.command("enable", epilog="\b\nExamples:\n  ringback users enable sam@example.com")
@click.argument("email")
def users_enable(email: str) -> None:
    """Let a disabled user sign in again."""
    from ringback.accounts.admin import enable_user

    with accounts_session("manage_users") as session:
        user = enable_user(session, email, by=acting_user(session))
    echo(f"Enabled {user.email}.")


@users.command(
    "reassign",
    epilog="\b\nExamples:\n  ringback users reassign sam@example.com dana@example.com --json",
)
@click.argument("from_email", metavar="FROM")
@click.argument("to_email", metavar="TO")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def users_reassign(from_email: str, to_email: str, as_json: bool) -> None:
    """Move every contact, voicemail, call, task and line of FROM to TO."""
    from ringback.accounts.admin import reassign

    with accounts_session("manage_users") as session:
        moved = reassign(session, from_email, to_email, by=acting_user(session))
    if as_json:
        print_json({"from": from_email, "to": to_email, "moved": moved})
        return
    total = sum(moved.values())
    echo(f"Moved {total} {'row' if total == 1 else 'rows'} from {from_email} to {to_email}.")
    for table, count in moved.items():
        if count:
            echo(f"  {table.replace('_', ' ')}: {count}")


@users.command(
    "set-role",
    epilog="\b\nExamples:\n  ringback users set-role sam@example.com manager --team East\n  ringback users set-role sam@example.com rep --team ''",
)
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
@click.option("--team", default=None, help="Their team ('' for none); unchanged when not given.")
def users_set_role(email: str, role: str, team: str | None) -> None:
    """Change a user's role (and team); the last enabled owner stays an owner."""
    from ringback.accounts.admin import set_role

    with accounts_session("manage_users") as session:
        user = set_role(session, email, role, team=team, by=acting_user(session))
    echo(f"{user.email} is now {'an' if role == 'owner' else 'a'} {role}.")


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
    with accounts_session("manage_users") as session:
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
    help="The user the token acts as; it sees and may do what they may (default: the acting user; another user's needs an owner).",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def tokens_create(name: str, email: str | None, as_json: bool) -> None:
    """Create a token and print it once (only its hash is kept); with --json,
    `{"token": ...}` among the fields."""
    from ringback.accounts.service import AccountError, UserView, can, find_user, list_users
    from ringback.accounts.sessions import create_token

    with accounts_session("manage_tokens") as session:
        actor = acting_user(session)
        if email:
            found = find_user(session, email)
            owner = UserView.of(found) if found else None
            if owner and actor and owner.id != actor.id and not can(actor, "manage_users"):
                raise AccountError("only an owner creates tokens for other users")
        else:
            owner = actor or next((u for u in list_users(session) if u.role == "owner"), None)
        if owner is not None and owner.disabled:
            raise AccountError(f"{owner.email} is disabled (ringback users enable EMAIL)")
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

    with accounts_session("manage_tokens") as session:
        found = list_tokens(session, by=acting_user(session))
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

    with accounts_session(
        "manage_tokens", hint="see the ids with `ringback tokens list`"
    ) as session:
        row = revoke_token(session, token_id, by=acting_user(session))
        done = {"id": row.id, "name": row.name, "revoked": True, "revoked_at": row.revoked_at}
    if as_json:
        print_json(done)
        return
    echo(f"Token {row.id} ({row.name}) revoked.")
