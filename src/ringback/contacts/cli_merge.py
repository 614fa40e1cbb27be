"""``ringback contacts merge A B``: two contacts that are one person become one; and
``contacts share | unshare CONTACT --with EMAIL``: a contact two users work."""

from __future__ import annotations

import click

from ringback.console import console, print_json
from ringback.contacts.cli_common import contact_for, unit_of_work

_EPILOG = """\b
Examples:
  ringback contacts merge "Karen Lopez" 14 --dry-run
  ringback contacts merge 12 14 --json

A and B are each an id, a name, an email or a phone. B's numbers, emails, back story,
interactions, follow-ups, voicemails and sequences move to A, empty fields of A are filled
from B, and B is removed, all at once: if anything fails, nothing changes."""


@click.command("merge", epilog=_EPILOG)
@click.argument("keep_ref", metavar="A")
@click.argument("merge_ref", metavar="B")
@click.option("--dry-run", is_flag=True, help="Show what would move; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print what moved as JSON.")
def merge_command(keep_ref: str, merge_ref: str, dry_run: bool, as_json: bool) -> None:
    """Merge contact B into contact A (B is removed)."""
    from rich.markup import escape

    from ringback.contacts.removal import counted
    from ringback.contacts.service import merge_contacts

    with unit_of_work() as (session, settings):
        keep = contact_for(session, settings, keep_ref)
        merge = contact_for(session, settings, merge_ref)
        result = merge_contacts(session, keep_id=keep.id, merge_id=merge.id, dry_run=dry_run)
    if as_json:
        print_json(result.as_json())
        return
    moved = ", ".join(counted(n, what) for what, n in result.moved) or "nothing"
    verb = "Would merge" if dry_run else "Merged"
    out = console()
    out.print(
        f"{verb} {escape(result.merged_name)} (#{result.merged_id}) into "
        f"{escape(result.keep_name)} (#{result.keep_id}): {moved} "
        f"{'would move' if dry_run else 'moved'}."
    )
    if result.filled:
        out.print(f"  filled from #{result.merged_id}: {', '.join(result.filled)}")
    if dry_run:
        out.print(f"Nothing changed. To merge: ringback contacts merge {keep.id} {merge.id}")


def _sharing_command(
    name: str, *, on: bool, doc: str, with_help: str, examples: str
) -> click.Command:
    """``contacts share`` (``on``) or ``contacts unshare``: one contact, one user."""

    @click.command(name, help=doc, epilog="\b\nExamples:\n" + examples)
    @click.argument("contact")
    @click.option("--with", "email", required=True, help=with_help)
    @click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
    def command(contact: str, email: str, as_json: bool) -> None:
        _share(contact, email, as_json, on=on)

    return command


share_command = _sharing_command(
    "share",
    on=True,
    doc="Share a contact with another user: they see and work it too.",
    with_help="The user to share it with (email).",
    examples="  ringback contacts share 12 --with sam@example.com\n"
    '  ringback contacts share "ABC Inc" --with sam@example.com --json',
)
unshare_command = _sharing_command(
    "unshare",
    on=False,
    doc="Stop sharing a contact with a user.",
    with_help="The user to stop sharing it with.",
    examples="  ringback contacts unshare 12 --with sam@example.com",
)


def _share(contact: str, email: str, as_json: bool, *, on: bool) -> None:
    from ringback.console import echo
    from ringback.contacts.sharing import share_contact, unshare_contact

    change = share_contact if on else unshare_contact
    with unit_of_work() as (session, settings):
        done = change(session, ref=contact, email=email, region=settings.default_region)
    if as_json:
        print_json({"contact_id": done.contact_id, "user": done.user, "shared": on})
        return
    verb = "Shared" if on else "Stopped sharing"
    note = "" if done.changed else " (already so)"
    echo(f"{verb} {done.contact} (contact {done.contact_id}) with {done.user}{note}.")
