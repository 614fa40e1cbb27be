"""A rep's line added with ``ringback lines add NUMBER --user EMAIL --prospect`` is a
prospect line (seed 003), as a number in RINGBACK_PROSPECT_NUMBERS is, on SQLite and
PostgreSQL: the voice webhook (real Twilio signatures) asks the caller's name, company
and need; a message left on it is recorded as the prospect line's, its facts say
prospect, its email is the prospect one (high priority, to RINGBACK_PROSPECT_NOTIFY_TO,
at a real aiosmtpd server), and the follow-up and Capture file the caller as a Lead.
The rep's personal line stays personal. A transcript stands in for Whisper: what is
said does not matter here, only the line it was said on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from ringback.contacts.models import Contact
from ringback.db.session import transaction
from ringback.telephony.models import TelephonyRecording
from ringback.voicemail.models import Voicemail
from ringback.web import create_app
from tests.support.pipeline import SaidTranscriber, speech_8k, wav_bytes
from tests.support.twilio import (
    Served,
    callback_path,
    make_settings,
    recording_params,
    recording_sid,
    smtp_overrides,
    smtp_server,
    twiml,
    voice_params,
)

pytest.importorskip("aiosmtpd")

PASSWORD = "a long enough passphrase\n"
SAM = "sam@example.com"
PERSONAL, PROSPECT = "+14155550137", "+14155550138"
CALLER = "+13125550142"
CALLERS = {PROSPECT: CALLER, PERSONAL: "+13125550143"}
# No callback asked, no prospect's words: only the line makes the caller a prospect.
SAID = "Hi, this is {}. I saw the house on Oak Street last week. Thanks."
NAMES = {PROSPECT: "Ana Lopez", PERSONAL: "Ben Ortiz"}  # two callers, nobody alike


def team(cli: Any) -> None:
    """Dana (owner) and Sam (rep), Sam with a personal line and a prospect line."""
    for email, role in (("dana@example.com", "owner"), (SAM, "rep")):
        added = cli("users", "add", email, "--role", role, "--password-stdin", input=PASSWORD)
        assert added.exit_code == 0, added.output
    assert cli("lines", "add", PERSONAL, "--user", SAM).exit_code == 0
    assert cli("lines", "add", PROSPECT, "--user", SAM, "--prospect").exit_code == 0


def test_the_voice_webhook_answers_a_reps_prospect_line_as_one(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    team(cli)
    settings = make_settings(
        tmp_path,
        database_url=db_url,
        data_dir=Path(cli.env["RINGBACK_DATA_DIR"]),
        prospect_gather_speech=True,
        twilio_download_attempts=1,
    )
    app = create_app(settings)
    with Served(app) as srv:
        prospect = twiml(srv.post("/telephony/twilio/voice", voice_params(to=PROSPECT)))
        personal = twiml(srv.post("/telephony/twilio/voice", voice_params(to=PERSONAL)))
        said = "Ana Lopez from Acme, we need a quote"
        params = {**voice_params(to=PROSPECT), "SpeechResult": said}
        after = twiml(srv.post("/telephony/twilio/intake", params))
        # Twilio's recording callback, the call's number in it: the prospect line's.
        sid = recording_sid(0x7001)
        nowhere = f"http://127.0.0.1:9/Recordings/{sid}"  # unreachable: only the row matters
        path = callback_path(to=PROSPECT, caller=CALLER)
        assert srv.post(path, recording_params(sid, nowhere)).status_code == 200
        assert app.state.jobs.join(30)

    # The intake: the caller is asked their name, company and need.
    (gather,) = list(prospect)
    assert gather.tag == "Gather" and gather.attrib["input"] == "speech"
    assert "your name, your company and what you need" in (gather[0].text or "")
    query = parse_qs(urlsplit(after[1].attrib["recordingStatusCallback"]).query)
    assert query["line"] == ["prospect"] and query["intake"] == [said]
    # Sam's personal line: no questions, straight to the recording, as his personal line.
    tags = [e.tag for e in personal]
    assert "Gather" not in tags and "Record" in tags
    record = personal[tags.index("Record")]
    assert parse_qs(urlsplit(record.attrib["recordingStatusCallback"]).query)["line"] == [
        "personal"
    ]
    with transaction(db_url) as session:
        assert session.scalars(select(TelephonyRecording.line)).one() == "prospect"


def run_pipeline(settings: Any, db_url: str, *, follow_up: bool) -> dict[str, int]:
    """A message left on each of Sam's lines, through the whole pipeline; their ids."""
    from ringback.voicemail.adapters import EmailNotifier, FactsExtractor
    from ringback.voicemail.followup import FollowUpStage
    from ringback.voicemail.pipeline import default_stages, ingest

    ids = {}
    for n, line in enumerate((PROSPECT, PERSONAL)):
        stages = default_stages(
            transcriber=SaidTranscriber(SAID.format(NAMES[line])),
            extractor=FactsExtractor(settings),
            notifier=EmailNotifier(settings, db_url),
            follow_up=FollowUpStage(db_url, settings) if follow_up else None,
        )
        result = ingest(
            wav_bytes(speech_8k(3.0 + n / 10)),
            source="upload",
            url=db_url,
            data_dir=settings.data_dir,
            stages=stages,
            to_number=line,
            from_number=CALLERS[line],
            region="US",
        )
        assert result.status == "done", result
        ids[line] = result.id
    return ids


