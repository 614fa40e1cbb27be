"""RINGBACK_DEFAULT_REGION is how a number written without +country is read, on every
path: a British team (GB) writes "020 7946 0018", not "+44 20 7946 0018". On SQLite and
PostgreSQL, with the real CLI, pipeline, SMTP server (aiosmtpd) and web app:

- a voicemail to a rep's line dialled in the national form is that rep's, and one to a
  rep's prospect line is a prospect's (its email "[Prospect]");
- a contact is found by their number in the national form (``contacts list --search``,
  ``prep``, the web's search box);
- numbers written with +country still work, and a US install (the default) is as before.

A transcript stands in for Whisper (what is said does not matter, only the line).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ringback.accounts.models import User
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail
from ringback.web import create_app
from tests.support.accounts import add_user, sign_in
from tests.support.pipeline import SaidTranscriber, click, speech_8k, wav_bytes
from tests.support.smtp import smtp_server
from tests.support.twilio import make_settings, smtp_overrides

pytest.importorskip("aiosmtpd")

PASSWORD = "a long enough passphrase\n"
SAM = "sam@example.com"
# A London rep's lines as the team writes them, and as they are stored.
SAMS_LINE, SAMS_LINE_E164 = "020 7946 0018", "+442079460018"
SAMS_PROSPECT_LINE = "020 7946 0019"
OLIVIA, OLIVIA_E164 = "020 7946 0123", "+442079460123"


def team(cli: Any, personal: str, prospect: str) -> None:
    """Dana (owner) and Sam (rep), Sam with a personal and a prospect line."""
    for email, role in (("dana@example.com", "owner"), (SAM, "rep")):
        added = cli("users", "add", email, "--role", role, "--password-stdin", input=PASSWORD)
        assert added.exit_code == 0, added.output
    assert cli("lines", "add", personal, "--user", SAM).exit_code == 0
    assert cli("lines", "add", prospect, "--user", SAM, "--prospect").exit_code == 0


def add_message(cli: Any, tmp_path: Path, dialled: str) -> int:
    """``ringback inbox add`` of a hang-up (no speech: nothing to transcribe) to ``dialled``."""
    n = len(list(tmp_path.glob("call-*")))
    recording = tmp_path / f"call-{n}.wav"
    recording.write_bytes(wav_bytes(click(2.0 + n / 10)))  # each its own recording
    added = cli("inbox", "add", str(recording), "--to", dialled, "--json")
    assert added.exit_code == 0, added.output
    return int(json.loads(added.stdout)["id"])


def sams_inbox(cli: Any) -> dict[int, dict[str, Any]]:
    listed = cli("--as", SAM, "inbox", "list", "--json")
    assert listed.exit_code == 0, listed.output
    return {row["id"]: row for row in json.loads(listed.stdout)}


def owner_email(db_url: str, voicemail_id: int) -> str:
    with transaction(db_url) as session:
        query = select(User.email).join(Voicemail, Voicemail.owner_id == User.id)
        return str(session.scalar(query.where(Voicemail.id == voicemail_id)))


def test_a_message_to_a_reps_line_written_the_british_way_is_that_reps(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    cli.env["RINGBACK_DEFAULT_REGION"] = "GB"
    team(cli, "+44 20 7946 0018", SAMS_PROSPECT_LINE)
    national = add_message(cli, tmp_path, SAMS_LINE)
    international = add_message(cli, tmp_path, "+44 20 7946 0018")
    elsewhere = add_message(cli, tmp_path, "020 7946 0999")  # nobody's line

    assert owner_email(db_url, national) == SAM
    assert owner_email(db_url, international) == SAM
    assert owner_email(db_url, elsewhere) == "dana@example.com"  # whoever added it
    assert set(sams_inbox(cli)) == {national, international}
    with transaction(db_url) as session:
        assert session.get(Voicemail, national).to_number == SAMS_LINE  # as it was given


def test_a_message_on_a_reps_prospect_line_written_the_british_way_is_a_prospects(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    from ringback.voicemail.adapters import EmailNotifier, FactsExtractor
    from ringback.voicemail.pipeline import default_stages, ingest
    from ringback.voicemail.service import ingest_kwargs

    cli.env["RINGBACK_DEFAULT_REGION"] = "GB"
    team(cli, SAMS_LINE, SAMS_PROSPECT_LINE)
    with smtp_server() as (port, inbox):
        mail_to = {**smtp_overrides(port), "prospect_notify_to": "Sales <sales@example.com>"}
        data_dir = Path(cli.env["RINGBACK_DATA_DIR"])
        settings = make_settings(
            tmp_path, database_url=db_url, data_dir=data_dir, default_region="GB", **mail_to
        )
        stages = default_stages(
            transcriber=SaidTranscriber("Hi, this is Ana Lopez about the house on Oak Street."),
            extractor=FactsExtractor(settings),
            notifier=EmailNotifier(settings, db_url),
        )
        # What every entry point (upload, consume folder, Twilio) hands the ingest step.
        result = ingest(
            wav_bytes(speech_8k(3.0)),
            source="upload",
            stages=stages,
            to_number=SAMS_PROSPECT_LINE,
            from_number="07700 900123",
            **ingest_kwargs(settings),
        )
        assert result.status == "done", result
        (mail,) = inbox.wait(1)

    assert str(mail["Subject"]).startswith("[Prospect]")
    assert "sales@example.com" in str(mail["To"])
    assert owner_email(db_url, result.id) == SAM
    assert sams_inbox(cli)[result.id]["is_prospect"] is True


def test_a_contact_is_found_by_their_number_written_the_british_way(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    cli.env["RINGBACK_DEFAULT_REGION"] = "GB"
    added = cli("contacts", "add", "--name", "Olivia Hart", "--phone", OLIVIA, "--json")
    assert added.exit_code == 0, added.output
    assert (
        cli("contacts", "add", "--name", "Bill Turner", "--phone", "+1 415 555 0137").exit_code == 0
    )

    def search(text: str) -> list[str]:
        found = cli("contacts", "list", "--search", text, "--json")
        assert found.exit_code == 0, found.output
        return [row["name"] for row in json.loads(found.stdout)]

    assert search(OLIVIA) == ["Olivia Hart"]
    assert search("+44 20 7946 0123") == ["Olivia Hart"]
    assert search("7946 0123") == ["Olivia Hart"]  # part of a number, as before
    assert search("+1 415 555 0137") == ["Bill Turner"]  # another country's, with +
    prepped = cli("prep", OLIVIA, "--json")
    assert prepped.exit_code == 0, prepped.output
    assert json.loads(prepped.stdout)["contact"]["phones"] == [OLIVIA_E164]


def test_the_web_search_box_finds_a_number_written_the_british_way(
    tmp_path: Path, db_url: str
) -> None:
    from ringback.contacts.editing import add_contact

    add_user(db_url, "dana@example.com", role="owner")
    with transaction(db_url) as session:
        add_contact(session, name="Olivia Hart", phones=[OLIVIA_E164], region="GB")
        add_contact(session, name="Priya Shah", phones=["+442079460456"], region="GB")
    settings = make_settings(tmp_path, database_url=db_url, default_region="GB")
    app = create_app(settings, prepare_database=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert sign_in(client, "dana@example.com").status_code == 303
        page = client.get("/contacts", params={"q": OLIVIA}, headers={"accept": "text/html"})
    assert page.status_code == 200
    shown = re.findall(r'class="contact-open" href="/contacts/\d+">([^<]+)<', page.text)
    assert shown == ["Olivia Hart"]


def test_a_us_install_reads_numbers_as_before(cli: Any, tmp_path: Path, db_url: str) -> None:
    """No RINGBACK_DEFAULT_REGION: numbers are American, as they always were."""
    team(cli, "(415) 555-0138", "415 555 0139")
    national = add_message(cli, tmp_path, "415.555.0138")
    international = add_message(cli, tmp_path, "+1 415 555 0138")
    assert owner_email(db_url, national) == owner_email(db_url, international) == SAM
    assert set(sams_inbox(cli)) == {national, international}
    assert cli("contacts", "add", "--name", "Bill Turner", "--phone", "212-555-0199").exit_code == 0
    found = cli("contacts", "list", "--search", "(212) 555-0199", "--json")
    assert [row["name"] for row in json.loads(found.stdout)] == ["Bill Turner"]
    shown = cli("contacts", "show", "212 555 0199", "--json")
    assert json.loads(shown.stdout)["phones"] == ["+12125550199"]
