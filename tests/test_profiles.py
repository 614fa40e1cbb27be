"""Each rep of a team speaks as themselves (their profile: name and callback number), on
SQLite and PostgreSQL: ``ringback users edit``, who may edit whom, the composed voicemail
and the prep brief for Sam say Sam's name and number and Dana's say Dana's, a rep with no
profile never speaks as the owner, and a single-user install still speaks from
RINGBACK_OWNER_*."""

from __future__ import annotations

import json
from typing import Any

OWNER_ENV = {
    "RINGBACK_OWNER_NAME": "Dana Reyes",
    "RINGBACK_OWNER_COMPANY": "Northwind",
    "RINGBACK_OWNER_PHONE": "415-555-0199",
    "RINGBACK_OWNER_EMAIL": "dana@example.com",
}
PASSWORD = "a long enough passphrase\n"
SAM = "sam@example.com"
DANA = "dana@example.com"


def add(cli: Any, email: str, *args: str) -> None:
    made = cli("users", "add", email, *args, "--password-stdin", input=PASSWORD)
    assert made.exit_code == 0, made.output


def team(cli: Any) -> None:
    """Dana (the install's owner, described by RINGBACK_OWNER_*) and Sam, a rep."""
    cli.env.update(OWNER_ENV)
    add(cli, DANA, "--role", "owner")
    add(cli, SAM, "--role", "rep", "--team", "East")


def contact_of(cli: Any, who: str, name: str) -> str:
    """A contact of ``who`` with a goal and a meeting: scripts with something to say."""
    added = cli("--as", who, "contacts", "add", "--name", name, "--company", "ABC Inc", "--json")
    assert added.exit_code == 0, added.output
    cid = str(json.loads(added.stdout)["id"])
    story = cli("--as", who, "contacts", "story", cid, "professional", "grow revenue by 20%")
    assert story.exit_code == 0, story.output
    met = cli("--as", who, "contacts", "interaction", cid, "--kind", "meeting", "--direction", "outbound")  # fmt: skip
    assert met.exit_code == 0, met.output
    return cid


def compose(cli: Any, who: str, cid: str) -> dict[str, Any]:
    result = cli("--as", who, "coach", "compose", "--contact", cid, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_each_rep_composes_and_preps_in_their_own_name_and_number(cli: Any) -> None:
    team(cli)
    edited = cli("--as", SAM, "users", "edit", SAM, "--name", "Sam Lee", "--phone", "617 555 0142", "--json")  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert json.loads(edited.stdout) == {
        "id": 2,
        "email": SAM,
        "name": "Sam Lee",
        "phone": "+16175550142",
    }
    sams, danas = contact_of(cli, SAM, "Bill Turner"), contact_of(cli, DANA, "Marge Ellis")

    for variant in compose(cli, SAM, sams)["variants"]:
        assert "Sam Lee" in variant["text"] and "(617) 555-0142" in variant["text"]
        assert "Dana" not in variant["text"] and "0199" not in variant["text"]
    for variant in compose(cli, DANA, danas)["variants"]:
        assert "Dana Reyes" in variant["text"] and "(415) 555-0199" in variant["text"]
        assert "Sam" not in variant["text"]

    brief = json.loads(cli("--as", SAM, "prep", sams, "--json").stdout)
    assert "Sam Lee" in brief["voicemail"]["script"]
    assert "(617) 555-0142" in brief["voicemail"]["script"]
    assert "Dana" not in brief["voicemail"]["script"]
    scored = json.loads(
        cli("--as", SAM, "coach", "score", "Hi Bill, call me back.", "--json").stdout
    )
    hints = " ".join(f.get("hint") or "" for f in scored["findings"])
    assert "Sam Lee" in hints and "Dana" not in hints


def test_a_rep_without_a_profile_never_speaks_as_the_owner(cli: Any) -> None:
    team(cli)
    cid = contact_of(cli, SAM, "Bill Turner")
    data = compose(cli, SAM, cid)
    text = data["variants"][0]["text"]
    assert "[your name]" in text and "[your number]" in text and "Dana" not in text
    warning = " ".join(data["warnings"])
    assert "your name" in warning and f"ringback users edit {SAM}" in warning
    # Their personal line is their number until they set one.
    assert cli("lines", "add", "+14155550137", "--user", SAM).exit_code == 0
    text = compose(cli, SAM, cid)["variants"][0]["text"]
    assert "(415) 555-0137" in text and "[your number]" not in text


def test_a_single_user_install_still_speaks_from_the_owner_settings(cli: Any) -> None:
    cli.env.update(OWNER_ENV)
    add(cli, DANA, "--role", "owner", "--name", "")
    cid = contact_of(cli, DANA, "Bill Turner")
    data = compose(cli, DANA, cid)
    assert "Dana Reyes" in data["variants"][0]["text"]
    assert "(415) 555-0199" in data["variants"][0]["text"]
    assert not [w for w in data["warnings"] if "not set" in w]


def test_who_may_edit_a_profile_bad_numbers_and_the_audit_trail(cli: Any) -> None:
    team(cli)
    refused = cli("--as", SAM, "users", "edit", DANA, "--name", "Not Dana")
    assert refused.exit_code == 1
    assert (
        "only dana@example.com or an owner" in refused.output
        and "nothing was changed" in refused.output
    )
    bad = cli("--as", SAM, "users", "edit", SAM, "--phone", "call me")
    assert bad.exit_code == 1 and "not a phone number" in bad.output and "area code" in bad.output
    nothing = cli("users", "edit", SAM)
    assert nothing.exit_code != 0 and "--name" in nothing.output
    by_owner = cli("users", "edit", SAM, "--name", "Sam Lee", "--phone", "+44 20 7946 0018")
    assert by_owner.exit_code == 0, by_owner.output
    listed = {u["email"]: u for u in json.loads(cli("users", "list", "--json").stdout)}
    assert (listed[SAM]["name"], listed[SAM]["phone"]) == ("Sam Lee", "+442079460018")
    assert listed[DANA]["name"] == ""  # the refused edit changed nothing
    cleared = json.loads(cli("--as", SAM, "users", "edit", SAM, "--phone", "", "--json").stdout)
    assert cleared["phone"] is None
    events = json.loads(cli("audit", "--action", "profile", "--json").stdout)
    assert [(e["user"], e["detail"]) for e in events] == [
        (SAM, {"user": SAM, "changed": ["phone"]}),
        (DANA, {"user": SAM, "changed": ["name", "phone"]}),
    ]
