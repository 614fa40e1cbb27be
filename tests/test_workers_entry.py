"""With RINGBACK_QUEUE=celery the other entry points store and queue too: the Twilio
recording webhook and the consume folder (real Redis; no worker needed to see the job)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.audio import needs_audio
from tests.support.twilio import (
    Media,
    Served,
    callback_path,
    make_settings,
    recording_host,
    recording_params,
    recording_sid,
)
from tests.support.workers import (
    REDIS_URL,
    Workers,
    broker_down_reason,
    queue_length,
    short_clip,
    workers,
)

pytestmark = pytest.mark.skipif(
    broker_down_reason(REDIS_URL) is not None, reason=str(broker_down_reason(REDIS_URL))
)


def test_recording_webhook_queues_the_download_for_the_workers(tmp_path: Path) -> None:
    from ringback.jobs import CeleryJobQueue
    from ringback.web import create_app

    prefix = f"t{uuid.uuid4().hex[:10]}-"
    settings = make_settings(tmp_path, queue="celery", broker_url=REDIS_URL, queue_prefix=prefix)
    purge = Workers(tmp_path, settings.effective_database_url, REDIS_URL, prefix=prefix)
    try:
        app = create_app(settings)
        assert isinstance(app.state.jobs, CeleryJobQueue)
        with recording_host() as host, Served(app) as srv:
            sid = recording_sid(7)
            url = host.add(sid, Media(body=b"RIFF"))
            answer = srv.post(callback_path(), recording_params(sid, url))
            assert answer.status_code in (200, 204)
            assert host.hits == []  # the server itself fetched nothing: a worker will
        assert queue_length(REDIS_URL, prefix + "transcribe") == 1
    finally:
        purge.purge()


@needs_audio
def test_consume_folder_stores_each_file_and_queues_it(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.wav").write_bytes(short_clip(3))
    data = tmp_path / "data"
    with workers(data, f"sqlite:///{data / 'rb.db'}", REDIS_URL) as run:
        watched = run.run("inbox", "watch", str(drop), "--once")
        assert watched.returncode == 0, watched.stderr
        assert "a.wav: voicemail #1 queued" in watched.stdout
        assert (drop / "archive" / "a.wav").is_file()  # stored: the original moved aside
        assert queue_length(REDIS_URL, run.prefix + "transcribe") == 1
