"""/metrics after a real voicemail: Twilio's callback, the download, Whisper tiny.en, the
email at a real SMTP server; then the counters, the histograms and the webhook timing
have moved, and the text parses as Prometheus'. Nobody signed in gets 401."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ringback.accounts.sessions import create_token
from ringback.db.session import transaction
from ringback.web import create_app
from tests.support.accounts import add_user
from tests.support.audio import needs_audio, voicemail_wav
from tests.support.twilio import (
    Media,
    Served,
    callback_path,
    make_settings,
    recording_host,
    recording_params,
    recording_sid,
    smtp_overrides,
    smtp_server,
)

pytest.importorskip("aiosmtpd")


def scrape(srv: Served, token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = srv.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(reply.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.slow
@needs_audio
def test_metrics_move_after_a_real_voicemail_and_need_a_token(tmp_path: Path) -> None:
    with smtp_server() as (port, inbox), recording_host() as host:
        settings = make_settings(tmp_path, **smtp_overrides(port))
        sid = recording_sid(0xBEEF)
        url = host.add(sid, Media(body=voicemail_wav()))
        app = create_app(settings)
        with Served(app) as srv:
            with transaction(settings.effective_database_url) as db:
                _, token = create_token(db, add_user(settings.effective_database_url), "prom")
            assert httpx.get(srv.base + "/metrics", timeout=10).status_code == 401
            before = scrape(srv, token)
            assert value(before, "ringback_jobs_total", kind="voicemail", outcome="done") == 0
            hung_up = format_datetime(datetime.now(UTC))
            params = recording_params(sid, url, RecordingStartTime=hung_up)
            assert srv.post(callback_path(), params).json()["status"] == "accepted"
            assert app.state.jobs.join(300)
            assert len(inbox.wait(1)) == 1
            after = scrape(srv, token)

    assert value(after, "ringback_jobs_total", kind="voicemail", outcome="done") == 1
    assert value(after, "ringback_jobs_total", kind="download", outcome="ingested") == 1
    assert value(after, "ringback_jobs_total", kind="mail", outcome="sent") == 1
    assert value(after, "ringback_queue_depth", queue="transcribe") == 0
    assert value(after, "ringback_queue_depth", queue="mail") == 0
    # One transcription, faster than real time on this machine's CPU for tiny.en.
    assert value(after, "ringback_transcription_rtf_count") == 1
    assert 0 < value(after, "ringback_transcription_rtf_sum") < 5
    assert value(after, "ringback_transcription_rtf_bucket", le="+Inf") == 1
    # Hang-up to email: one observation, seconds (not the days a wrong clock would give).
    assert value(after, "ringback_hangup_to_email_seconds_count") == 1
    assert 0 < value(after, "ringback_hangup_to_email_seconds_sum") < 300
    # The webhook that took the recording was timed in this process.
    assert value(after, "ringback_webhook_seconds_count", route="recording") == 1
    assert value(after, "ringback_database_up") == 1


def test_metrics_are_not_public(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ringback.db.migrate import upgrade

    settings = make_settings(tmp_path)
    upgrade(settings.effective_database_url)
    client = TestClient(create_app(settings, prepare_database=False), base_url="http://127.0.0.1")
    reply = client.get("/metrics", headers={"accept": "text/html"})
    assert reply.status_code == 401
    assert "ringback_" not in reply.text
    reply = client.get("/metrics", headers={"Authorization": "Bearer not-a-token"})
    assert reply.status_code == 401


def test_a_refused_scrape_gets_the_apis_error_body(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ringback.db.migrate import upgrade
    from tests.support.api import error_of

    settings = make_settings(tmp_path)
    url = settings.effective_database_url
    upgrade(url)
    rep = add_user(url, "rep@example.com", role="rep")
    with transaction(url) as db:
        token = create_token(db, rep, "scraper")[1]
    client = TestClient(create_app(settings, prepare_database=False), base_url="http://127.0.0.1")
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        reply = client.get("/metrics", headers=headers)
        assert reply.status_code == 401
        error = error_of(reply)
        assert error["code"] == "unauthorized" and "ringback tokens create" in error["hint"]
    reply = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 403 and error_of(reply)["code"] == "forbidden"
