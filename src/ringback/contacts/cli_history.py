"""``ringback contacts story | interaction | followup | done``: what prep is built from."""

from __future__ import annotations

import click

from ringback.console import console, print_json
from ringback.contacts.cli_common import local, unit_of_work
from ringback.inputs import ROW_ID

_STORY_EPILOG = """\b
KIND is one of personal_goal, professional_goal, financial_goal, challenge, interest,
life_event; "personal", "professional" and "financial" work too.

\b
Examples:
  ringback contacts story 12 professional "Wants to open a second office in Austin by Q3"
  ringback contacts story "Bill Turner" challenge "Churn doubled since the price change" --source "call 2026-11-20"
  ringback contacts story 12 life_event "Daughter starts college" --date 2026-09-01 --json"""


@click.command(epilog=_STORY_EPILOG)
@click.argument("contact")
@click.argument("kind")
@click.argument("text")
@click.option("--source", help="Where you learned it (a call, LinkedIn, a colleague…).")
@click.option("--date", "noted_on", help="When it was true or noted, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print the new item as JSON.")
def story(
    contact: str, kind: str, text: str, source: str | None, noted_on: str | None, as_json: bool
) -> None:
    """Add a back-story item (a goal, challenge, interest or life event) to a contact."""
    from ringback.contacts.fields import parse_date, story_kind
    from ringback.contacts.service import note_back_story

    with unit_of_work() as (session, settings):
        # Read every argument before looking anything up, so a typo is reported as such.
        parsed_kind = story_kind(kind)
        day = parse_date(noted_on) if noted_on else None
        noted = note_back_story(
            session,
            ref=contact,
            kind=parsed_kind,
            text=text,
            source=source,
            noted_on=day,
            region=settings.default_region,
        )
    data = noted.as_json()
    if as_json:
        print_json(data)
    else:
        console().print(
            f"[green]Noted[/] for {data['contact']} ({data['kind'].replace('_', ' ')}): {data['text']}"
        )


_INTERACTION_EPILOG = """\b
Times without a zone are read in RINGBACK_TIMEZONE and stored in UTC; a date alone means 09:00.
Direction defaults to outbound for calls, emails and voicemails left.

\b
Examples:
  ringback contacts interaction 12 --kind call --outcome connected --text "Promised a proposal by Friday"
  ringback contacts interaction "Bill Turner" --kind voicemail_left --at "2026-11-20 16:05"
  ringback contacts interaction 12 --kind email --direction inbound --text "Asked for pricing" --json"""


@click.command(epilog=_INTERACTION_EPILOG)
@click.argument("contact")
@click.option(
    "--kind",
    required=True,
    help="call, voicemail_left, voicemail_received, email, meeting or note.",
)
@click.option("--direction", help="inbound or outbound.")
@click.option("--at", "at", help="When, ISO time (default now).")
@click.option("--outcome", help="e.g. connected, no_answer, booked_meeting.")
@click.option("--text", help="What was said or promised.")
@click.option("--json", "as_json", is_flag=True, help="Print the interaction as JSON.")
def interaction(
    contact: str,
    kind: str,
    direction: str | None,
    at: str | None,
    outcome: str | None,
    text: str | None,
    as_json: bool,
) -> None:
    """Record a call, voicemail, email, meeting or note with a contact."""
    from ringback.contacts.fields import direction_for, interaction_kind, parse_when
    from ringback.contacts.history import add_interaction, interaction_dict
    from ringback.contacts.service import get_contact

    with unit_of_work() as (session, settings):
        parsed_kind = interaction_kind(kind)
        parsed_direction = direction_for(parsed_kind, direction)
        when = parse_when(at, settings.tz) if at else None
        found = get_contact(session, ref=contact, region=settings.default_region)
        item = add_interaction(
            session,
            contact=found,
            kind=parsed_kind,
            direction=parsed_direction,
            occurred_at=when,
            outcome=outcome,
            text=text,
        )
        data = {**interaction_dict(item), "contact": found.name}
    if as_json:
        print_json(data)
    else:
        what = data["kind"].replace("_", " ")
        console().print(
            f"[green]Recorded[/] {what} with {data['contact']} at {local(data['at'], settings)}"
        )


@click.command(
    epilog='\b\nExamples:\n  ringback contacts followup 12 "Send the Austin proposal" --due "2026-11-27 10:00"\n  ringback contacts followup "Bill Turner" "Call back about pricing" --json'
)
@click.argument("contact")
@click.argument("title")
@click.option("--due", help="When it is due, ISO time in your timezone (a date alone = 09:00).")
@click.option("--json", "as_json", is_flag=True, help="Print the follow-up as JSON.")
def followup(contact: str, title: str, due: str | None, as_json: bool) -> None:
    """Add a follow-up task you owe a contact."""
    from ringback.contacts.fields import parse_when
    from ringback.contacts.history import add_follow_up, follow_up_dict
    from ringback.contacts.service import get_contact

    with unit_of_work() as (session, settings):
        due_at = parse_when(due, settings.tz) if due else None
        found = get_contact(session, ref=contact, region=settings.default_region)
        item = add_follow_up(session, contact=found, title=title, due_at=due_at)
        data = {**follow_up_dict(item), "contact": found.name}
    if as_json:
        print_json(data)
    else:
        due_text = f", due {local(data['due'], settings)}" if data["due"] else ""
        console().print(
            f"[green]Follow-up {data['id']}[/] for {data['contact']}: {data['title']}{due_text}"
        )


@click.command(
    epilog="\b\nExamples:\n  ringback contacts done 7\n  ringback contacts done 7 --json"
)
@click.argument("follow_up_id", metavar="FOLLOWUP_ID", type=ROW_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the follow-up as JSON.")
def done(follow_up_id: int, as_json: bool) -> None:
    """Mark a follow-up done (its id is shown by `contacts show` and `contacts followup`)."""
    from ringback.contacts.history import complete_follow_up, follow_up_dict

    with unit_of_work() as (session, settings):
        item, was_open = complete_follow_up(session, follow_up_id=follow_up_id)
        data = {**follow_up_dict(item), "was_open": was_open}
    if as_json:
        print_json(data)
    elif was_open:
        console().print(f"[green]Done[/]: {data['title']}")
    else:
        console().print(
            f"Already done on {local(data['done_at'], settings)}: {data['title']} (nothing changed)"
        )
