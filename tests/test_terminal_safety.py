"""Nothing the user did not type reaches the terminal as control codes.

A name with an OSC (set the window title, ended by BEL) and a CSI (clear the screen), typed
or imported from a vCard, or a caller's name and transcript on a voicemail, is shown with
each control character as a visible '�', in every command that prints it; JSON keeps the
exact text (escaped, so a terminal never acts on it either).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from tests.conftest import Cli

HOSTILE = "Bill\x1b]0;pwned\x07 Turner\x1b[2J"
SHOWN = "Bill�]0;pwned� Turner�[2J"
# ESC, BEL, CSI (also its one-character C1 form), DEL, any other C0 but tab/newline, bidi.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_clean(output: str) -> None:
    found = CONTROLS.findall(output)
    assert not found, f"control characters reached the terminal: {found!r}"


def add(cli: Cli, *args: str) -> str:
    cli.env["COLUMNS"] = "200"  # wide enough that no table wraps the name
    added = cli("contacts", "add", *args, "--json")
    assert added.exit_code == 0, added.output
    return str(json.loads(added.stdout)["id"])


def test_a_typed_name_with_escape_codes_is_shown_not_obeyed(cli: Cli) -> None:
    cid = add(cli, "--name", HOSTILE, "--company", "ABC\u202eInc", "--phone", "415-555-0137")
    cli("contacts", "story", cid, "professional", "grow\x9b2J sales by 20%")
    for args in (("contacts", "list"), ("contacts", "show", cid), ("prep", cid)):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        assert_clean(result.output)
        assert SHOWN in result.stdout, args  # still recognisable, in one piece
        assert "ABC�Inc" in result.stdout, args
    # JSON keeps the name exactly, escaped so that printing it is harmless too.
    shown = cli("contacts", "show", cid, "--json")
    assert_clean(shown.stdout)
    assert json.loads(shown.stdout)["name"] == HOSTILE
    assert json.loads(shown.stdout)["company"] == "ABC\u202eInc"


def test_an_imported_vcard_name_with_escape_codes_is_shown_not_obeyed(
    cli: Cli, tmp_path: Path
) -> None:
    card = tmp_path / "cards.vcf"
    card.write_text(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{HOSTILE}\r\nTEL;TYPE=WORK:+1 212 555 0199\r\n"
        "NOTE:met at the expo\x1b[31m red\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    cli.env["COLUMNS"] = "200"
    imported = cli("contacts", "import", str(card))
    assert imported.exit_code == 0, imported.output
    assert_clean(imported.output)
    listed = cli("contacts", "list")
    assert_clean(listed.output)
    assert SHOWN in listed.stdout
    found = cli("contacts", "show", "Turner")
    assert found.exit_code == 0, found.output
    assert_clean(found.output)
    assert "met at the expo�[31m red" in found.stdout


def test_a_caller_name_and_transcript_with_escape_codes_are_shown_not_obeyed(
    cli: Cli, db_url: str
) -> None:
    with transaction(db_url) as session:
        vm = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key="hostile-1",
            from_number="+12125550199",
            caller_name=HOSTILE,
            status=VoicemailStatus.DONE,
            transcript="Hi, it's Bill\x1b[2J, call me back\u202e please.",
        )
        session.add(vm)
        session.flush()
        vid = str(vm.id)
    cli.env["COLUMNS"] = "200"
    for args in (("inbox", "list"), ("inbox", "show", vid)):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        assert_clean(result.output)
        assert "Turner" in result.stdout, args
    assert "call me back� please" in cli("inbox", "show", vid).stdout


def test_an_error_listing_stored_names_shows_them_not_obeys_them(cli: Cli) -> None:
    add(cli, "--name", HOSTILE)
    add(cli, "--name", "Bill Smith")
    result = cli("contacts", "show", "Bill")  # two match: the error lists both names
    assert result.exit_code != 0
    assert_clean(result.output)
    assert SHOWN in result.output and "Bill Smith" in result.output
