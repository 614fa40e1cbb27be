"""``ringback contacts delete CONTACT``: a contact and everything about them goes, after
saying what goes and what stays (:mod:`ringback.contacts.removal`)."""

from __future__ import annotations

import sys

import click

from ringback.console import console, fail, print_json
from ringback.contacts.cli_common import contact_for, unit_of_work

_EPILOG = """\b
Examples:
  ringback contacts delete "Bill Turner"        # says what goes, then asks
  ringback contacts delete 12 --yes --json

CONTACT is an id, a name, an email or a phone. Its numbers, emails, back story,
interactions, tasks, logged attempts, sequences (unsent drafts included) and shares go
with it; its voicemails stay in the inbox and its call reviews stay, unlinked. Only its
owner (or an owner of this Ringback) can delete it. Without a terminal to ask on, pass
--yes."""


def _interactive() -> bool:
    """Is there a person at a terminal to ask?"""
    return sys.stdin.isatty()


@click.command("delete", epilog=_EPILOG)
@click.argument("contact")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking (for scripts).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print what was deleted as JSON (needs --yes)."
)
def delete_command(contact: str, yes: bool, as_json: bool) -> None:
    """Delete a contact and everything about them (voicemails and call reviews stay)."""
    from rich.markup import escape

    from ringback.contacts.service import delete_contact

    if not yes and (as_json or not _interactive()):
        fail(
            "not deleted: nobody was asked to confirm; nothing was written",
            hint="add --yes to delete it (run it on a terminal to be shown what goes first)",
        )
    contact_id: int | str = contact
    if not yes:
        with unit_of_work() as (session, settings):
            found = contact_for(session, settings, contact)
            preview = delete_contact(session, contact_id=found.id, dry_run=True)
        contact_id = preview.contact_id
        out = console()
        out.print(
            f"Deleting {escape(preview.name)} (#{preview.contact_id}) also deletes "
            f"{preview.gone_words()}."
        )
        for line in preview.kept_sentences():
            out.print("  " + line)
        try:
            go = click.confirm("Delete it?", default=False)
        except click.Abort:  # no answer (stdin closed): not a yes
            go = False
        if not go:
            fail("not deleted; nothing changed", hint="add --yes to delete without asking")
    with unit_of_work() as (session, settings):
        found = contact_for(session, settings, contact_id)
        done = delete_contact(session, contact_id=found.id)
    if as_json:
        print_json(done.as_json())
        return
    out = console()
    out.print(
        f"[green]Deleted[/] {escape(done.name)} (#{done.contact_id}) and {done.gone_words()}."
    )
    for line in done.kept_sentences():
        out.print("  " + line)
