"""`ringback serve` with the embedded queue picks up work that stopped moving while it
runs (a message left waiting for an object store that was down longer than the pipeline
waits, a `ringback inbox add` cut short): the message is finished and emailed once,
without a restart or `ringback inbox resume`. Real Whisper tiny.en in the server's worker
process, a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ringback.db.migrate import upgrade
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailStatus
from ringback.voicemail.pipeline import ingest, load_result
from ringback.voicemail.service import build_stages, ingest_kwargs
from ringback.web import create_app
from ringback.web.background import ServerJob, stalled_jobs
from tests.support.audio import needs_audio, voicemail_wav
from tests.support.twilio import Served, make_settings, smtp_overrides, wait_for


def _left_waiting(settings: Any, audio: Path) -> int:
    """A message stored (stage 'store' done) whose pipeline then gave up waiting for the
    store: 'received', with the runner's reason, as the pipeline leaves it."""
    url = settings.effective_database_url
    store_only = [s for s in build_stages(settings, url) if s.name == "store"]
    stored = ingest(audio, source="upload", stages=store_only, **ingest_kwargs(settings))
    with transaction(url) as session:
        row = session.get(Voicemail, stored.id)
        assert row is not None
        row.status = VoicemailStatus.RECEIVED
        row.status_reason = "waiting for storage (archive): the store did not answer"
    return stored.id


@pytest.mark.slow
@needs_audio
def test_a_message_left_waiting_is_finished_by_the_running_server_and_emailed_once(
    tmp_path: Path, smtpd: Callable[..., Any]
) -> None:
    smtp = smtpd()
    settings = make_settings(
        tmp_path,
        stale_job_seconds=1,
        whisper_beam_size=1,
        callback_reread=False,
        **smtp_overrides(smtp.port),
    )
    upgrade(settings.effective_database_url)
    audio = tmp_path / "message.wav"
    audio.write_bytes(voicemail_wav())
    with Served(create_app(settings)):
        vid = _left_waiting(settings, audio)  # while the server runs, after its start-up
        url = settings.effective_database_url
        wait_for(lambda: load_result(url, vid).status == "done", 180, "the message finished")
    assert load_result(url, vid).status_reason is None
    (email,) = smtp.handler.messages()
    assert "voicemail" in str(email["Subject"]).lower()


def test_only_work_not_moving_and_not_held_is_picked_up_and_once_a_period(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    url = settings.effective_database_url
    upgrade(url)
    now = datetime.now(UTC)
    with transaction(url) as session:
        rows = {
            name: Voicemail(
                source="upload",
                source_key=name,
                received_at=now,
                status=status,
                claimed_by="elsewhere:1:a" if claimed else None,  # another host's runner
                claimed_until=claimed,
            )
            for name, status, claimed in (
                ("stalled", VoicemailStatus.RECEIVED, None),
                ("claimed", VoicemailStatus.PROCESSING, now + timedelta(days=1)),
                ("done", VoicemailStatus.DONE, None),
            )
        }
        session.add_all(rows.values())
        session.flush()
        ids = {name: row.id for name, row in rows.items()}
        for row in rows.values():
            row.updated_at = now - timedelta(minutes=20)
    later = now + timedelta(seconds=1)
    period = timedelta(minutes=10)
    assert stalled_jobs(settings, older_than=period, now=later) == [f"voicemail:{ids['stalled']}"]
    # Looked at: not named again until another period has passed without it moving.
    assert stalled_jobs(settings, older_than=period, now=later) == []
    assert stalled_jobs(settings, older_than=period, now=later + period * 2) == [
        f"voicemail:{ids['stalled']}"
    ]


def test_the_server_job_sends_a_message_key_to_the_pipeline_and_a_sid_to_the_download() -> None:
    seen: list[tuple[str, str]] = []
    job = ServerJob(
        recordings=lambda key: seen.append(("recording", key)),
        voicemails=lambda key: seen.append(("voicemail", key)),
    )
    job("RE" + "0" * 32)
    job("voicemail:42")
    assert seen == [("recording", "RE" + "0" * 32), ("voicemail", "42")]