def test_a_message_on_a_reps_prospect_line_is_a_prospects(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    team(cli)
    with smtp_server() as (port, inbox):
        settings = make_settings(
            tmp_path,
            database_url=db_url,
            data_dir=Path(cli.env["RINGBACK_DATA_DIR"]),
            prospect_notify_to="New business <sales@example.com>",
            **smtp_overrides(port),
        )
        ids = run_pipeline(settings, db_url, follow_up=True)
        mails = {m["X-Ringback-Voicemail-Id"]: m for m in inbox.wait(2)}

    prospect, personal = mails[str(ids[PROSPECT])], mails[str(ids[PERSONAL])]
    assert str(prospect["Subject"]).startswith("[Prospect]")
    assert "sales@example.com" in str(prospect["To"])
    assert prospect["X-Priority"] == "1" and prospect["Importance"] == "high"
    assert "[Prospect]" not in str(personal["Subject"]) and personal["X-Priority"] is None
    assert "sales@example.com" not in str(personal["To"])

    with transaction(db_url) as session:
        rows = {v.to_number: v for v in session.scalars(select(Voicemail))}
        on_prospect, on_personal = rows[PROSPECT], rows[PERSONAL]
        assert (on_prospect.source_meta or {})["line"] == "prospect"
        assert (on_prospect.facts or {})["is_prospect"] is True
        assert (on_personal.facts or {}).get("is_prospect") is False
        lead = session.get(Contact, on_prospect.contact_id)
        assert lead is not None and lead.is_lead  # the follow-up filed the caller as a Lead
        assert on_personal.contact_id is None  # nothing asked: nobody filed


def test_capture_files_a_caller_on_a_reps_prospect_line_as_a_lead(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    team(cli)
    settings = make_settings(
        tmp_path, database_url=db_url, data_dir=Path(cli.env["RINGBACK_DATA_DIR"])
    )
    ids = run_pipeline(settings, db_url, follow_up=False)
    leads = {}
    for line, voicemail_id in ids.items():
        captured = cli("--as", SAM, "inbox", "capture", str(voicemail_id), "--json")
        assert captured.exit_code == 0, captured.output
        contact_id = json.loads(captured.stdout)["contact_id"]
        with transaction(db_url) as session:
            contact = session.get(Contact, contact_id)
            assert contact is not None
            leads[line] = contact.is_lead
    assert leads == {PROSPECT: True, PERSONAL: False}


def test_the_settings_page_lists_a_reps_own_prospect_line(tmp_path: Path, db_url: str) -> None:
    from fastapi.testclient import TestClient

    from ringback.accounts.lines import add_line
    from tests.support.accounts import add_user, sign_in

    add_user(db_url, "dana@example.com", role="owner")
    add_user(db_url, SAM, role="rep")
    add_user(db_url, "mia@example.com", role="rep")
    with transaction(db_url) as session:
        add_line(session, PERSONAL, SAM, region="US")
        add_line(session, PROSPECT, SAM, kind="prospect", region="US")
        add_line(session, "+14155550139", "mia@example.com", kind="prospect", region="US")
    app = create_app(make_settings(tmp_path, database_url=db_url), prepare_database=False)
    pages = {}
    for who in (SAM, "mia@example.com"):
        with TestClient(app, base_url="http://127.0.0.1") as client:
            assert sign_in(client, who).status_code == 303
            pages[who] = client.get("/settings").text
    # Each rep sees their own prospect line, not another's, nor their personal line.
    assert "+1 415-555-0138" in pages[SAM] and "+1 415-555-0139" not in pages[SAM]
    assert "+1 415-555-0139" in pages["mia@example.com"]
    assert "+1 415-555-0138" not in pages["mia@example.com"]
    assert "none: every call is on your personal line" not in pages[SAM]
    assert "lines add NUMBER --user EMAIL --prospect" in pages[SAM]  # how to change them


def test_a_number_is_a_prospect_line_by_the_setting_or_by_the_team(tmp_path: Path) -> None:
    from ringback.lines import CalledLine, LineKind, line_kind, message_line

    settings = make_settings(tmp_path, prospect_numbers="(415) 555-0111")
    team_prospects = frozenset({PROSPECT})
    assert line_kind("(415) 555-0138", settings, team_prospects) is LineKind.PROSPECT
    assert line_kind("+14155550111", settings, team_prospects) is LineKind.PROSPECT
    assert line_kind(PERSONAL, settings, team_prospects) is LineKind.PERSONAL
    assert line_kind(PROSPECT, settings) is LineKind.PERSONAL  # no team lines handed in
    # A stored message: its recorded kind, else (stored before kinds were) the setting's.
    assert message_line(CalledLine(PERSONAL, "prospect"), settings) is LineKind.PROSPECT
    assert message_line(CalledLine("+14155550111", "personal"), settings) is LineKind.PROSPECT
    assert message_line(CalledLine("+14155550111"), settings) is LineKind.PROSPECT
    assert message_line(CalledLine(PROSPECT), settings) is LineKind.PERSONAL
    assert message_line(None, settings) is LineKind.PERSONAL


def test_greeting_status_shows_a_reps_prospect_line_as_one(cli: Any) -> None:
    team(cli)
    listed = cli("greeting", "status", "--all", "--json")
    assert listed.exit_code == 0, listed.output
    kinds = {row["number"]: row["line"] for row in json.loads(listed.stdout)}
    assert kinds == {PERSONAL: "personal", PROSPECT: "prospect"}
