"""`ringback coach score | compose | opener` as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    Interaction,
    InteractionKind,
)
from ringback.db.session import transaction
from tests.support.coach import BILL, MARGE

OWNER_ENV = {
    "RINGBACK_OWNER_NAME": "Dana Reyes",
    "RINGBACK_OWNER_COMPANY": "Northwind",
    "RINGBACK_OWNER_PHONE": "415-555-0199",
}
GOOD = (
    "Hi Bill, this is Dana Reyes from Northwind. I'm following up on our meeting Tuesday, where "
    "you mentioned you want to increase production levels by 20%. I'm calling to show you how "
    "your team could get there in one quarter. Does Thursday at 10 am work for a 15-minute call? "
    "I'll email you the details. My number is 415-555-0199, again 415-555-0199."
)


def _add_contact(url: str, name: str, *story: tuple[BackStoryKind, str], met: bool = False) -> int:
    with transaction(url) as session:
        contact = Contact(name=name, company="ABC Inc")
        for kind, text in story:
            contact.back_story.append(BackStoryItem(kind=kind, text=text))
        if met:
            contact.interactions.append(
                Interaction(
                    kind=InteractionKind.MEETING, occurred_at=datetime(2026, 11, 3, tzinfo=UTC)
                )
            )
        session.add(contact)
        session.flush()
        return contact.id


@pytest.fixture
def bill_id(cli, db_url) -> int:
    goal = (BackStoryKind.PROFESSIONAL_GOAL, "Increase production levels by 20% this year")
    return _add_contact(db_url, "Bill Turner", goal, met=True)


def test_score_json_is_the_evaluation_contract(cli_embedded):
    result = cli_embedded("coach", "score", BILL, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["score", "seconds", "words", "findings"]
    assert data["score"] > 75 and data["words"] == len(BILL.split())
    assert {"rule", "passed", "message"} <= set(data["findings"][0])
    assert json.loads(cli_embedded("coach", "score", MARGE, "--json").stdout)["score"] < 50


def test_score_table_shows_score_seconds_and_each_rule_with_a_hint(cli_embedded):
    cli_embedded.env["COLUMNS"] = "200"  # one table row per line, so phrases are not wrapped
    result = cli_embedded("coach", "score", MARGE)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Voicemail: 21/100" in out
    assert "spoken" in out and "Names the caller early" in out and "Mixing media" in out
    assert "→" in out  # rewrite hints
    assert "I was wondering if" in out  # the weak phrase, quoted back


def test_score_reads_stdin_with_dash(cli_embedded):
    result = cli_embedded("coach", "score", "-", "--json", input=GOOD)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["score"] >= 90


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["coach", "score", ""], None, "empty"),
        (["coach", "score", "-"], "   \n  ", "empty"),
        (["coach", "score", "-"], "word " * 2_000_000, "10,000 KB; the limit is 100 KB"),
        (
            ["coach", "score", "Bonjour Marc, c'est Lisa de Acme, rappelez-moi demain."],
            None,
            "English",
        ),
        (["coach", "opener", "-"], "", "empty"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nonzero_exit(cli_embedded, args, stdin, message):
    result = cli_embedded(*args, input=stdin)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unknown_contact_is_a_clear_error(cli):
    for args in (["score", GOOD, "--contact", "999"], ["compose", "--contact", "Nobody Atall"]):
        result = cli("coach", *args)
        assert result.exit_code == 1
        assert "no contact" in result.stderr and "ringback contacts list" in result.stderr


def test_score_with_contact_ties_value_to_their_goal(cli, bill_id, db_url):
    on_goal = json.loads(cli("coach", "score", GOOD, "--contact", str(bill_id), "--json").stdout)
    other = _add_contact(db_url, "Ann Lee", (BackStoryKind.PERSONAL_GOAL, "Retire to Lisbon early"))
    off_goal = json.loads(cli("coach", "score", GOOD, "--contact", str(other), "--json").stdout)
    value = {f["rule"]: f for f in on_goal["findings"]}["specific_value"]
    assert value["passed"] and "Increase production" in value["message"]
    assert not {f["rule"]: f for f in off_goal["findings"]}["specific_value"]["passed"]
    assert on_goal["score"] > off_goal["score"]


def test_compose_prints_each_variant_with_score_and_seconds(cli, bill_id):
    cli.env.update(OWNER_ENV, COLUMNS="200")
    result = cli("coach", "compose", "--contact", "Bill Turner")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    for name in ("follow-up-first", "goal-first", "question-first"):
        assert name in out
    assert out.count("/100") == 3 and out.count("s spoken") == 3
    assert "Dana Reyes from Northwind" in out and "(415) 555-0199" in out
    assert "Warning" not in result.stderr


def test_compose_json_variants_all_score_85_or_more(cli, bill_id):
    cli.env.update(OWNER_ENV)
    result = cli(
        "coach",
        "compose",
        "--contact",
        str(bill_id),
        "--next-step",
        "a demo Friday at 2 pm",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["contact"] == {"id": bill_id, "name": "Bill Turner"} and data["warnings"] == []
    assert len(data["variants"]) == 3
    for v in data["variants"]:
        assert v["score"] >= 85 and v["seconds"] <= 45
        assert "Would a demo Friday at 2 pm work for you?" in v["text"]


def test_compose_for_a_sparse_contact_still_scores_85(cli, db_url):
    cli.env.update(OWNER_ENV)
    ref = _add_contact(db_url, "Raj Patel", (BackStoryKind.CHALLENGE, "slow hiring"))
    data = json.loads(cli("coach", "compose", "--contact", str(ref), "--json").stdout)
    assert all(v["score"] >= 85 for v in data["variants"])


def test_compose_without_owner_settings_warns_and_uses_placeholders(cli, bill_id):
    result = cli("coach", "compose", "--contact", str(bill_id))
    assert result.exit_code == 0, result.output
    err = " ".join(result.stderr.split())
    assert "RINGBACK_OWNER_NAME" in err and "RINGBACK_OWNER_PHONE" in err
    assert "[your name]" in result.stdout and "[your number]" in result.stdout
    data = json.loads(cli("coach", "compose", "--contact", str(bill_id), "--json").stdout)
    assert any("RINGBACK_OWNER_NAME" in w for w in data["warnings"])


def test_compose_for_a_contact_with_no_history_says_what_is_missing(cli, db_url):
    cli.env.update(OWNER_ENV)
    ref = _add_contact(db_url, "Ann Lee")
    result = cli("coach", "compose", "--contact", str(ref))
    assert result.exit_code == 0
    assert "nothing is recorded about Ann Lee" in " ".join(result.stderr.split())


def test_compose_rejects_empty_options(cli, bill_id):
    result = cli("coach", "compose", "--contact", str(bill_id), "--value", "  ")
    assert result.exit_code == 1 and "--value is empty" in result.stderr


def test_opener_json_and_table(cli_embedded):
    bad = cli_embedded(
        "coach", "opener", "Hi, how are you today? We offer the best price on ERP.", "--json"
    )
    assert bad.exit_code == 0, bad.output
    data = json.loads(bad.stdout)
    assert list(data) == ["score", "seconds", "words", "findings"]
    failed = {f["rule"] for f in data["findings"] if not f["passed"]}
    assert {"no_how_are_you", "no_pitch_first", "name_and_reason_early", "respects_time"} <= failed
    good = cli_embedded(
        "coach",
        "opener",
        "Hi Bill, this is Dana from Northwind. I'm calling about the ERP review you mentioned. "
        "Is now a good time for two minutes?",
    )
    assert good.exit_code == 0 and "100/100" in good.stdout


def test_coach_help_lists_the_commands_with_examples(cli_embedded):
    result = cli_embedded("coach", "--help")
    assert all(name in result.stdout for name in ("score", "compose", "opener"))
    assert "Examples" in cli_embedded("coach", "score", "--help").stdout


def test_score_with_a_contact_without_goals_says_the_value_rule_could_not_use_them(cli, db_url):
    ref = _add_contact(db_url, "Ann Lee")
    result = cli("coach", "score", GOOD, "--contact", str(ref))
    assert result.exit_code == 0, result.output
    assert "No goals are recorded for Ann Lee" in " ".join(result.stderr.split())
