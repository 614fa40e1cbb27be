"""Voicemail with the recordings in an S3-compatible store (moto on loopback, real Whisper
tiny.en, real SMTP): the audio lands in the bucket, the inbox and the web player read it
from there, and a store that is down for a while loses nothing and sends one email."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringback.db.migrate import upgrade
from ringback.voicemail.pipeline import RetryPolicy, ingest, resume_pending
from ringback.voicemail.service import build_stages, ingest_kwargs
from ringback.web import create_app
from tests.conftest import Cli
from tests.support.accounts import add_user, sign_in
from tests.support.audio import needs_audio, voicemail_wav
from tests.support.mail import maildir_messages
from tests.support.s3 import S3Server, s3_server
from tests.support.smtp import smtp_settings

pytestmark = [pytest.mark.slow, needs_audio]


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def message() -> bytes:
    return voicemail_wav()


def spooled(data_dir: Path) -> list[Path]:
    """Originals still in the local spool (data_dir/recordings)."""
    root = data_dir / "recordings"
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


def test_inbox_add_keeps_the_audio_in_the_bucket_and_the_player_streams_it(
    cli_embedded: Cli, s3: S3Server, message: bytes, tmp_path: Path
) -> None:
    data_dir = Path(cli_embedded.env["RINGBACK_DATA_DIR"])
    cli_embedded.env.update(s3.settings_env("team"), RINGBACK_WHISPER_BEAM_SIZE="1")
    recording = tmp_path / "message.wav"
    recording.write_bytes(message)

    result = cli_embedded("inbox", "add", str(recording), "--json")
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)
    assert added["status"] == "done"
    location = added["original_path"]
    assert location.startswith(f"s3://{s3.bucket}/team/recordings/")
    key = location.removeprefix(f"s3://{s3.bucket}/")
    assert s3.body(key) == message  # the whole original, in the bucket
    assert [s["name"] for s in added["stages"]][:3] == ["store", "archive", "decode"]
    assert spooled(data_dir) == []  # the local copy went once the store had it
    (email,) = maildir_messages(data_dir)
    (audio,) = [p for p in email.iter_attachments() if p.get_content_type() == "audio/wav"]
    assert audio.get_content() == message

    shown = json.loads(cli_embedded("inbox", "show", str(added["id"]), "--json").stdout)
    assert shown["original_path"] == location
    assert "s3://" in cli_embedded("inbox", "show", str(added["id"])).stdout

    settings = s3.settings(data_dir, "team")
    add_user(settings.effective_database_url, name="Dana Wells")
    with TestClient(
        create_app(settings, prepare_database=False), base_url="http://127.0.0.1"
    ) as web:
        assert sign_in(web).status_code == 303
        whole = web.get(f"/inbox/{added['id']}/audio")
        assert whole.status_code == 200 and whole.content == message
        assert whole.headers["content-type"] == "audio/wav"
        part = web.get(f"/inbox/{added['id']}/audio", headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206 and part.content == message[100:1100]
        assert part.headers["content-range"] == f"bytes 100-1099/{len(message)}"
        tail = web.get(f"/inbox/{added['id']}/audio", headers={"Range": "bytes=-10"})
        assert tail.status_code == 206 and tail.content == message[-10:]
        beyond = web.get(f"/inbox/{added['id']}/audio", headers={"Range": f"bytes={len(message)}-"})
        assert beyond.status_code == 416
        # The API's audio URL serves the same object (the inbox page's way, not a file path).
        api = web.get(
            f"/api/v1/voicemails/{added['id']}/audio", headers={"Range": "bytes=100-1099"}
        )
        assert api.status_code == 206 and api.content == message[100:1100]


def test_a_store_down_for_a_while_loses_nothing_and_sends_one_email(
    s3: S3Server, smtpd: Any, message: bytes, tmp_path: Path
) -> None:
    smtp = smtpd()
    settings = smtp_settings(
        tmp_path, smtp.port, whisper_beam_size=1, callback_reread=False, **s3.values("outage")
    )
    url = settings.effective_database_url
    upgrade(url)
    stages = build_stages(settings, url)
    upload = tmp_path / "upload.wav"
    upload.write_bytes(message)

    # 1. The store is down at 'archive' for longer than the runner waits: the message is
    #    left 'received' (waiting for storage) with its original in the spool, no email.
    s3.proxy.off()
    waited: list[float] = []
    try:
        first = ingest(
            upload,
            source="upload",
            stages=stages,
            retry=RetryPolicy(storage_attempts=3),
            sleep=waited.append,
            **ingest_kwargs(settings),
        )
    finally:
        s3.proxy.on()
    assert first.status == "received" and "waiting for storage" in (first.status_reason or "")
    assert waited == [1.0, 2.0]  # it waited, backing off, between its three tries
    assert len(spooled(settings.data_dir)) == 1 and upload.is_file()
    assert smtp.handler.messages() == []

    # 2. The store is back: resuming finishes it, one email, the original in the bucket.
    (resumed,) = resume_pending(url, stages, sleep=waited.append)
    assert resumed.status == "done" and resumed.location
    assert s3.body(resumed.location.removeprefix(f"s3://{s3.bucket}/")) == message
    assert spooled(settings.data_dir) == []

    # 3. Down again while a worker reads the original back (a message archived by another
    #    machine): the job waits, the store comes back during the wait, it completes.
    other = tmp_path / "other.wav"
    other.write_bytes(message + b"\0\0")  # other bytes, so another object
    archive_only = [s for s in stages if s.name in ("store", "archive")]
    kept = ingest(other, source="upload", stages=archive_only, **ingest_kwargs(settings))
    assert kept.status == "done"  # store + archive were all it had to do
    from ringback.db.session import transaction
    from ringback.voicemail.models import Voicemail, VoicemailStatus

    with transaction(url) as session:  # hand it to a full worker run, as a queue would
        row = session.get(Voicemail, kept.id)
        assert row is not None
        row.status = VoicemailStatus.PROCESSING
    s3.proxy.off()

    def back_on(seconds: float) -> None:
        waited.append(seconds)
        s3.proxy.on()

    (second,) = resume_pending(url, stages, sleep=back_on)
    assert second.status == "done", second.status_reason
    decode = next(s for s in second.stages if s.name == "decode")
    assert decode.attempts == 2  # failed once while the store was down, then read it
    # One email per message, counted at the SMTP server.
    assert len(smtp.handler.messages()) == 2


def test_a_message_handed_to_the_workers_is_in_the_bucket_before_its_job_is_queued(
    s3: S3Server, message: bytes, tmp_path: Path
) -> None:
    """A worker on another machine cannot read this machine's spool: by the time its job
    is queued, the original must already be in the object store."""
    from ringback.jobs import Job
    from ringback.voicemail.jobs import store_and_queue

    settings = s3.settings(tmp_path / "data", prefix="handover")
    upgrade(settings.effective_database_url)
    seen: list[tuple[Job, list[str]]] = []

    class Recorder:
        name = "recorder"

        def submit(self, job: Job) -> None:
            seen.append((job, s3.object_keys()))

    recording = tmp_path / "message.wav"
    recording.write_bytes(message)
    result = store_and_queue(recording, settings, Recorder())

    [(job, keys_then)] = seen
    assert job.ref == str(result.id)
    assert any(k.startswith("handover/recordings/") for k in keys_then)
