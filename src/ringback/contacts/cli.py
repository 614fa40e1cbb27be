"""``ringback contacts add | list | show | edit`` (and, from sibling modules, the back story,
history and import commands)."""

from __future__ import annotations

from typing import Any

import click

from ringback.config import Settings
from ringback.console import console, print_json
from ringback.contacts.cli_common import local, unit_of_work
from ringback.contacts.cli_delete import delete_command
from ringback.contacts.cli_history import done, followup, interaction, phrase, story
from ringback.contacts.cli_import import import_command
from ringback.contacts.cli_merge import merge_command, share_command, unshare_command
from ringback.inputs import MAX_ID


@click.group()
def contacts() -> None:
    """Add, list, show, edit, merge, delete and import contacts, and record their back story."""


contacts.add_command(story)
contacts.add_command(phrase)
contacts.add_command(interaction)
contacts.add_command(followup)
contacts.add_command(done)
contacts.add_command(import_command)
contacts.add_command(merge_command)
contacts.add_command(share_command)
contacts.add_command(unshare_command)
contacts.add_command(delete_command)

_ADD_EPILOG = """\b
Examples:
  ringback contacts add --name "Bill Turner" --company "ABC Inc" --phone 415-555-0137
  ringback contacts add --name "Ana Ruiz" --phone "+44 20 7946 0958" --email ana@example.com --json

Phones are read with RINGBACK_DEFAULT_REGION unless written with +country code, and stored
in E.164. A phone or email that already belongs to a contact is refused (nothing is written)
unless you pass --allow-duplicate."""


@contacts.command(epilog=_ADD_EPILOG)
@click.option("--name", required=True, help="Full name, as you would say it.")
@click.option("--company", help="Company or account name.")
@click.option("--title", help="Job title.")
@click.option("--phone", "phones", multiple=True, help="Phone number (repeatable).")
@click.option("--email", "emails", multiple=True, help="Email address (repeatable).")
@click.option("--timezone", help="Their IANA timezone, e.g. America/Chicago.")
@click.option("--owner", help="Who owns this contact on your team.")
@click.option("--allow-duplicate", is_flag=True, help="Add even if a phone or email is on file.")
@click.option("--json", "as_json", is_flag=True, help="Print the new contact as JSON.")
def add(as_json: bool, **fields: Any) -> None:
    """Add a contact."""
    from ringback.contacts.service import create_contact

    # The options are named after create_contact's keywords, so they pass straight through.
    with unit_of_work() as (session, settings):
        created = create_contact(session, region=settings.default_region, **fields)
    data = created.as_json()
    if as_json:
        print_json(data)
    else:
        console().print(f"[green]Added contact {data['id']}[/]: {_one_line(data)}")


def _one_line(data: dict[str, Any]) -> str:
    """The contact on one line, escaped for rich: a name or company is shown as typed,
    never read as markup ("[bold]Acme[/bold]" stays those characters)."""
    from rich.markup import escape

    from ringback.phones import pretty

    parts = [data["name"]]
    if data.get("title") or data.get("company"):
        parts.append(", ".join(p for p in (data.get("title"), data.get("company")) if p))
    parts += [pretty(p) for p in data["phones"]] + list(data["emails"])
    return escape(" · ".join(parts))


@contacts.command(
    "list",
    epilog="\b\nExamples:\n  ringback contacts list\n"
    "  ringback contacts list --search acme --json\n"
    "  ringback contacts list --search '415 555 0137'\n"
    "  RINGBACK_DEFAULT_REGION=GB ringback contacts list --search '07911 123'",
)
@click.option(
    "--search",
    help="Only contacts whose name, company, job title, email or phone contains this, "
    "ignoring case; not back story or notes; the web search box and the API's `search` "
    "find the same (a number, or part of one from its start such as a UK '07911 123', is read with "
    "RINGBACK_DEFAULT_REGION, as `contacts add` reads it).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0, max=MAX_ID),  # beyond it the database overflows
    default=None,
    help="At most this many (table default 100; JSON default all; 0 = all).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_command(search: str | None, limit: int | None, as_json: bool) -> None:
    """List contacts, sorted by name."""
    from ringback.contacts.service import list_contacts
    from ringback.phones import pretty

    if limit is None:
        limit = 0 if as_json else 100
    with unit_of_work() as (session, settings):
        found = list_contacts(
            session, search=search, region=settings.default_region, limit=limit or None
        )
    rows, total = found.as_json(), found.total
    if as_json:
        print_json(rows)
        return
    out = console()
    if not rows:
        out.print("No contacts match." if search else "No contacts yet.")
        out.print('Add one: ringback contacts add --name "Bill Turner" --phone 415-555-0137')
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_header=True, header_style="bold")
    for column in ("id", "name", "company", "phone", "email", "last interaction"):
        table.add_column(
            column, justify="right" if column == "id" else "left", no_wrap=column in ("id", "phone")
        )
    for data in rows:
        last_seen = data["last_interaction"]
        table.add_row(
            str(data["id"]),
            escape(data["name"]),
            escape(data["company"] or ""),
            pretty(data["phones"][0]) if data["phones"] else "",
            escape(data["emails"][0]) if data["emails"] else "",
            f"{local(last_seen['at'], settings, with_time=False)} {last_seen['kind']}"
            if last_seen
            else "",
        )
    out.print(table)
    if total > len(rows):
        out.print(f"Showing {len(rows)} of {total}; narrow with --search or use --limit 0.")


