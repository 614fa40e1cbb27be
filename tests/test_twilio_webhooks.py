"""Twilio's webhooks under uvicorn on loopback, signed with the real validator.

Recordings are served by a loopback HTTP server that checks the basic-auth credentials,
email arrives at a real aiosmtpd server, and TwiML is parsed with ElementTree and checked
element by element. The whole-pipeline run (real Whisper) is in test_twilio_pipeline.py.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from ringback.db.session import transaction
from ringback.telephony.models import RecordingStatus, TelephonyRecording
from ringback.telephony.signature import Params, is_valid, sign
from ringback.voicemail.models import Voicemail
from ringback.web import create_app
from tests.support.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
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
    wait_for,
)

pytest.importorskip("aiosmtpd")

VOICE = "/telephony/twilio/voice"
RECORDING = "/telephony/twilio/recording"
CALLBACK = callback_path()


def count(url: str, model: Any) -> int:
    with transaction(url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def row(url: str, sid: str) -> TelephonyRecording:
    with transaction(url) as session:
        found = session.scalars(
            select(TelephonyRecording).where(TelephonyRecording.recording_sid == sid)
        ).one()
        session.expunge(found)
        return found


# -- Twilio's published signature vector ------------------------------------------------


def test_twilios_published_signature_vector() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert sign("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert is_valid("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    # The same through the form-parameter type the web app builds from the body.
    assert is_valid("12345", url, Params(list(params.items())), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not is_valid("12345", url, {**params, "Digits": "1235"}, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not is_valid("54321", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not is_valid(
        "12345", url.replace("foo=1", "foo=2"), params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert not is_valid("12345", url, params, None)
    assert not is_valid("", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


# -- the voice webhook ----------------------------------------------------------------


def test_incoming_call_gets_greeting_then_record(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, twilio_max_length=90, twilio_play_beep=False)
    with Served(create_app(settings)) as srv:
        root = twiml(srv.post(VOICE, voice_params()))

    say, record, hangup = list(root)
    assert say.tag == "Say"
    assert "Victor Hale" in (say.text or "")
    assert "press" not in (say.text or "").lower()
    assert len((say.text or "").split()) <= 15  # a short prompt, not a preamble
    assert record.tag == "Record"
    assert record.attrib["maxLength"] == "90"
    assert record.attrib["playBeep"] == "false"
    assert record.attrib["finishOnKey"] == ""  # no key ends it: nothing to press
    assert record.attrib["trim"] == "trim-silence"
    assert record.attrib["timeout"] == "5"
    assert record.attrib["action"] == f"{srv.base}/telephony/twilio/recorded"
    callback = urlsplit(record.attrib["recordingStatusCallback"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == srv.base + RECORDING
    assert parse_qs(callback.query) == {"line": ["personal"], "from": [CALLER], "to": [OWNER]}
    assert record.attrib["recordingStatusCallbackMethod"] == "POST"
    assert record.attrib["recordingStatusCallbackEvent"] == "completed absent"
    assert hangup.tag == "Hangup" and len(hangup) == 0


def test_beep_is_on_by_default_and_nothing_is_stored_for_a_call(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Served(create_app(settings)) as srv:
        root = twiml(srv.post(VOICE, voice_params()))
    assert root.find("Record").attrib["playBeep"] == "true"  # type: ignore[union-attr]
    assert root.find("Record").attrib["maxLength"] == "120"  # type: ignore[union-attr]
    assert count(settings.effective_database_url, TelephonyRecording) == 0


def test_ring_the_mobile_first_then_greeting_on_no_answer(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, twilio_ring_first="+14155550123", twilio_ring_seconds=12)
    with Served(create_app(settings)) as srv:
        first = twiml(srv.post(VOICE, voice_params()))
        (dial,) = list(first)
        assert dial.tag == "Dial"
        assert dial.attrib["timeout"] == "12"
        assert dial.attrib["action"] == srv.base + VOICE
        assert dial.attrib["answerOnBridge"] == "true"
        (number,) = list(dial)
        assert number.tag == "Number" and number.text == "+14155550123"

        # Twilio comes back to the action URL with the outcome of the <Dial>.
        missed = twiml(srv.post(VOICE, voice_params(DialCallStatus="no-answer")))
        assert [e.tag for e in missed] == ["Say", "Record", "Hangup"]
        busy = twiml(srv.post(VOICE, voice_params(DialCallStatus="busy")))
        assert [e.tag for e in busy] == ["Say", "Record", "Hangup"]
        answered = twiml(srv.post(VOICE, voice_params(DialCallStatus="completed")))
        assert [e.tag for e in answered] == ["Hangup"]


def test_record_action_hangs_up(tmp_path: Path) -> None:
    with Served(create_app(make_settings(tmp_path))) as srv:
        root = twiml(srv.post("/telephony/twilio/recorded", voice_params(RecordingSid="x")))
    assert [e.tag for e in root] == ["Hangup"]


# -- signatures: unsigned, forged, behind a proxy ----------------------------------------


@pytest.mark.parametrize(
    ("how", "kwargs"),
    [
        ("unsigned", {"token": None}),
        ("wrong token", {"token": "not-the-token"}),
        ("garbage", {"signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}),
        ("signed for another URL", {"signed_url": "http://127.0.0.1:1/telephony/twilio/voice"}),
    ],
)
def test_unsigned_and_forged_requests_are_refused_and_nothing_is_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str, kwargs: dict[str, Any]
) -> None:
    settings = make_settings(tmp_path)
    with recording_host() as host, Served(create_app(settings)) as srv:
        sid = recording_sid(1)
        url = host.add(sid, Media(body=b"RIFF"))
        with caplog.at_level(logging.WARNING, logger="ringback.web"):
            voice = srv.post(VOICE, voice_params(), **kwargs)
            if "signed_url" in kwargs:
                kwargs = {"signed_url": kwargs["signed_url"].replace("voice", "recording")}
            recording = srv.post(CALLBACK, recording_params(sid, url), **kwargs)
        assert voice.status_code == 403, how
        assert recording.status_code == 403, how
        assert "Record" not in voice.text
    assert count(settings.effective_database_url, TelephonyRecording) == 0
    assert count(settings.effective_database_url, Voicemail) == 0
    assert host.hits == []  # nothing was fetched
    assert any("refused" in r.getMessage() for r in caplog.records)


def test_a_tampered_parameter_breaks_the_signature(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Served(create_app(settings)) as srv:
        params = voice_params()
        good = sign(AUTH_TOKEN, srv.base + VOICE, params)
        assert srv.post(VOICE, params, signature=good).status_code == 200
        tampered = {**params, "From": "+19995550100"}
        assert srv.post(VOICE, tampered, signature=good).status_code == 403


def test_public_url_is_what_gets_validated_behind_a_proxy(tmp_path: Path) -> None:
    public = "https://ringback.example.com"
    settings = make_settings(tmp_path, public_url=public + "/")
    with Served(create_app(settings)) as srv:
        # Twilio signed the public URL; the request reaches us on loopback through a proxy.
        ok = srv.post(VOICE, voice_params(), signed_url=public + VOICE)
        root = twiml(ok)
        record = root.find("Record")
        assert record is not None
        assert record.attrib["recordingStatusCallback"].startswith(public + RECORDING + "?")
        assert record.attrib["action"] == public + "/telephony/twilio/recorded"
        # Signed for the loopback URL Twilio never called: refused.
        assert srv.post(VOICE, voice_params()).status_code == 403


def test_without_an_auth_token_every_webhook_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, twilio_auth_token=None)
    with Served(create_app(settings)) as srv:
        assert srv.post(VOICE, voice_params()).status_code == 403


# -- the recording callback: faults ---------------------------------------------------


def test_missing_parameters_get_a_clear_400_and_nothing_is_stored(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Served(create_app(settings)) as srv:
        no_sid = recording_params("", "https://api.twilio.com/x")
        del no_sid["RecordingSid"]
        reply = srv.post(RECORDING, no_sid)
        assert reply.status_code == 400
        assert reply.json() == {"error": "missing RecordingSid"}
        no_url = recording_params(recording_sid(2), "")
        assert srv.post(RECORDING, no_url).json() == {"error": "missing RecordingUrl"}
        bad_sid = recording_params("RE123", "https://api.twilio.com/x")
        assert "not a recording SID" in srv.post(RECORDING, bad_sid).json()["error"]
        not_http = recording_params(recording_sid(3), "file:///etc/passwd")
        assert srv.post(RECORDING, not_http).status_code == 400
        empty = srv.post(RECORDING, {})
        assert empty.status_code == 400
    assert count(settings.effective_database_url, TelephonyRecording) == 0


def test_download_404_is_retried_then_failed_metadata_kept_owner_emailed(
    tmp_path: Path,
) -> None:
    with smtp_server() as (port, inbox), recording_host() as host:
        settings = make_settings(tmp_path, **smtp_overrides(port))
        sid = recording_sid(404)
        url = host.recording_url(sid)  # never served: 404 on every try
        app = create_app(settings)
        with Served(app) as srv:
            reply = srv.post(CALLBACK, recording_params(sid, url))
            assert reply.status_code == 200
            assert reply.json() == {"recording_sid": sid, "status": "accepted"}
            assert app.state.jobs.join(30)
        (notice,) = inbox.wait(1)

    db = settings.effective_database_url
    failed = row(db, sid)
    assert failed.status is RecordingStatus.FAILED
    assert "gave up after 3 attempts" in (failed.error or "") and "404" in (failed.error or "")
    assert failed.attempts == 3
    assert host.count(sid) == 3 and all(ok for _, ok in host.hits)  # retried, authenticated
    # Everything needed to find the message again is kept.
    assert failed.recording_url == url and failed.call_sid and failed.from_number == CALLER
    assert failed.params and failed.params["RecordingSid"] == sid
    assert count(db, Voicemail) == 0

    assert "could not be fetched" in str(notice["Subject"])
    assert "+1 212-555-0199" in str(notice["Subject"])
    assert notice["To"] == "victor@example.com"
    assert notice["Importance"] == "high"
    body = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert sid in body and url in body and "404" in body
    assert f"ringback telephony retry {sid}" in body


def test_download_timeout_is_retried_then_failed(tmp_path: Path) -> None:
    with smtp_server() as (port, inbox), recording_host() as host:
        settings = make_settings(
            tmp_path,
            twilio_download_timeout=0.3,
            twilio_download_attempts=2,
            **smtp_overrides(port),
        )
        sid = recording_sid(408)
        url = host.add(sid, Media(body=b"RIFF" + b"\0" * 100, delay=1.5))
        app = create_app(settings)
        with Served(app) as srv:
            assert srv.post(CALLBACK, recording_params(sid, url)).status_code == 200
            assert app.state.jobs.join(30)
        (notice,) = inbox.wait(1)
    failed = row(settings.effective_database_url, sid)
    assert failed.status is RecordingStatus.FAILED
    assert "timed out" in (failed.error or "")
    assert host.count(sid) == 2
    assert "could not be fetched" in str(notice["Subject"])


def test_wrong_credentials_fail_at_once_with_the_reason(tmp_path: Path) -> None:
    with recording_host(password="another-token") as host:
        settings = make_settings(tmp_path)
        sid = recording_sid(401)
        url = host.add(sid, Media(body=b"RIFF"))
        app = create_app(settings)
        with Served(app) as srv:
            srv.post(CALLBACK, recording_params(sid, url))
            assert app.state.jobs.join(30)
    failed = row(settings.effective_database_url, sid)
    assert failed.status is RecordingStatus.FAILED
    assert "RINGBACK_TWILIO_AUTH_TOKEN" in (failed.error or "")
    assert host.count(sid) == 1  # no point retrying refused credentials
    # With no SMTP server configured the notice goes to the Maildir: nothing is lost.
    assert list((settings.data_dir / "mail" / "new").iterdir())


def test_huge_recording_is_refused_without_reading_it(tmp_path: Path) -> None:
    with smtp_server() as (port, inbox), recording_host() as host:
        settings = make_settings(tmp_path, max_upload_mb=1, **smtp_overrides(port))
        sid = recording_sid(0xB16)
        # Claims 5 GB: refused from the header, before a byte of it is stored.
        url = host.add(sid, Media(body=b"RIFF", content_length=5_000_000_000))
        sid2 = recording_sid(0xB17)
        # No length given up front, 2 MB streamed: cut off at the cap.
        url2 = host.add(sid2, Media(body=b"\0" * 2_000_000))
        app = create_app(settings)
        with Served(app) as srv:
            assert srv.post(CALLBACK, recording_params(sid, url)).status_code == 200
            assert srv.post(CALLBACK, recording_params(sid2, url2)).status_code == 200
            assert app.state.jobs.join(30)
        notices = inbox.wait(2)
    db = settings.effective_database_url
    for s in (sid, sid2):
        refused = row(db, s)
        assert refused.status is RecordingStatus.REJECTED
        assert "over the 1 MB limit" in (refused.error or "")
        assert host.count(s) == 1  # not retried
    assert count(db, Voicemail) == 0
    assert not list((settings.data_dir / "telephony" / "incoming").glob("*"))
    assert len(notices) == 2 and all("could not be fetched" in str(m["Subject"]) for m in notices)


def test_replayed_recording_sid_is_done_once(tmp_path: Path) -> None:
    with smtp_server() as (port, inbox), recording_host() as host:
        settings = make_settings(tmp_path, twilio_download_attempts=1, **smtp_overrides(port))
        sid = recording_sid(0x2E)
        url = host.recording_url(sid)
        app = create_app(settings)
        with Served(app) as srv:
            params = recording_params(sid, url)
            assert srv.post(CALLBACK, params).json()["status"] == "accepted"
            assert app.state.jobs.join(30)
            # Twilio retrying, and an attacker replaying a captured request: same answer.
            for _ in range(3):
                again = srv.post(CALLBACK, params)
                assert again.status_code == 200
                assert again.json() == {"recording_sid": sid, "status": "duplicate"}
            assert app.state.jobs.join(30)
        notices = inbox.wait(1, timeout=2)
    assert host.count(sid) == 1
    assert count(settings.effective_database_url, TelephonyRecording) == 1
    assert len(notices) == 1


def test_absent_recording_is_kept_as_such(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = create_app(settings)
    with recording_host() as host, Served(app) as srv:
        sid = recording_sid(0xAB5)
        params = recording_params(sid, host.recording_url(sid), RecordingStatus="absent")
        assert srv.post(CALLBACK, params).status_code == 200
        assert app.state.jobs.join(30)
    assert row(settings.effective_database_url, sid).status is RecordingStatus.ABSENT
    assert host.hits == []


def test_unfinished_recordings_are_picked_up_when_the_server_starts(tmp_path: Path) -> None:
    from ringback.db.migrate import upgrade
    from ringback.telephony import callbacks

    settings = make_settings(tmp_path, twilio_download_attempts=1)
    db = settings.effective_database_url
    upgrade(db)
    with recording_host() as host:
        sid = recording_sid(0x5EED)
        event = callbacks.parse_recording_callback(
            recording_params(sid, host.recording_url(sid)), {"from": CALLER}, settings
        )
        callbacks.accept(event, db)  # accepted by a server that then died
        app = create_app(settings)
        with Served(app):
            wait_for(lambda: host.count(sid) == 1, 20, "the resumed download")
            assert app.state.jobs.join(30)
    assert row(db, sid).status is RecordingStatus.FAILED


# -- everything else needs the login -------------------------------------------------


def test_non_webhook_routes_need_the_login(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, web_password="correct horse battery")
    with Served(create_app(settings)) as srv:
        assert srv.get("/api/telephony/recordings").status_code == 401
        wrong = srv.get("/api/telephony/recordings", auth=("ringback", "nope"))
        assert wrong.status_code == 401
        ok = srv.get("/api/telephony/recordings", auth=("ringback", "correct horse battery"))
        assert ok.status_code == 200 and ok.json() == {"recordings": []}
        for path in ("/docs", "/openapi.json", "/redoc"):
            assert srv.get(path).status_code == 404
        assert srv.get("/healthz").json() == {"status": "ok"}
        assert srv.get("/telephony/greetings/personal-0000000000000000.wav").status_code == 404
        # Webhooks only answer POST.
        assert srv.get(VOICE).status_code == 405


def test_without_a_web_password_the_api_is_closed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Served(create_app(settings)) as srv:
        reply = srv.get("/api/telephony/recordings", auth=("ringback", ""))
        assert reply.status_code == 401
        assert "RINGBACK_WEB_PASSWORD" in reply.json()["detail"]


def test_account_sid_constant_is_an_account_sid() -> None:
    assert ACCOUNT_SID.startswith("AC") and len(ACCOUNT_SID) == 34


# -- `ringback serve`, configured the documented way ---------------------------------


def test_ringback_serve_with_the_documented_settings(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import httpx

    from tests.support.net import free_port

    port = free_port()
    public = "https://voice.example.org/rb"
    env = {
        **os.environ,
        "RINGBACK_DATA_DIR": str(tmp_path / "data"),
        "RINGBACK_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RINGBACK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RINGBACK_PUBLIC_URL": public,
        "RINGBACK_OWNER_NAME": "Victor Hale",
    }
    env.pop("RINGBACK_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ringback", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(base + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                return False

        wait_for(up, 60, "ringback serve")
        params = voice_params()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        signed = sign(AUTH_TOKEN, public + VOICE, params)
        reply = httpx.post(
            base + VOICE, content=str(httpx.QueryParams(params)),
            headers={**form, "X-Twilio-Signature": signed}, timeout=10,
        )  # fmt: skip
        root = twiml(reply)
        assert [e.tag for e in root] == ["Say", "Record", "Hangup"]
        assert root[1].attrib["recordingStatusCallback"].startswith(public + RECORDING)
        unsigned = httpx.post(base + VOICE, content=str(httpx.QueryParams(params)), headers=form)
        assert unsigned.status_code == 403
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert "refused /telephony/twilio/voice" in output
    assert AUTH_TOKEN not in output
    assert (tmp_path / "data" / "ringback.db").exists()


def test_accept_is_idempotent_on_both_databases(db_url: str, tmp_path: Path) -> None:
    from ringback.telephony import callbacks, service

    settings = make_settings(tmp_path, database_url=db_url)
    sid = recording_sid(0xD0)
    event = callbacks.parse_recording_callback(
        recording_params(sid, "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/" + sid),
        {"from": CALLER, "to": OWNER, "line": "personal"},
        settings,
    )
    first = callbacks.accept(event, db_url)
    assert first[1] is True
    assert callbacks.accept(event, db_url) == (first[0], False)
    stored = row(db_url, sid)
    assert stored.status is RecordingStatus.RECEIVED and stored.from_number == CALLER
    assert stored.received_at.isoformat() == "2026-11-23T19:30:00+00:00"
    assert service.pending(settings) == [sid]


def test_failure_notice_for_a_prospect_line_reaches_the_owner_and_the_line(
    tmp_path: Path,
) -> None:
    from ringback.telephony.notices import build_fetch_failure

    settings = make_settings(
        tmp_path, prospect_numbers="+14155550111", prospect_notify_to="sales@example.com"
    )
    failed = TelephonyRecording(
        recording_sid=recording_sid(9),
        line="prospect",
        from_number=CALLER,
        to_number="+14155550111",
        recording_url="https://api.twilio.com/r",
        attempts=5,
    )
    from datetime import UTC, datetime

    failed.received_at = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)
    msg = build_fetch_failure(failed, settings, "gave up after 5 attempts: HTTP 404")
    assert msg["To"] == "victor@example.com, sales@example.com"
    assert str(msg["Subject"]).startswith("[Prospect] A voicemail could not be fetched")
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Call back:  tel:+12125550199" in body and "Mon 23 Nov" in body and "2:30 pm" in body


# -- call status callbacks → return tracking ------------------------------------------------


def test_call_status_callbacks_log_calls_once_and_mark_returns(tmp_path: Path) -> None:
    from ringback.contacts.service import add_contact
    from ringback.db.migrate import ensure_current
    from ringback.tracking.models import OutreachEvent
    from ringback.tracking.service import log_voicemail

    settings = make_settings(tmp_path)
    url = settings.effective_database_url
    ensure_current(url)
    with transaction(url) as session:
        contact = add_contact(session, name="Ann Lee", phones=[CALLER], region="US")
        left = log_voicemail(
            session,
            contact_id=contact.id,
            script="Hi Ann, this is Victor. Call me at 415 555 0100.",
            settings=settings,
        )
        voicemail_key = left.event.key
    status = "/telephony/twilio/status"
    base = {"CallSid": "CA" + "1" * 32, "From": CALLER, "To": OWNER, "Direction": "inbound"}
    with Served(create_app(settings)) as srv:
        ringing = srv.post(status, {**base, "CallStatus": "ringing"})
        done = srv.post(status, {**base, "CallStatus": "completed", "CallDuration": "42"})
        again = srv.post(status, {**base, "CallStatus": "completed", "CallDuration": "42"})
        stranger = srv.post(
            status,
            {**base, "CallSid": "CA" + "2" * 32, "From": "+12125550111", "CallStatus": "completed"},
        )
        forged = srv.post(status, {**base, "CallSid": "CA" + "3" * 32}, token="wrong")
    assert [r.status_code for r in (ringing, done, again, stranger)] == [200] * 4
    assert ringing.json()["status"].endswith("is not final")
    assert done.json() == {"status": "logged"}
    assert again.json() == {"status": "duplicate"}  # Twilio retries count once
    assert stranger.json() == {"status": "unknown contact"}
    assert forged.status_code == 403
    with transaction(url) as session:
        events = session.scalars(select(OutreachEvent)).all()
        assert len(events) == 2  # the voicemail left and the one inbound call
        mine = next(e for e in events if e.key == voicemail_key)
        assert mine.returned_by_id is not None  # Ann called back: the voicemail was returned


def test_the_server_takes_due_follow_ups_without_a_cron_job(tmp_path: Path) -> None:
    from datetime import timedelta

    from ringback.contacts.service import add_contact
    from ringback.db.base import utcnow
    from ringback.db.migrate import ensure_current
    from ringback.tracking.models import FollowUpSequence
    from ringback.tracking.service import log_voicemail

    settings = make_settings(tmp_path, followup_sweep_minutes=0.005)
    url = settings.effective_database_url
    ensure_current(url)
    with transaction(url) as session:
        contact = add_contact(session, name="Ann Lee", phones=[CALLER], region="US")
        log_voicemail(
            session,
            contact_id=contact.id,
            script="Hi Ann, this is Victor. Call me at 415 555 0100.",
            settings=settings,
            at=utcnow() - timedelta(days=12),  # never returned, well past 3 business days
        )
    assert count(url, FollowUpSequence) == 0
    with Served(create_app(settings)):
        wait_for(lambda: count(url, FollowUpSequence) == 1, what="the follow-up sweep")
    off = make_settings(tmp_path / "off", followup_sweep_minutes=0)
    ensure_current(off.effective_database_url)
    with transaction(off.effective_database_url) as session:
        contact = add_contact(session, name="Ann Lee", phones=[CALLER], region="US")
        log_voicemail(
            session,
            contact_id=contact.id,
            script="Hi Ann, this is Victor. Call me at 415 555 0100.",
            settings=off,
            at=utcnow() - timedelta(days=12),
        )
    with Served(create_app(off)) as srv:
        assert srv.get("/healthz").status_code == 200
    assert count(off.effective_database_url, FollowUpSequence) == 0  # switched off: none
