"""`ringback contacts add | list | show | edit | story | interaction | followup | done`,
through the CLI, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re

import pytest


def add(cli, *args: str) -> dict:
    result = cli("contacts", "add", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def count(cli) -> int:
    return len(json.loads(cli("contacts", "list", "--json").stdout))


def test_add_prints_the_new_contact_with_e164_phones(cli):
    data = add(
        cli,
        "--name", "Bill Turner", "--company", "ABC Inc", "--title", "VP Operations",
        "--phone", "(415) 555-0137", "--phone", "+44 20 7946 0958",
        "--email", "Bill.Turner@ABC.example", "--timezone", "America/Los_Angeles",
    )  # fmt: skip
    assert isinstance(data["id"], int)
    assert data["name"] == "Bill Turner" and data["company"] == "ABC Inc"
    assert data["title"] == "VP Operations"
    assert data["phones"] == ["+14155550137", "+442079460958"]
    assert data["emails"] == ["bill.turner@abc.example"]
    assert data["timezone"] == "America/Los_Angeles"
    shown = json.loads(cli("contacts", "show", str(data["id"]), "--json").stdout)
    assert shown["phones"] == data["phones"]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--phone", "12", "'12' is not a valid phone number"),
        ("--phone", "555-0137", "not a valid phone number"),
        ("--email", "bill@", "not a valid email"),
        ("--timezone", "Mars/Olympus", "unknown timezone"),
        ("--company", "x" * 201, "at most 200"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(cli, option, value, says):
    result = cli("contacts", "add", "--name", "Bill", "--phone", "415-555-0137", option, value)
    assert result.exit_code == 1
    assert says in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert count(cli) == 0


def test_add_refuses_a_duplicate_phone_or_email_unless_allowed(cli):
    first = add(cli, "--name", "Bill Turner", "--phone", "415-555-0137", "--email", "b@abc.example")
    same_phone = cli("contacts", "add", "--name", "William T", "--phone", "+1 415 555 0137")
    assert same_phone.exit_code == 1
    assert f"contact {first['id']} (Bill Turner)" in same_phone.output
    assert f"ringback contacts edit {first['id']}" in same_phone.output
    same_email = cli("contacts", "add", "--name", "W", "--email", "B@ABC.example")
    assert same_email.exit_code == 1
    assert count(cli) == 1
    add(cli, "--name", "William T", "--phone", "415-555-0137", "--allow-duplicate")
    assert count(cli) == 2


def test_list_searches_and_pretty_prints(cli):
    add(cli, "--name", "Bill Turner", "--company", "ABC Inc", "--phone", "415-555-0137")
    add(cli, "--name", "Grace Holloway", "--company", "Holloway Farms", "--email", "g@farm.example")
    table = cli("contacts", "list")
    assert table.exit_code == 0
    assert "Bill Turner" in table.stdout and "+1 415-555-0137" in table.stdout
    found = json.loads(cli("contacts", "list", "--search", "farm", "--json").stdout)
    assert [c["name"] for c in found] == ["Grace Holloway"]
    by_phone = json.loads(cli("contacts", "list", "--search", "555-0137", "--json").stdout)
    assert [c["name"] for c in by_phone] == ["Bill Turner"]
    assert json.loads(cli("contacts", "list", "--search", "%", "--json").stdout) == []
    none = cli("contacts", "list", "--search", "nobody")
    assert none.exit_code == 0 and "No contacts match" in none.stdout


def test_show_finds_by_id_phone_email_or_name(cli):
    bill = add(cli, "--name", "Bill Turner", "--phone", "415-555-0137", "--email", "b@abc.example")
    add(cli, "--name", "Bill Evans", "--phone", "212-555-0100")
    for ref in (str(bill["id"]), "4155550137", "(415) 555-0137", "B@abc.example", "bill turner"):
        result = cli("contacts", "show", ref, "--json")
        assert result.exit_code == 0, (ref, result.output)
        assert json.loads(result.stdout)["id"] == bill["id"]
    ambiguous = cli("contacts", "show", "bill")
    assert ambiguous.exit_code == 1 and "matches 2 contacts" in ambiguous.output


def test_unknown_contact_is_a_clear_error(cli):
    for args in (
        ("show", "999"),
        ("edit", "999", "--title", "x"),
        ("story", "999", "personal", "x"),
        ("interaction", "999", "--kind", "call"),
        ("followup", "999", "x"),
        ("show", "nobody@nowhere.example"),
    ):
        result = cli("contacts", *args)
        assert result.exit_code == 1, args
        assert "no contact" in result.output and "ringback contacts list" in result.output
        assert "Traceback" not in result.output


def test_edit_changes_fields_phones_and_emails(cli):
    bill = add(cli, "--name", "Bill Turner", "--company", "ABC", "--phone", "415-555-0137",
               "--email", "old@abc.example")  # fmt: skip
    result = cli(
        "contacts", "edit", str(bill["id"]), "--title", "VP", "--company", "",
        "--add-phone", "212-555-0100", "--remove-phone", "415 555 0137",
        "--add-email", "new@abc.example", "--remove-email", "OLD@abc.example", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "VP" and data["company"] is None
    assert data["phones"] == ["+12125550100"]
    assert data["emails"] == ["new@abc.example"]
    assert "removed phone +1 415-555-0137" in data["changes"]


def test_edit_refuses_bad_changes_and_keeps_the_contact(cli):
    bill = add(cli, "--name", "Bill", "--phone", "415-555-0137")
    other = add(cli, "--name", "Grace", "--phone", "212-555-0100")
    cid = str(bill["id"])
    for args, says in (
        (("--remove-phone", "650-555-0111"), "has no phone"),
        (("--add-phone", "12"), "not a valid phone"),
        (("--add-phone", "212-555-0100"), f"contact {other['id']}"),
        (("--name", ""), "name cannot be empty"),
        ((), "nothing to change"),
    ):
        result = (
            cli("contacts", "edit", cid, "--title", "CEO", *args)
            if args
            else cli("contacts", "edit", cid)
        )
        assert result.exit_code == 1, args
        assert says in result.output
    shown = json.loads(cli("contacts", "show", cid, "--json").stdout)
    assert shown["title"] is None and shown["phones"] == ["+14155550137"]


def test_back_story_with_aliases_grouped_by_kind(cli):
    bill = add(cli, "--name", "Bill Turner")
    cid = str(bill["id"])
    for kind, text in (
        ("professional", "Open a second office in Austin"),
        ("Financial", "Cut freight costs 10%"),
        ("personal_goal", "Run the Boston marathon"),
        ("challenge", "Churn doubled since the price change"),
        ("life-event", "Daughter starts college"),
    ):
        result = cli("contacts", "story", cid, kind, text, "--source", "call", "--json")
        assert result.exit_code == 0, result.output
    dated = cli("contacts", "story", cid, "interest", "Sailing", "--date", "2026-06-01", "--json")
    assert json.loads(dated.stdout)["date"] == "2026-06-01"
    story = json.loads(cli("contacts", "show", cid, "--json").stdout)["back_story"]
    assert [i["text"] for i in story["professional_goal"]] == ["Open a second office in Austin"]
    assert story["financial_goal"][0]["source"] == "call"
    assert story["life_event"] and story["challenge"] and story["interest"]
    text = cli("contacts", "show", cid).stdout
    assert "professional goal" in text and "Open a second office" in text
    bad = cli("contacts", "story", cid, "hobbyhorse", "x")
    assert bad.exit_code == 1 and "personal_goal" in bad.output
    assert cli("contacts", "story", cid, "interest", "x", "--date", "June").exit_code == 1
    assert cli("contacts", "story", cid, "interest", "  ").exit_code == 1


def test_interaction_times_are_local_and_stored_in_utc(cli):
    bill = add(cli, "--name", "Bill Turner")
    cid = str(bill["id"])
    # The cli fixture sets RINGBACK_TIMEZONE=America/New_York (UTC-5 in November).
    result = cli("contacts", "interaction", cid, "--kind", "call", "--at", "2026-11-20 14:30",
                 "--outcome", "connected", "--text", "Promised a proposal by Friday", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["at"] == "2026-11-20T19:30:00+00:00"
    assert data["direction"] == "outbound"
    vm = json.loads(cli("contacts", "interaction", cid, "--kind", "voicemail_received",
                        "--at", "2026-11-21T08:00:00Z", "--json").stdout)  # fmt: skip
    assert vm["direction"] == "inbound" and vm["at"] == "2026-11-21T08:00:00+00:00"
    shown = json.loads(cli("contacts", "show", cid, "--json").stdout)
    assert [i["kind"] for i in shown["interactions"]] == ["call", "voicemail_received"]
    listed = json.loads(cli("contacts", "list", "--json").stdout)
    assert listed[0]["last_interaction"]["kind"] == "voicemail_received"
    shown_text = cli("contacts", "show", cid).stdout  # in local time, as a person reads it
    assert re.search(r"Fri 20 Nov( 2026)?, 2:30 pm", shown_text)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--kind", "telegram"), "unknown interaction kind"),
        (("--kind", "call", "--direction", "sideways"), "inbound or outbound"),
        (("--kind", "voicemail_left", "--direction", "inbound"), "always outbound"),
        (("--kind", "call", "--at", "yesterday"), "cannot read 'yesterday'"),
    ],
)
def test_interaction_bad_input(cli, args, says):
    bill = add(cli, "--name", "Bill Turner")
    result = cli("contacts", "interaction", str(bill["id"]), *args)
    assert result.exit_code == 1 and says in result.output
    assert (
        json.loads(cli("contacts", "show", str(bill["id"]), "--json").stdout)["interactions"] == []
    )


def test_followup_and_done(cli):
    bill = add(cli, "--name", "Bill Turner")
    cid = str(bill["id"])
    made = cli(
        "contacts", "followup", cid, "Send the Austin proposal", "--due", "2026-11-27", "--json"
    )
    assert made.exit_code == 0, made.output
    item = json.loads(made.stdout)
    assert item["due"] == "2026-11-27T14:00:00+00:00"  # a date alone = 09:00 New York
    assert not item["done"]
    shown = json.loads(cli("contacts", "show", cid, "--json").stdout)
    assert [f["title"] for f in shown["open_follow_ups"]] == ["Send the Austin proposal"]
    done = cli("contacts", "done", str(item["id"]), "--json")
    assert done.exit_code == 0 and json.loads(done.stdout)["done"] is True
    again = cli("contacts", "done", str(item["id"]))
    assert again.exit_code == 0 and "Already done" in again.stdout
    assert json.loads(cli("contacts", "show", cid, "--json").stdout)["open_follow_ups"] == []
    missing = cli("contacts", "done", "999")
    assert missing.exit_code == 1 and "no follow-up with id 999" in missing.output
    assert cli("contacts", "followup", cid, "x", "--due", "soon").exit_code == 1


def test_contacts_work_on_the_embedded_database_from_scratch(cli_embedded, tmp_path):
    result = cli_embedded(
        "contacts", "add", "--name", "Ana Ruiz", "--phone", "617-555-0123", "--json"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "ringback.db").exists()
    assert json.loads(result.stdout)["phones"] == ["+16175550123"]


def test_list_table_is_capped_but_json_is_complete(cli):
    for i in range(3):
        add(cli, "--name", f"Person {i}")
    table = cli("contacts", "list", "--limit", "2")
    assert "Showing 2 of 3" in table.stdout
    assert len(json.loads(cli("contacts", "list", "--json").stdout)) == 3
    assert len(json.loads(cli("contacts", "list", "--json", "--limit", "1").stdout)) == 1