@contacts.command(
    epilog='\b\nExamples:\n  ringback contacts show 12\n  ringback contacts show "Bill Turner"\n  ringback contacts show bill@abc.example --json'
)
@click.argument("contact")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(contact: str, as_json: bool) -> None:
    """Show a contact: details, back story by kind, recent interactions, open follow-ups.

    CONTACT is an id, a phone number, an email address or a (unique) name."""
    from ringback.contacts.service import show_contact

    with unit_of_work() as (session, settings):
        data = show_contact(session, ref=contact, region=settings.default_region).as_json()
    if as_json:
        print_json(data)
    else:
        _print_detail(data, settings)


def _print_detail(data: dict[str, Any], settings: Settings) -> None:
    from rich.markup import escape

    from ringback.phones import pretty

    out = console()
    heading = f"[bold]{escape(data['name'])}[/] (id {data['id']})"
    out.print(heading)
    for label, value in (
        ("title", data["title"]),
        ("company", data["company"]),
        ("phone", ", ".join(pretty(p) for p in data["phones"])),
        ("email", ", ".join(data["emails"])),
        ("timezone", data["timezone"]),
        ("owner", data["owner"]),
    ):
        if value:
            out.print(f"  {label:<9} {escape(value)}")
    story = {kind: items for kind, items in data["back_story"].items() if items}
    out.print("\n[bold]Back story[/]" if story else "\n[dim]No back story yet.[/]")
    for kind, items in story.items():
        out.print(f"  {kind.replace('_', ' ')}:")
        for item in items:
            extra = ", ".join(str(v) for v in (item["source"], item["date"]) if v)
            out.print(
                f"    • {escape(item['text'])}" + (f" [dim]({escape(extra)})[/]" if extra else "")
            )
    if not story:
        out.print(f'  add some: ringback contacts story {data["id"]} professional "..."')
    shown, count = data["interactions"], data["interaction_count"]
    out.print(
        f"\n[bold]Recent interactions[/] ({len(shown)} of {count})"
        if shown
        else "\n[dim]No interactions yet.[/]"
    )
    for item in shown:
        what = item["kind"].replace("_", " ")
        if item["direction"] != "none":
            what += f" ({item['direction']})"
        details = " — ".join(escape(v) for v in (item["outcome"], item["text"]) if v)
        out.print(f"  {local(item['at'], settings)}  {what}" + (f": {details}" if details else ""))
    items = data["open_follow_ups"]
    out.print("\n[bold]Open follow-ups[/]" if items else "\n[dim]No open follow-ups.[/]")
    for item in items:
        due = f" (due {local(item['due'], settings)})" if item["due"] else ""
        out.print(f"  [{item['id']}] {escape(item['title'])}{due}")


@contacts.command(
    epilog='\b\nExamples:\n  ringback contacts edit 12 --title "VP Sales" --add-phone 212-555-0100\n  ringback contacts edit "Bill Turner" --remove-email old@abc.example --json\n\nAn empty value clears a field: --company "".'
)
@click.argument("contact")
@click.option("--name")
@click.option("--company")
@click.option("--title")
@click.option("--timezone")
@click.option("--owner")
@click.option("--add-phone", "add_phones", multiple=True, help="Repeatable.")
@click.option("--remove-phone", "remove_phones", multiple=True, help="Repeatable.")
@click.option("--add-email", "add_emails", multiple=True, help="Repeatable.")
@click.option("--remove-email", "remove_emails", multiple=True, help="Repeatable.")
@click.option("--allow-duplicate", is_flag=True, help="Add a phone/email another contact has.")
@click.option("--json", "as_json", is_flag=True, help="Print the updated contact as JSON.")
def edit(
    contact: str,
    add_phones: tuple[str, ...],
    remove_phones: tuple[str, ...],
    add_emails: tuple[str, ...],
    remove_emails: tuple[str, ...],
    allow_duplicate: bool,
    as_json: bool,
    **given: str | None,
) -> None:
    """Change a contact's details. CONTACT is an id, phone, email or unique name."""
    from ringback.console import fail
    from ringback.contacts.service import edit_contact

    fields: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}
    if not (fields or add_phones or remove_phones or add_emails or remove_emails):
        fail(
            "nothing to change",
            hint="give at least one option, e.g. --title or --add-phone; see --help",
        )
    with unit_of_work() as (session, settings):
        edited = edit_contact(
            session,
            ref=contact,
            fields=fields,
            add_phones=add_phones,
            remove_phones=remove_phones,
            add_emails=add_emails,
            remove_emails=remove_emails,
            region=settings.default_region,
            allow_duplicate=allow_duplicate,
        )
    data, changes = edited.as_json(), list(edited.changes)
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(f"[green]Updated contact {data['id']}[/]: {_one_line(data)}")
    for change in changes or ["nothing changed (values were already so)"]:
        out.print(f"  {change}", markup=False)
