"""``ringback contacts story | interaction | followup | done``: what prep is built from."""

from __future__ import annotations

from typing import Any

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
  ringback contacts story 12 life_event "Daughter starts college" --date 2026-09-01 --json
  ringback contacts story 12 professional "grow prod 20% this yr" --phrase "grow production by 20% this year"

\b
Messages (voicemails, prep questions, follow-up emails) say each note through a phrase in
the listener's terms; the command prints the one it suggests. Keep it with
`ringback contacts phrase ITEM`, or write your own with --phrase or `contacts phrase ITEM "…"`."""


@click.command(epilog=_STORY_EPILOG)
@click.argument("contact")
@click.argument("kind")
@click.argument("text")
@click.option("--source", help="Where you learned it (a call, LinkedIn, a colleague…).")
@click.option("--date", "noted_on", help="When it was true or noted, YYYY-MM-DD.")
@click.option("--phrase", help="What messages should say for it, in their terms.")
@click.option("--json", "as_json", is_flag=True, help="Print the new item as JSON.")
def story(
    contact: str,
    kind: str,
    text: str,
    source: str | None,
    noted_on: str | None,
    phrase: str | None,
    as_json: bool,
) -> None:
    """Add a back-story item (a goal, challenge, interest or life event) to a contact."""
    from ringback.contacts.fields import parse_date, story_kind
    from ringback.contacts.phrasing import phrase_of
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
            phrase=phrase,
            region=settings.default_region,
        )
    said = phrase_of(noted.text, noted.kind, noted.phrase)
    data: dict[str, Any] = {
        **noted.as_json(),
        "suggested_phrase": None if said.form == "quote" else said.text,
        "said_as": said.mentioned,
    }
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    kind_name = data["kind"].replace("_", " ")
    console().print(
        f"[green]Stored[/] for {escape(data['contact'])} ({kind_name}): {escape(data['text'])}",
        highlight=False,
    )
    _print_phrase(data["id"], noted.phrase, said)


def _print_phrase(item_id: int, accepted: str | None, said: Any) -> None:
    """The phrase messages will use, and how to keep or change it."""
    from rich.markup import escape

    out = console()
    if accepted:
        out.print(f'Messages will say: "{escape(said.mentioned)}".', highlight=False)
    elif said.form == "quote":
        out.print(
            f'No phrase fits this note, so messages quote it: "{escape(said.mentioned)}".\n'
            f'Write one with: ringback contacts phrase {item_id} "…"',
            highlight=False,
        )
    else:
        out.print(
            f"Suggested phrase for messages: '{escape(said.text)}' "
            f'(said as "{escape(said.mentioned)}")\n'
            f"Accept it with `ringback contacts phrase {item_id}`, or edit: "
            f'ringback contacts phrase {item_id} "…"',
            highlight=False,
        )


_PHRASE_EPILOG = """\b
ITEM is the back-story item's id (printed by `contacts story`, listed by `contacts show --json`).
Without PHRASE, the suggested phrase is kept as it stands.

\b
Examples:
  ringback contacts phrase 34
  ringback contacts phrase 34 "a new job in Palo Alto starting 1 March"
  ringback contacts phrase 34 --json"""


@click.command(epilog=_PHRASE_EPILOG)
@click.argument("item", type=ROW_ID)
@click.argument("phrase", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the item as JSON.")
def phrase(item: int, phrase: str | None, as_json: bool) -> None:
    """Keep the phrase messages say for a back-story item, or write your own."""
    from ringback.contacts.story import set_story_phrase, suggested_phrase

    with unit_of_work() as (session, _settings):
        row = set_story_phrase(session, item_id=item, phrase=phrase)
        said = suggested_phrase(row)
        data: dict[str, Any] = {
            "id": row.id,
            "contact_id": row.contact_id,
            "text": row.text,
            "phrase": row.phrase,
            "said_as": said.mentioned,
        }
    if as_json:
        print_json(data)
        return
    _print_phrase(item, data["phrase"], said)


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
