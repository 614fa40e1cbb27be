"""The first `ringback start`: the web app's owner account, made once, with a one-time
password (there is no default password)."""

from __future__ import annotations

import click


def first_owner(url: str, email: str, *, ask: bool) -> dict[str, str]:
    """On a database with no user: create the owner from ``email`` (RINGBACK_OWNER_EMAIL),
    or from the one typed when ``ask`` (a terminal), with a one-time password. Returns what
    happened: ``{"email", "one_time_password"}``, ``{"hint"}``, or ``{}`` when users exist."""
    from sqlalchemy.exc import IntegrityError

    from ringback.accounts.service import AccountError, add_user, count_users, generate_password
    from ringback.db.session import transaction

    with transaction(url) as session:
        if count_users(session):
            return {}
    if not email.strip() and ask:
        email = click.prompt(
            "Email for your web app account (empty to skip)", default="", show_default=False
        )
    if not email.strip():
        return {"hint": "No one can sign in to the web app yet: ringback users add you@example.com"}
    password = generate_password()
    try:
        with transaction(url) as session:
            if count_users(session):  # another first start got there first
                return {}
            user = add_user(session, email, password, name="", role="owner")
    except IntegrityError:  # ... at the same moment
        return {}
    except AccountError as exc:
        return {"hint": f"Owner not created ({exc}): ringback users add you@example.com"}
    return {"email": user.email, "one_time_password": password}
