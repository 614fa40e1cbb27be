"""Back-story notes keep a phrase in the listener's terms, and messages say it (issue 14 §4).

Pure cases for the phrasing rules, then the CLI on SQLite and PostgreSQL: `contacts story`
suggests a phrase, `contacts phrase` keeps or rewrites it, `coach compose` and `prep` say it.
"""

from __future__ import annotations

import json

import pytest

from ringback.contacts.phrasing import suggest_phrase

OWNER_ENV = {
    "RINGBACK_OWNER_NAME": "Dana Reyes",
    "RINGBACK_OWNER_COMPANY": "Bayside Home Loans",
    "RINGBACK_OWNER_PHONE": "415-555-0137",
    "COLUMNS": "200",
}


@pytest.mark.parametrize(
    ("kind", "note", "mentioned", "topic"),
    [
        (
            "life_event",
            "new job in Palo Alto starts March 1, wants is a priority",
            "you mentioned your new job in Palo Alto starting March 1",
            "your new job in Palo Alto starting March 1",
        ),
        (
            "professional_goal",
            "relocate the dental practice - lease up in june",
            "you mentioned you want to relocate the dental practice",
            "your plan to relocate the dental practice",
        ),
        (
            "interest",
            "plays tennis on weekends",
            "you mentioned playing tennis on weekends",
            "playing tennis on weekends",
        ),
        (
            "professional_goal",
            "grow prod 20% this yr",
            "you mentioned you want to grow production by 20% this year",
            "your plan to grow production by 20% this year",
        ),
        ("challenge", "cant find hygenists", "you mentioned that you can't find hygienists", None),
        (
            "challenge",
            "cash flow tight in winter",
            "you mentioned that cash flow is tight in winter",
            None,
        ),
        (
            "personal_goal",
            "she wants to spend more time w/ her kids",
            "you mentioned you want to spend more time with your kids",
            "your plan to spend more time with your kids",
        ),
    ],
)
def test_notes_become_phrases_a_sentence_can_carry(kind, note, mentioned, topic):
    phrase = suggest_phrase(note, kind)
    assert phrase.mentioned == mentioned
    assert phrase.topic == topic


def test_a_note_no_phrase_fits_is_quoted_as_written():
    note = "hopes the board says yes??"
    phrase = suggest_phrase(note, "professional_goal")
    assert phrase.form == "quote"
    assert phrase.mentioned == "you mentioned: 'hopes the board says yes??'"
    assert phrase.topic is None and phrase.action is None


def _contact(cli) -> int:
    cli.env.update(OWNER_ENV)
    added = cli("contacts", "add", "--name", "Karen Lopez", "--company", "Lopez Realty", "--json")
    assert added.exit_code == 0, added.output
    return json.loads(added.stdout)["id"]


def test_story_suggests_a_phrase_and_compose_says_it(cli):
    cid = _contact(cli)
    stored = cli("contacts", "story", str(cid), "professional", "grow prod 20% this yr")
    assert stored.exit_code == 0, stored.output
    assert "Suggested phrase for messages: 'grow production by 20% this year'" in stored.stdout
    item = json.loads(cli("contacts", "show", str(cid), "--json").stdout)["back_story"][
        "professional_goal"
    ][0]
    assert item["phrase"] is None  # a suggestion until the user keeps it

    composed = cli("coach", "compose", "--contact", str(cid), "--json")
    assert composed.exit_code == 0, composed.output
    for variant in json.loads(composed.stdout)["variants"]:
        assert "grow production by 20% this year" in variant["text"], variant["text"]
        assert "prod 20% this yr" not in variant["text"]
        assert 20 <= variant["seconds"] <= 30

    kept = cli("contacts", "phrase", str(item["id"]), "--json")
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.stdout)["phrase"] == "grow production by 20% this year"


