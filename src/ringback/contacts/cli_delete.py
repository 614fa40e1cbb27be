"""``ringback contacts delete CONTACT``: a contact and everything about them goes, after
saying what goes and what stays (:mod:`ringback.contacts.removal`)."""

from __future__ import annotations

import shlex

import click

from ringback.command_kit import confirm_deletion
from ringback.console import console, print_json
from ringback.contacts.cli_common import contact_for, unit_of_work

_EPILOG = """\b
Examples:
  ringback contacts delete "Bill Turner"        # says what goes, then asks
  ringback contacts delete 12 --yes --json

CONTACT is an id, a name, an email or a phone. Its numbers, emails, back story,
interactions, tasks, logged attempts, sequences (unsent drafts included) and shares go
with it, and so do its approved follow-up emails still waiting in the outbox and its
webhooks not sent yet; the webhooks already sent about it keep only when and where they
went, not what they said. Its voicemails stay in the inbox and its call reviews stay,
unlinked. Only its owner (or an owner of this Ringback) can delete it. Without a
terminal to ask on, pass --yes."""


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

    contact_id: int | str = contact

    def preview() -> None:
        nonlocal contact_id
        with unit_of_work() as (session, settings):
            found = contact_for(session, settings, contact)
            plan = delete_contact(session, contact_id=found.id, settings=settings, dry_run=True)
        contact_id = plan.contact_id  # the one shown is the one deleted
        out = console()
        out.print(
            f"Deleting {escape(plan.name)} (#{plan.contact_id}) also deletes {plan.gone_words()}."
        )
        for line in plan.kept_sentences():
            out.print("  " + line)

    confirm_deletion(
        "Delete it?",
        yes=yes,
        scripted=as_json,
        retry=f"ringback contacts delete {shlex.quote(contact)}",
        preview=preview,
    )
    with unit_of_work() as (session, settings):
        found = contact_for(session, settings, contact_id)
        done = delete_contact(session, contact_id=found.id, settings=settings)
    if as_json:
        print_json(done.as_json())
        return
    out = console()
    out.print(
        f"[green]Deleted[/] {escape(done.name)} (#{done.contact_id}) and {done.gone_words()}."
    )
    for line in done.kept_sentences():
        out.print("  " + line)
