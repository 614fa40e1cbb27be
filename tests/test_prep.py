"""`ringback prep`: the brief a user reads before dialling."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ringback.coach.compose import Owner
from ringback.contacts.models import BackStoryKind
from ringback.contacts.profile import BackStoryEntry, ContactProfile, InteractionEntry
from ringback.prep.service import build_brief

OWNER = {
    "RINGBACK_OWNER_NAME": "Dana Reyes",
    "RINGBACK_OWNER_COMPANY": "Northwind",
    "RINGBACK_OWNER_PHONE": "415-555-0199",
}


def _bill(cli) -> str:
    cli.env.update(OWNER)
    added = cli(
        "contacts", "add", "--name", "Bill Turner", "--company", "ABC Inc",
        "--phone", "415-555-0137", "--email", "bill@abc.example", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    cid = str(json.loads(added.stdout)["id"])
    for kind, text in [
        ("professional", "increase production levels at ABC Inc by 20%"),
        ("financial", "cut inventory carrying costs"),
        ("challenge", "the ERP system can't keep up with orders"),
    ]:
        assert cli("contacts", "story", cid, kind, text).exit_code == 0
    logged = cli(
        "contacts", "interaction", cid, "--kind", "meeting", "--direction", "outbound",
        "--text", "Reviewed the ERP. I'll send the productivity study. He will check with the CFO.",
    )  # fmt: skip
    assert logged.exit_code == 0, logged.output
    return cid


def test_prep_brief_has_goals_history_promises_questions_and_a_voicemail(cli):
    cid = _bill(cli)
    result = cli("prep", cid, "--json")
    assert result.exit_code == 0, result.output
    brief = json.loads(result.stdout)
    assert brief["contact"]["name"] == "Bill Turner"
    assert brief["goals"]["professional"] == ["increase production levels at ABC Inc by 20%"]
    assert brief["goals"]["financial"] == ["cut inventory carrying costs"]
    assert brief["challenges"] == ["the ERP system can't keep up with orders"]
    assert brief["last_interactions"][0]["kind"] == "meeting"
    promises = {(p["by"], p["text"]) for p in brief["promises"]}
    assert ("you", "I'll send the productivity study.") in promises
    assert ("them", "He will check with the CFO.") in promises
    assert len(brief["questions"]) >= 3
    assert any("production" in q or "ERP" in q or "inventory" in q for q in brief["questions"])
    vm = brief["voicemail"]
    assert vm["score"] >= 85 and "Dana Reyes" in vm["script"] and "Bill" in vm["script"]
    assert brief["voicemail_alternatives"], "several variants are offered"
    assert "production" in brief["mindset"]["value_for_them"]


def test_prep_by_name_renders_for_a_terminal(cli):
    _bill(cli)
    result = cli("prep", "Bill Turner")
    assert result.exit_code == 0, result.output
    for heading in ("Who", "Their goals", "Last interactions", "Promised", "Questions", "Mindset"):
        assert heading in result.stdout
    assert "+1 415-555-0137" in result.stdout


def test_prep_unknown_contact_says_what_to_do(cli):
    result = cli("prep", "999")
    assert result.exit_code != 0
    assert "no contact with id 999" in result.output and "contacts list" in result.output


def test_prep_with_no_back_story_makes_discovery_the_purpose(cli):
    cli.env.update(OWNER)
    cid = json.loads(cli("contacts", "add", "--name", "Ana Lopez", "--json").stdout)["id"]
    brief = json.loads(cli("prep", str(cid), "--json").stdout)
    assert "discover" in brief["mindset"]["value_for_them"].lower()
    assert any("no goals recorded" in w for w in brief["mindset"]["warnings"])
    assert brief["questions"], "general discovery questions when nothing is known"
    assert brief["voicemail"]["script"]


def _profile(**kw) -> ContactProfile:
    base = dict(
        id=1,
        name="Marge Simpson",
        timezone="America/Los_Angeles",
        back_story=(BackStoryEntry(BackStoryKind.PROFESSIONAL_GOAL, "open a second office"),),
        interactions=(
            InteractionEntry("email", "inbound", datetime(2026, 11, 2, tzinfo=UTC), None,
                             "Thanks! I'll review the numbers with my partner."),
        ),
    )  # fmt: skip
    base.update(kw)
    return ContactProfile(**base)


def test_inbound_promises_belong_to_the_contact():
    brief = build_brief(_profile(), now=datetime(2026, 11, 23, 18, tzinfo=UTC), owner=Owner("Lisa"))
    assert [(p.by, p.text) for p in brief.promises] == [
        ("them", "I'll review the numbers with my partner.")
    ]


def test_warns_when_it_is_outside_their_business_hours():
    # 06:00 UTC on a Monday is 22:00 Sunday in Los Angeles.
    late = build_brief(_profile(), now=datetime(2026, 11, 23, 6, tzinfo=UTC), owner=Owner("Lisa"))
    assert any("outside business hours" in w for w in late.mindset.warnings)
    assert late.contact["their_local_time"].startswith("2026-11-22T22:00")
    ok = build_brief(_profile(), now=datetime(2026, 11, 23, 18, tzinfo=UTC), owner=Owner("Lisa"))
    assert not any("outside business hours" in w for w in ok.mindset.warnings)


def test_missing_owner_settings_are_named():
    brief = build_brief(_profile(), now=datetime(2026, 11, 23, 18, tzinfo=UTC), owner=Owner())
    assert any("RINGBACK_OWNER_NAME" in w for w in brief.mindset.warnings)