def test_a_phrase_written_by_the_user_is_what_messages_say(cli):
    cid = _contact(cli)
    stored = cli(
        "contacts", "story", str(cid), "life", "new job PA starts 3/1",
        "--phrase", "a new job in Palo Alto starting 1 March", "--json",
    )  # fmt: skip
    assert stored.exit_code == 0, stored.output
    data = json.loads(stored.stdout)
    assert data["phrase"] == "a new job in Palo Alto starting 1 March"
    prep = cli("prep", str(cid), "--json")
    assert prep.exit_code == 0, prep.output
    questions = json.loads(prep.stdout)["questions"]
    assert questions[0] == (
        "You mentioned a new job in Palo Alto starting 1 March — how has that changed things for you?"
    )


def test_phrase_for_a_missing_item_is_a_one_line_error(cli):
    result = cli("contacts", "phrase", "999", "grow production")
    assert result.exit_code != 0
    assert "no back-story item with id 999" in result.output
    assert "Traceback" not in result.output


def test_follow_up_email_speaks_of_the_goal_as_a_noun_phrase():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ringback.config import Settings
    from ringback.contacts.models import BackStoryKind
    from ringback.contacts.profile import BackStoryEntry, ContactProfile
    from ringback.tracking.drafts import write_draft

    tz = ZoneInfo("America/Los_Angeles")
    profile = ContactProfile(
        id=1,
        name="Amir Haddad",
        back_story=(
            BackStoryEntry(BackStoryKind.PROFESSIONAL_GOAL, "relocate the dental practice"),
            BackStoryEntry(BackStoryKind.CHALLENGE, "cant find hygenists"),
        ),
    )
    draft = write_draft(
        profile,
        settings=Settings(owner_name="Marco Silva"),
        left_at=datetime(2026, 11, 18, 11, tzinfo=tz),  # a Wednesday
        send_at=datetime(2026, 11, 19, 9, tzinfo=tz),
        tz=tz,
        value=None,
        next_step=None,
        nudge=False,
    )
    assert "voicemail on Wednesday about your plan to relocate the dental practice;" in draft.body
    assert "You mentioned that you can't find hygienists." in draft.body
    assert "about relocate" not in draft.body
    # The subject is the most visible line: it names the offer, never a back-story note.
    assert "relocate" not in draft.subject.lower()


def test_prep_questions_turn_a_habit_into_a_phrase():
    from ringback.contacts.models import BackStoryKind
    from ringback.contacts.profile import BackStoryEntry, ContactProfile
    from ringback.questions.bank import questions_for

    profile = ContactProfile(
        id=1,
        name="Amir Haddad",
        back_story=(BackStoryEntry(BackStoryKind.INTEREST, "plays tennis on weekends"),),
    )
    assert questions_for(profile, limit=1) == [
        "You mentioned playing tennis on weekends — how did you get into that?"
    ]


@pytest.mark.parametrize(
    ("kind", "note", "text"),
    [
        (
            "financial_goal",
            "pay off SBA loan by eoy",
            "pay off your SBA loan by the end of the year",
        ),
        (
            "professional_goal",
            "become top producer in the county",
            "become the top producer in the county",
        ),
        (
            "professional_goal",
            "land wholesale acct w/ the grocery chain",
            "land a wholesale account with the grocery chain",
        ),
        ("challenge", "leads from website are junk", "leads from your website are junk"),
        ("challenge", "CRM is a mess - nobody logs calls", "your CRM is a mess"),
        ("interest", "hikes every sunday", "hiking every Sunday"),
        # Already determined, or not the head of its phrase: left alone.
        ("professional_goal", "relocate the dental practice", "relocate the dental practice"),
        (
            "professional_goal",
            "double kitchen remodel jobs next yr",
            "double kitchen remodel jobs next year",
        ),
        ("professional_goal", "wants to close 30 homes this yr", "close 30 homes this year"),
    ],
)
def test_a_bare_count_noun_gets_its_article(kind: str, note: str, text: str) -> None:
    assert suggest_phrase(note, kind).text == text
