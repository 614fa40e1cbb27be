"""``ringback prep CONTACT``: the brief to read before you dial."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ringback.command_kit import Hint, work
from ringback.console import console, print_json


@click.command(
    epilog="""\b
Examples:
  ringback prep 12
  ringback prep "Bill Turner"
  ringback prep +14155550137 --reason "the ERP review findings" --next-step "a 30-minute review Thursday at 10"
  ringback prep bill@abc.example --json"""
)
@click.argument("contact")
@click.option("--reason", help="Why you are calling (their terms).")
@click.option("--value", help="The payback for them, e.g. 'a 23% productivity gain'.")
@click.option("--next-step", help="The concrete next step to propose.")
@click.option("--json", "as_json", is_flag=True, help="Print the brief as JSON.")
def prep(contact: str, as_json: bool, **angle: str | None) -> None:
    """The call-prep brief for CONTACT (id, phone, email or name)."""
    from ringback.contacts.service import ContactNotFound
    from ringback.prep.service import brief_for_contact

    hint = Hint("find the contact with `ringback contacts list --search NAME`", written=False)
    with work({ContactNotFound: hint}) as (session, settings):
        # --reason, --value and --next-step pass through under brief_for_contact's names.
        brief = brief_for_contact(
            session, contact_ref=contact, settings=settings, now=datetime.now(UTC), **angle
        )
    if as_json:
        print_json(brief.as_json())
        return
    _render(brief, settings.tz)


def _bullets(items: list[str], empty: str) -> str:
    from rich.markup import escape

    return "\n".join(f"• {escape(i)}" for i in items) if items else f"[dim]{empty}[/]"


def _render(brief, tz) -> None:  # type: ignore[no-untyped-def]
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    from ringback.timefmt import format_mentioned, format_stored

    out = console()
    c = brief.contact
    who = " · ".join(escape(str(x)) for x in (c["name"], c["title"], c["company"]) if x)
    from ringback.phones import pretty

    phones = [pretty(p) for p in c["phones"]]
    reach = " · ".join(escape(x) for x in [*phones, *c["emails"]]) or "no phone or email"
    their = c["their_local_time"]
    local = f"\nTheir local time: {format_mentioned(their, tz)}" if their else ""
    out.print(Panel(f"[bold]{who}[/]\n{reach}{local}", title="Who", expand=False))

    goals = Table.grid(padding=(0, 2))
    for label, items in brief.goals.items():
        goals.add_row(f"[bold]{label}[/]", _bullets(items, "not known yet — ask"))
    goals.add_row("[bold]challenges[/]", _bullets(brief.challenges, "none recorded"))
    if brief.interests:
        goals.add_row("[bold]interests[/]", _bullets(brief.interests, ""))
    if brief.life_events:
        goals.add_row("[bold]life events[/]", _bullets(brief.life_events, ""))
    out.print(Panel(goals, title="Their goals (back story)", expand=False))

    if brief.last_interactions:
        history = Table(show_header=True, header_style="bold", box=None)
        for col in ("when", "what", "outcome", "notes"):
            history.add_column(col)
        for i in brief.last_interactions:
            what = f"{i['kind'].replace('_', ' ')} ({i['direction']})"
            history.add_row(
                format_stored(i["at"], tz), what, i["outcome"] or "", escape(i["text"] or "")
            )
        out.print(Panel(history, title="Last interactions", expand=False))
    promises = [f"{p.by}: {p.text}" for p in brief.promises]
    out.print(
        Panel(_bullets(promises, "nothing promised on record"), title="Promised", expand=False)
    )
    out.print(
        Panel(
            _bullets(brief.questions, "no questions"), title="Questions worth asking", expand=False
        )
    )
    if brief.voicemail:
        vm = brief.voicemail
        out.print(
            Panel(
                escape(vm.script),
                title=f"If they don't answer: voicemail ({vm.variant}, score {vm.score}, ~{vm.seconds:.0f} s)",
                expand=False,
            )
        )
    m = brief.mindset
    warn = "".join(f"\n[yellow]! {escape(w)}[/]" for w in m.warnings)
    out.print(
        Panel(
            f"[bold]Value for them:[/] {escape(m.value_for_them)}\n{escape(m.question)}{warn}",
            title="Mindset check",
            expand=False,
        )
    )
