"""No credentials to strangers: the recording callback fetches with the Twilio account SID
and auth token only from the hosts in RINGBACK_TWILIO_API_HOSTS.

Two real HTTP servers on loopback: the recording host (127.0.0.1, listed, checks the
basic-auth credentials) and a stranger (127.0.0.2, not listed) that serves anything and
notes whether an Authorization header reached it. The webhook runs under uvicorn with the
real signature check, the database is SQLite and the real PostgreSQL server, and the
owner's notice arrives at a real aiosmtpd server.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

from ringback.config import Settings
from ringback.db.session import transaction
from ringback.telephony import service
from ringback.telephony.download import DownloadError, HttpRecordingDownloader
from ringback.telephony.models import RecordingStatus, TelephonyRecording
from ringback.telephony.worker import ThreadJobQueue
from ringback.web import create_app
from tests.support.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    Media,
    Served,
    callback_path,
    make_settings,
    recording_host,
    recording_params,
    recording_sid,
    smtp_overrides,
    smtp_server,
    stranger_host,
)

pytest.importorskip("aiosmtpd")

BASIC = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


def recording_row(url: str, sid: str) -> TelephonyRecording:
    with transaction(url) as session:
        row = session.query(TelephonyRecording).filter_by(recording_sid=sid).one()
        session.expunge(row)
        return row


def test_a_signed_callback_naming_another_host_gets_no_credentials(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with smtp_server() as (port, inbox), stranger_host() as stranger:
        settings = make_settings(tmp_path, database_url=db_url, **smtp_overrides(port))
        sid = recording_sid(0xBAD)
        url = f"{stranger.base}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"
        app = create_app(settings, jobs=ThreadJobQueue(service.RecordingJob(settings)))
        with caplog.at_level(logging.INFO), Served(app) as srv:
            reply = srv.post(callback_path(), recording_params(sid, url))
            assert reply.status_code == 200  # Twilio signed it: accepted, then refused
            assert app.state.jobs.join(30)
        (notice,) = inbox.wait(1)

    assert stranger.hits == []  # not a single request, so certainly no credentials
    row = recording_row(db_url, sid)
    assert row.status is RecordingStatus.FAILED
    reason = row.error or ""
    assert "refusing to send the Twilio credentials to 127.0.0.2" in reason
    assert "RINGBACK_TWILIO_API_HOSTS" in reason  # says what to change if it is yours
    assert row.recording_url == url and row.from_number == CALLER  # nothing lost
    # Logged with the reason, never the token.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("ringback"))
    assert f"recording {sid} could not be fetched: refusing" in logged
    assert AUTH_TOKEN not in logged and BASIC.split()[1] not in logged
    # The owner hears of it like any other failed download.
    assert "could not be fetched" in str(notice["Subject"])
    body = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "refusing to send the Twilio credentials" in body and AUTH_TOKEN not in body


def downloader(settings: Settings) -> HttpRecordingDownloader:
    downloader = service.default_downloader(settings)
    assert isinstance(downloader, HttpRecordingDownloader)
    return downloader


def test_a_redirect_off_the_list_is_followed_without_credentials(tmp_path: Path) -> None:
    """Twilio answers a media request with a redirect to its storage: that host gets the
    request (the URL is pre-signed) but not the account's credentials."""
    audio = b"RIFF" + b"\1" * 300
    with recording_host() as host, stranger_host(audio) as stranger:
        sid = recording_sid(0x302)
        url = host.add(sid, Media(location=f"{stranger.base}/signed/{sid}.wav?sig=x"))
        fetched = downloader(make_settings(tmp_path)).fetch(url, tmp_path / "r.wav")
    assert fetched.path.read_bytes() == audio
    assert host.hits and all(authorised for _, authorised in host.hits)
    assert stranger.hits == [(f"/signed/{sid}.wav?sig=x", None)]


def test_the_listed_hosts_get_the_credentials_and_nothing_else(tmp_path: Path) -> None:
    with stranger_host() as stranger:
        listed = make_settings(tmp_path, twilio_api_hosts="127.0.0.2")
        downloader(listed).fetch(f"{stranger.base}/a", tmp_path / "a.wav")
        with pytest.raises(DownloadError, match=r"credentials to 127\.0\.0\.2"):
            downloader(make_settings(tmp_path)).fetch(f"{stranger.base}/b", tmp_path / "b.wav")
        wildcard = make_settings(tmp_path, twilio_api_hosts="api.*.twilio.com,127.0.0.1")
        with pytest.raises(DownloadError, match="not a Twilio API host"):
            downloader(wildcard).fetch(f"{stranger.base}/c", tmp_path / "c.wav")
    assert stranger.hits == [("/a.wav", BASIC)]
    assert not (tmp_path / "b.wav").exists()


def test_a_bad_api_hosts_setting_is_a_clear_error(cli_embedded: object) -> None:
    from tests.conftest import Cli

    assert isinstance(cli_embedded, Cli)
    cli_embedded.env["RINGBACK_TWILIO_API_HOSTS"] = "*.com"
    result = cli_embedded("config")
    assert result.exit_code == 1
    assert "RINGBACK_TWILIO_API_HOSTS" in result.output and "too broad" in result.output
    assert "Traceback" not in result.output
