"""``ringback contacts merge A B``: two contacts that are one person become one."""

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

    from ringback.contacts.service import merge_contacts

    with unit_of_work() as (session, settings):
        keep = contact_for(session, settings, keep_ref)
        merge = contact_for(session, settings, merge_ref)
        result = merge_contacts(session, keep_id=keep.id, merge_id=merge.id, dry_run=dry_run)
    if as_json:
        print_json(result.as_json())
        return
    moved = ", ".join(_count(n, what) for what, n in result.moved) or "nothing"
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


def _count(n: int, what: str) -> str:
    """ "1 number", "2 numbers": every name in ``merge.WHAT`` is a plural in -s."""
    return f"{n} {what[:-1] if n == 1 and what.endswith('s') else what}"
