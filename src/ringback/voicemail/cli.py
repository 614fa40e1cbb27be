"""``ringback inbox``: the group, and its reading commands (list, show, capture).

The intake commands (add, watch, import-asterisk, externnotify, resume) live in
:mod:`ringback.voicemail.cli_intake` and are added to the group here, so the command
table in :mod:`ringback.cli` still finds ``inbox`` in this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ringback import command_kit
from ringback.command_kit import confirm_deletion
from ringback.command_kit import load_settings as _settings
from ringback.console import print_json
from ringback.inputs import INDEXES, ROW_ID
from ringback.voicemail.cli_intake import INTAKE_COMMANDS
from ringback.voicemail.cli_support import (
    session as _session,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from ringback.config import Settings

# -- ringback inbox ----------------------------------------------------------------------


@click.group(
    epilog="""\b
Examples:
  ringback inbox add message.wav --from +14155550137
  ringback inbox list
  ringback inbox show 3
  ringback inbox capture 3
  ringback inbox delete 3
  ringback inbox watch ~/voicemail-drop"""
)
def inbox() -> None:
    """Voicemail: take messages in, transcribe and email them, then capture them."""


for _command in INTAKE_COMMANDS:
    inbox.add_command(_command)


@inbox.command(
    "list",
    short_help="Messages to handle, newest first.",
    epilog="\b\nExamples:\n  ringback inbox list\n  ringback inbox list --all --json",
)
@click.option("--all", "include_handled", is_flag=True, help="Include handled messages.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_(include_handled: bool, as_json: bool) -> None:
    """Messages, newest first (by default only those not handled yet)."""
    from ringback.voicemail import render
    from ringback.voicemail.inbox import list_inbox

    settings = _settings()
    with _session(settings) as session:
        entries = list_inbox(session, settings=settings, include_handled=include_handled)
    rows = [entry.as_json() for entry in entries]
    if as_json:
        print_json(rows)
    else:
        render.inbox_table(rows, include_handled=include_handled)


def _message_command(short_help: str, epilog: str) -> Callable[[Callable[..., None]], Any]:
    """An ``inbox`` command on one message: its ID, and ``--json``."""

    def declare(f: Callable[..., None]) -> Any:
        f = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")(f)
        f = click.argument("voicemail_id", type=ROW_ID, metavar="ID")(f)
        return inbox.command(short_help=short_help, epilog=epilog)(f)

    return declare


@_message_command(
    "One message: transcript, facts, stages.",
    "\b\nExamples:\n  ringback inbox show 3\n  ringback inbox show 3 --json",
)
def show(voicemail_id: int, as_json: bool) -> None:
    """One message: transcript, facts, callback task, and how each stage went."""
    from ringback.voicemail import render
    from ringback.voicemail.inbox import voicemail_detail

    _one_message(voicemail_id, as_json, voicemail_detail, render.detail)


@_message_command(
    "File a message under its contact; mark it handled.",
    "\b\nExamples:\n  ringback inbox capture 3\n  ringback inbox capture 3 --keep 0,2\n"
    "  ringback inbox capture 3 --merge-into 12",
)
@click.option(
    "--merge-into",
    type=ROW_ID,
    metavar="CONTACT_ID",
    help="The caller is this contact: file the message there (merging any contact made "
    "for the caller before).",
)
@click.option(
    "--keep",
    type=INDEXES,
    metavar="N,N|none",
    help="File only these proposed back-story items (their numbers in `inbox show`); "
    "'none' files none. Default: all of them.",
)
def capture(
    voicemail_id: int, merge_into: int | None, keep: frozenset[int] | None, as_json: bool
) -> None:
    """File a message under the caller's contact (new if unknown): back story, interaction,
    callback task; then mark it handled. When the caller looks like a contact on file you
    are asked whether to merge (or pass --merge-into). Capturing twice changes nothing."""
    from ringback.voicemail import render
    from ringback.voicemail.capture import capture_message, merge_proposals

    if merge_into is None and not as_json and command_kit.interactive():
        settings = _settings()
        with _session(settings) as session:
            proposals = merge_proposals(session, settings=settings, voicemail_id=voicemail_id)
        for match in proposals[:1]:
            question = f"This looks like {match.name} (#{match.contact_id}): merge?"
            if click.confirm(question, default=False):
                merge_into = match.contact_id

    def act(session: Session, settings: Settings, voicemail_id: int) -> dict[str, Any]:
        return capture_message(
            session, settings=settings, voicemail_id=voicemail_id, merge_into=merge_into, keep=keep
        ).to_json()

    _one_message(voicemail_id, as_json, act, render.captured)


@_message_command(
    "Delete a processed message and its recording.",
    "\b\nExamples:\n  ringback inbox delete 3            # says what goes, then asks\n"
    "  ringback inbox delete 3 --yes --json",
)
@click.option("--yes", "-y", is_flag=True, help="Delete without asking (for scripts).")
def delete(voicemail_id: int, yes: bool, as_json: bool) -> None:
    """Delete a processed message: its transcript, facts, recording, and its email and
    webhooks if not sent yet. What was captured into the contact, the callback task and
    the email already sent stay. A message still being processed is refused."""
    from ringback.voicemail import render
    from ringback.voicemail.removal import delete_voicemail

    def preview() -> None:
        settings = _settings()
        with _session(settings) as session:
            plan = delete_voicemail(
                session, settings=settings, voicemail_id=voicemail_id, dry_run=True
            )
        render.deletion(plan.as_json())

    confirm_deletion(
        f"Delete voicemail #{voicemail_id}?",
        yes=yes,
        scripted=as_json,
        retry=f"ringback inbox delete {voicemail_id}",
        preview=preview,
    )

    def act(session: Session, settings: Settings, voicemail_id: int) -> dict[str, Any]:
        return delete_voicemail(session, settings=settings, voicemail_id=voicemail_id).as_json()

    _one_message(voicemail_id, as_json, act, render.deletion)


def _one_message(
    voicemail_id: int,
    as_json: bool,
    act: Callable[[Session, Settings, int], dict[str, Any]],
    view: Callable[[dict[str, Any]], None],
) -> None:
    """Run ``act`` on one message in a session, then print its JSON or ``view`` of it."""
    settings = _settings()
    with _session(settings) as session:
        data = act(session, settings, voicemail_id)
    if as_json:
        print_json(data)
    else:
        view(data)
