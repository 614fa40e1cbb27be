"""A call's recording all the way through: Twilio callback → download (basic auth, on
loopback) → the inbox pipeline with the real Whisper model → email at a real aiosmtpd
server; and the prospect line's own greeting, intake, Lead contact and priority email."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from ringback.contacts.models import Contact, FollowUp
from ringback.db.session import transaction
from ringback.telephony.models import RecordingStatus, TelephonyRecording
from ringback.voicemail.models import Voicemail
from ringback.web import create_app
from tests.support.audio import E164, needs_audio, voicemail_wav
from tests.support.twilio import (
    CALLER,
    OWNER,
    Media,
    Served,
    callback_path,
    make_settings,
    recording_host,
    recording_params,
    recording_sid,
    smtp_overrides,
    smtp_server,
    twiml,
    voice_params,
)

pytest.importorskip("aiosmtpd")

PROSPECT_LINE = "+14155550111"
PROSPECT_CALLER = "+13125550142"


@pytest.fixture(scope="module")
def wav() -> bytes:
    return voicemail_wav()


@pytest.mark.slow
@needs_audio
def test_recording_becomes_a_transcribed_emailed_voicemail_once(tmp_path: Path, wav: bytes) -> None:
    with smtp_server() as (port, inbox), recording_host() as host:
        settings = make_settings(tmp_path, **smtp_overrides(port))
        sid = recording_sid(0xCAFE)
        # Twilio announces before its storage serves it: the first two fetches 404.
        url = host.add(sid, Media(body=wav, fail_first=2))
        app = create_app(settings)
        with Served(app) as srv:
            reply = srv.post(callback_path(), recording_params(sid, url))
            assert reply.status_code == 200 and reply.json()["status"] == "accepted"
            assert app.state.jobs.join(300)
            (email,) = inbox.wait(1)
            # Twilio retries the callback after the fact: nothing is fetched or sent again.
            again = srv.post(callback_path(), recording_params(sid, url))
            assert again.json()["status"] == "duplicate"
            assert app.state.jobs.join(30)
        assert len(inbox.wait(2, timeout=1)) == 1
    assert host.count(sid) == 3 and all(ok for _, ok in host.hits)

    db = settings.effective_database_url
    with transaction(db) as session:
        rec = session.scalars(select(TelephonyRecording)).one()
        vm = session.get(Voicemail, rec.voicemail_id)
        assert rec.status is RecordingStatus.INGESTED and vm is not None
        assert rec.attempts == 3  # two 404s, then the audio
        assert vm.source == "twilio" and vm.source_key == f"twilio:{sid}"
        assert vm.status == "done"
        assert vm.from_number == CALLER and vm.to_number == OWNER
        assert vm.received_at.isoformat() == "2026-11-23T19:30:00+00:00"
        assert (vm.facts or {})["callback_number"] == E164
        assert vm.source_meta and vm.source_meta["recording_sid"] == sid
        assert Path(vm.original_path or "").read_bytes() == wav
        assert not (vm.facts or {}).get("line")
    assert not list((settings.data_dir / "telephony" / "incoming").glob("*"))

    assert email["To"] == "victor@example.com"
    assert "Voicemail from" in str(email["Subject"])
    assert "[Prospect]" not in str(email["Subject"])
    assert email["X-Priority"] is None
    attachments = {p.get_content_type(): p for p in email.iter_attachments()}
    assert attachments["audio/wav"].get_payload(decode=True) == wav


@pytest.mark.slow
@needs_audio
def test_prospect_line_greeting_intake_lead_and_priority_email(tmp_path: Path, wav: bytes) -> None:
    with smtp_server() as (port, inbox), recording_host() as host:
        settings = make_settings(
            tmp_path,
            prospect_numbers=f"(415) 555-0111, {'+14155550112'}",
            prospect_notify_to="New business <sales@example.com>",
            prospect_forward_to="+14155550177",
            prospect_gather_speech=True,
            **smtp_overrides(port),
        )
        app = create_app(settings)
        with Served(app) as srv:
            params = voice_params(to=PROSPECT_LINE, From=PROSPECT_CALLER, Caller=PROSPECT_CALLER)
            # 1. The colleague's phone rings first.
            (dial,) = list(twiml(srv.post("/telephony/twilio/voice", params)))
            assert dial.tag == "Dial" and dial[0].text == "+14155550177"
            # 2. No answer: the prospect greeting asks for name, company and need by speech.
            root = twiml(
                srv.post("/telephony/twilio/voice", {**params, "DialCallStatus": "no-answer"})
            )
            (gather,) = list(root)
            assert gather.tag == "Gather"
            assert gather.attrib["input"] == "speech"
            assert gather.attrib["action"] == srv.base + "/telephony/twilio/intake"
            assert gather.attrib["actionOnEmptyResult"] == "true"
            (say,) = list(gather)
            assert say.tag == "Say"
            assert say.text is not None and "Thanks for calling Northwind" in say.text
            assert "your name, your company and what you need" in say.text
            # 3. What they said comes back; then the recording, intake carried along.
            said = "Sam Ortiz from Acme Logistics, we need a warehouse quote"
            after = twiml(srv.post("/telephony/twilio/intake", {**params, "SpeechResult": said}))
            assert [e.tag for e in after] == ["Say", "Record", "Hangup"]
            callback = after[1].attrib["recordingStatusCallback"]
            query = parse_qs(urlsplit(callback).query)
            assert query["line"] == ["prospect"] and query["intake"] == [said]
            assert query["to"] == [PROSPECT_LINE] and query["from"] == [PROSPECT_CALLER]

            # 4. Twilio posts the recording to exactly that URL, signed.
            sid = recording_sid(0x9805)
            url = host.add(sid, Media(body=wav))
            path = callback.removeprefix(srv.base)
            assert srv.post(path, recording_params(sid, url)).status_code == 200
            assert app.state.jobs.join(300)
        (email,) = inbox.wait(1)

    assert str(email["Subject"]).startswith("[Prospect] Voicemail from")
    assert email["To"] == "sales@example.com"
    assert email["X-Priority"] == "1" and email["Importance"] == "high"
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "prospect line (+1 415-555-0111)" in text
    assert said in text

    with transaction(settings.effective_database_url) as session:
        vm = session.scalars(select(Voicemail)).one()
        assert (vm.facts or {})["is_prospect"] is True and vm.facts["line"] == "prospect"
        lead = session.get(Contact, vm.contact_id)
        assert lead is not None and lead.is_lead
        assert PROSPECT_CALLER in [p.e164 for p in lead.phones]
        task = session.scalars(select(FollowUp).where(FollowUp.contact_id == lead.id)).one()
        assert f"voicemail #{vm.id}" in task.title


def test_prospect_line_without_gather_records_straight_away(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, prospect_numbers=PROSPECT_LINE, owner_company="")
    with Served(create_app(settings)) as srv:
        root = twiml(srv.post("/telephony/twilio/voice", voice_params(to=PROSPECT_LINE)))
        personal = twiml(srv.post("/telephony/twilio/voice", voice_params(to=OWNER)))
    say, record, _ = list(root)
    assert say.text is not None and say.text.startswith("Thanks for calling Victor Hale.")
    assert parse_qs(urlsplit(record.attrib["recordingStatusCallback"]).query)["line"] == [
        "prospect"
    ]
    assert personal[0].text != say.text
    assert ET.tostring(personal).count(b"Record") == 1
