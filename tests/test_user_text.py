"""What a person reads: times as people say them (never ISO 8601), no internal names of
data sets or source documents, counts with the right plural, hints in the owner's words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:")
# Internal names: the reference documents ("seed 003") and data sets the product was
# tuned on. The docs may cite them; what a user reads must not.
# Case-sensitive: "a switchboard" (a company's phone desk) is plain English.
JARGON = re.compile(r"[Ss]eed 0\d\d|Switchboard|SwDA|FSDD|pyannote")
BAD_PLURAL = re.compile(r"\b1 (questions|follow-ups|attempts|notes|emails|times|pauses)\b")
SRC = Path(__file__).resolve().parents[1] / "src" / "ringback"


def _populated(cli) -> str:  # type: ignore[no-untyped-def]
    """A contact with an interaction, a voicemail left and a follow-up sequence; its id."""
    added = cli("contacts", "add", "--name", "Bill Turner", "--company", "ABC Inc",
                "--phone", "415-555-0137", "--email", "bill@abc.example", "--json")  # fmt: skip
    cid = str(json.loads(added.stdout)["id"])
    cli("contacts", "interaction", cid, "--kind", "call", "--at", "2026-11-20 14:30",
        "--outcome", "connected", "--text", "asked about pricing")  # fmt: skip
    left = cli("log", "voicemail", "--contact", cid, "--at", "2d", "--json",
               "--script", "Hi Bill, this is Dana. Call me at 415-555-0100.")  # fmt: skip
    cli("sequence", "start", str(json.loads(left.stdout)["id"]))
    return cid


def _screens(cli, cid: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    commands = {
        "prep": ("prep", cid),
        "contacts show": ("contacts", "show", cid),
        "contacts list": ("contacts", "list"),
        "sequence list": ("sequence", "list"),
        "inbox list": ("inbox", "list", "--all"),
        "stats": ("stats",),
        "mail status": ("mail", "status"),
        "help": ("--help",),
        "greeting help": ("greeting", "--help"),
    }
    out = {}
    for name, args in commands.items():
        result = cli(*args)
        assert result.exit_code == 0, (name, result.output)
        out[name] = result.stdout
    asked = cli("questions", "classify", input="what keeps you up at night\nis it Tuesday\n")
    out["questions"] = asked.stdout
    return out


def test_commands_show_times_as_people_say_them_and_no_internal_names(cli) -> None:  # type: ignore[no-untyped-def]
    cid = _populated(cli)
    screens = _screens(cli, cid)
    for name, text in screens.items():
        assert not ISO_TIMESTAMP.search(text), (name, ISO_TIMESTAMP.search(text), text)
        assert not JARGON.search(text), (name, JARGON.search(text))
        assert not BAD_PLURAL.search(text), (name, text)
    # The interaction at 14:30 in New York (the fixture's timezone) reads as a person says it.
    assert re.search(r"Fri 20 Nov( 2026)?, 2:30 pm", screens["contacts show"])
    assert re.search(r"Fri 20 Nov( 2026)?, 2:30 pm", screens["prep"])
    # --json keeps ISO 8601 for scripts.
    shown = json.loads(cli("contacts", "show", cid, "--json").stdout)
    assert ISO_TIMESTAMP.match(shown["interactions"][0]["at"])


def test_no_internal_names_in_strings_users_read() -> None:
    """Help texts, messages and report texts in the package never name a source document or
    data set. Docstrings and comments may (they are for the people who build Ringback);
    rules.toml's ``source`` is read only by the docs generator (coach/docs.py)."""
    import ast

    found = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and JARGON.search(node.value)
            ):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value[:60]!r}")
    allowed = ("coach/docs.py", "docs.py", "config.py")  # docs generators; README settings
    assert [f for f in found if not f.startswith(allowed)] == []


@pytest.mark.parametrize("opener", [False, True])
def test_coach_hints_use_the_owners_details_not_an_example(cli, opener: bool) -> None:  # type: ignore[no-untyped-def]
    cli.env.update(RINGBACK_OWNER_PHONE="617-555-0100", RINGBACK_OWNER_NAME="Maria Lopez",
                   RINGBACK_OWNER_COMPANY="Lopez Realty")  # fmt: skip
    result = cli("coach", "opener" if opener else "score", "um hello, call me back", "--json")
    hints = " ".join(f["hint"] for f in json.loads(result.stdout)["findings"])
    assert "415-555-0137" not in hints and "Dana" not in hints and "Acme" not in hints
    assert "Maria Lopez" in hints and "Lopez Realty" in hints
    if not opener:
        assert "617-555-0100" in hints


def test_mail_without_smtp_says_it_was_saved_locally_not_sent(cli) -> None:  # type: ignore[no-untyped-def]
    tested = cli("mail", "test", "--to", "me@example.com")
    assert tested.exit_code == 0, tested.output
    assert "saved to the local mailbox (no SMTP server set)" in tested.stdout
    assert "sent to" not in tested.stdout
    flushed = cli("mail", "flush")
    assert "saved to the local mailbox (no SMTP server set): 0" in flushed.stdout
