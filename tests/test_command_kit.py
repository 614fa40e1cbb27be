"""The CLI toolkit (ringback.command_kit): one ``--contact`` resolver for every command,
each domain's errors shown with its own hint, and nothing written when a command fails."""

from __future__ import annotations

import json

import pytest

from ringback.command_kit import Hint, explain
from ringback.console import UserError
from tests.conftest import Cli
from tests.support.tracking import GOOD, add_contact


def test_log_takes_a_name_an_email_or_a_phone_as_well_as_an_id(cli: Cli) -> None:
    bill = add_contact(cli, "Bill Turner", "--phone", "415-555-0137", "--email", "b@abc.example")
    for ref in (str(bill), "Bill Turner", "b@abc.example", "(415) 555-0137"):
        r = cli("log", "call", "--contact", ref, "--direction", "outbound", "--json")
        assert r.exit_code == 0, (ref, r.output)
        assert json.loads(r.stdout)["contact_id"] == bill
    r = cli("log", "voicemail", "--contact", "bill", "--script", GOOD, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["contact_id"] == bill


def test_an_ambiguous_contact_lists_the_candidates_with_their_ids(cli: Cli) -> None:
    turner = add_contact(cli, "Bill Turner")
    evans = add_contact(cli, "Bill Evans")
    for args in (
        ("log", "call", "--contact", "bill", "--direction", "outbound"),
        ("coach", "compose", "--contact", "bill"),
        ("prep", "bill"),
        ("contacts", "show", "bill"),
    ):
        r = cli(*args)
        assert r.exit_code == 1, (args, r.output)
        assert "matches 2 contacts" in r.output and "use the id" in r.output, r.output
        assert f"{turner} Bill Turner" in r.output and f"{evans} Bill Evans" in r.output
    r = cli("log", "call", "--contact", "nobody", "--direction", "outbound")
    assert r.exit_code == 1 and "not a contact id, name, email or phone" in r.output
    assert "nothing was written" in r.output


def test_a_domain_error_is_shown_from_the_domains_own_table() -> None:
    class Gone(LookupError):
        pass

    hints = {
        Gone: Hint("look it up first", written=False),
        ValueError: Hint(lambda exc: f"fix {exc}"),
    }
    with pytest.raises(UserError) as gone:
        explain(Gone("no such thing"), hints)
    assert gone.value.message == "no such thing" and gone.value.hint == "look it up first"
    with pytest.raises(UserError) as bad:
        explain(ValueError("the date"), hints)
    assert bad.value.message == "the date; nothing was written"
    assert bad.value.hint == "fix the date"
    explain(KeyError("not in the table"), hints)  # returns: the caller re-raises it
