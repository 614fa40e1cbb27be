"""`ringback jobs` and `inbox add` (with the Celery queue) as a user reads them: a voicemail
already done is not said to be in progress and the command to look at it is named; a
failed job's long reason is wrapped to 80 columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ringback.db.migrate import ensure_current
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailStatus
from ringback.voicemail.pipeline import ingest
from tests.support.pipeline import speech_8k, wav_bytes

REASON = (
    "gave up after 9 attempts: OperationalError: connection failed: connection to server "
    "at 127.0.0.1, port 5433 failed: Connection refused. Is the server running?"
)


def _done_voicemail(tmp_path: Path, audio: bytes, status: str = VoicemailStatus.DONE) -> int:
    """A voicemail of ``audio`` in the CLI's data directory, its processing done."""
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'ringback.db'}"
    data.mkdir(parents=True, exist_ok=True)
    ensure_current(url)
    vm = ingest(audio, source="upload", url=url, data_dir=data, region="US")
    with transaction(url) as session:
        row = session.get(Voicemail, vm.id)
        assert row is not None
        row.status = status
        row.status_reason = REASON if status == VoicemailStatus.FAILED else None
    return vm.id


def test_retrying_a_finished_job_says_which_voicemail_to_look_at(
    cli_embedded: Any, tmp_path: Path
) -> None:
    vid = _done_voicemail(tmp_path, wav_bytes(speech_8k(1.0)))
    done = cli_embedded("jobs", "retry", str(vid))
    assert done.exit_code == 1 and "nothing to retry" in done.output
    assert f"ringback inbox show {vid}`" in done.output  # a command to paste, not "ID"


def test_a_recording_already_done_is_not_said_to_be_in_progress(
    cli_embedded: Any, tmp_path: Path
) -> None:
    audio = wav_bytes(speech_8k(1.0))
    vid = _done_voicemail(tmp_path, audio)
    again = tmp_path / "again.wav"
    again.write_bytes(audio)
    cli_embedded.env.update(  # no broker answers there: a duplicate needs none
        RINGBACK_QUEUE="celery", RINGBACK_BROKER_URL="redis://127.0.0.1:9/0"
    )
    said = cli_embedded("inbox", "add", str(again))
    assert said.exit_code == 0, said.output
    assert f"Voicemail #{vid}: done (already in the inbox)" in said.output
    assert "see progress" not in said.output and f"ringback inbox show {vid}" in said.output


def test_a_failed_jobs_long_reason_is_wrapped_to_80_columns(
    cli_embedded: Any, tmp_path: Path
) -> None:
    vid = _done_voicemail(tmp_path, wav_bytes(speech_8k(1.0)), VoicemailStatus.FAILED)
    shown = cli_embedded("jobs", "list", "--failed")
    assert shown.exit_code == 0 and f"#{vid} voicemail failed" in shown.output
    lines = shown.output.splitlines()
    assert max(len(line) for line in lines) <= 80, shown.output
    assert REASON in " ".join(line.strip() for line in lines)  # all of it, in order


def test_worker_commands_are_refused_with_the_embedded_queue_and_say_what_to_set(
    cli_embedded: Any,
) -> None:
    worker = cli_embedded("worker")
    assert worker.exit_code == 1
    assert "nothing is sent to workers" in worker.output
    assert "RINGBACK_QUEUE=celery" in worker.output
    stale = cli_embedded("jobs", "retry", "--stale")
    assert stale.exit_code == 1
    assert "--stale is for RINGBACK_QUEUE=celery" in stale.output
    assert "ringback inbox resume" in stale.output
