"""The runner: stage records, retries with backoff, failure, rejection, idempotent ingest, resume."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ringback.voicemail.models import StageStatus
from ringback.voicemail.pipeline import (
    PermanentError,
    RetryPolicy,
    Stage,
    VoicemailContext,
    default_stages,
    resume_pending,
)
from tests.support.pipeline import (
    STAGES,
    FakeTranscriber,
    FileNotifier,
    Interrupt,
    Pipe,
    click,
    pipe_rows,
    speech_8k,
    wav_bytes,
)


@pytest.fixture
def pipe(db_url: str, tmp_path: Path) -> Pipe:
    return Pipe(db_url, tmp_path)


@pytest.fixture(scope="module")
def message_wav() -> bytes:
    return wav_bytes(speech_8k(3.0))


def test_happy_path_records_every_stage(pipe: Pipe, message_wav: bytes) -> None:
    received = datetime(2026, 11, 23, 15, 12, tzinfo=UTC)
    result = pipe.ingest(
        message_wav, from_number="+14155550137", received_at=received, filename="vm.wav"
    )
    assert result.status == "done", result
    assert result.created
    assert [s.name for s in result.stages] == STAGES
    assert all(s.status == "done" and s.attempts == 1 for s in result.stages)
    rows = pipe.stage_rows(result.id)
    assert all(r.duration_ms is not None and r.finished_at for r in rows.values())
    assert rows["decode"].output["codec"] == "pcm_s16le"
    assert rows["decode"].output["sample_rate"] == 8000
    assert rows["detect_speech"].output["speech_seconds"] > 1.0
    row = pipe.row(result.id)
    assert row.transcript and row.transcript.startswith("Hi, this is Sarah")
    assert row.language == "en"
    assert row.words and set(row.words[0]) == {"text", "start", "end", "probability"}
    assert row.facts == {
        "caller_name": "Sarah Chen",
        "callback_number": "+14155550137",
        "urgent": False,
    }
    assert row.received_at == received and row.from_number == "+14155550137"
    assert row.duration == pytest.approx(3.04, abs=0.01)
    assert row.email_key == f"ringback-voicemail-{result.id}-{row.uid}" and len(row.uid) == 32
    assert row.original_path and Path(row.original_path).read_bytes() == message_wav
    assert row.original_filename == "vm.wav" and row.mime == "audio/wav"
    # The transcriber got 16 kHz mono: twice as many samples as the 8 kHz original.
    (samples,) = pipe.transcriber.seen_samples
    assert samples == pytest.approx(2 * len(speech_8k(3.0)), abs=32)
    assert len(pipe.notifier.sent()) == 1
    assert pipe.sleeps == []


def test_same_recording_twice_is_one_voicemail(pipe: Pipe, message_wav: bytes) -> None:
    first = pipe.ingest(message_wav)
    second = pipe.ingest(message_wav, filename="again.wav")
    assert second.id == first.id and not second.created and second.status == "done"
    assert pipe.transcriber.calls == 1 and pipe.notifier.calls == 1
    keyed = pipe.ingest(message_wav, source="asterisk", source_key="asterisk:1700000000-1")
    assert keyed.id != first.id and keyed.original_path == first.original_path
    again = pipe.ingest(b"different bytes entirely", source_key="asterisk:1700000000-1")
    assert again.id == keyed.id and not again.created


def test_transient_failure_retried_with_backoff(db_url: str, tmp_path: Path, message_wav: bytes):
    pipe = Pipe(db_url, tmp_path, FakeTranscriber(fail_times=2))
    result = pipe.ingest(message_wav)
    assert result.status == "done"
    transcribe = pipe.stage_rows(result.id)["transcribe"]
    assert transcribe.attempts == 3 and transcribe.status == StageStatus.DONE
    assert transcribe.error is None
    assert pipe.sleeps == [0.5, 1.0], "exponential backoff through the injected sleep"
    assert len(pipe.notifier.sent()) == 1


def test_permanent_failure_keeps_error_and_original(
    db_url: str, tmp_path: Path, message_wav: bytes
) -> None:
    pipe = Pipe(db_url, tmp_path, FakeTranscriber(fail_times=99))
    result = pipe.ingest(message_wav)
    assert result.status == "failed"
    assert result.status_reason == (
        "transcribe failed after 3 attempts: RuntimeError: transcriber hiccup #3"
    )
    rows = pipe.stage_rows(result.id)
    assert rows["transcribe"].status == StageStatus.FAILED and rows["transcribe"].attempts == 3
    assert "RuntimeError: transcriber hiccup #3" in (rows["transcribe"].error or "")
    assert "Traceback" in (rows["transcribe"].error or "")
    assert rows["notify"].status == StageStatus.PENDING
    assert result.original_path and result.original_path.read_bytes() == message_wav
    assert pipe.notifier.sent() == []
    assert pipe.sleeps == [0.5, 1.0]

    # Failed is final for resume_pending() unless asked; then the stage gets fresh attempts.
    assert resume_pending(pipe.url, pipe.stages()) == []
    pipe.transcriber.fail_times = 0
    (retried,) = resume_pending(pipe.url, pipe.stages(), include_failed=True)
    assert retried.status == "done" and len(pipe.notifier.sent()) == 1


def test_permanent_error_is_not_retried(pipe: Pipe, message_wav: bytes) -> None:
    pipe.transcriber.fail_times = 1
    pipe.transcriber.error = PermanentError
    result = pipe.ingest(message_wav)
    assert result.status == "failed"
    assert pipe.stage_rows(result.id)["transcribe"].attempts == 1
    assert pipe.sleeps == []


def test_hang_up_is_no_message_and_not_sent(pipe: Pipe) -> None:
    result = pipe.ingest(wav_bytes(click(3.0)))
    assert result.status == "no_message"
    assert result.status_reason == "no message: 0.0 s of speech"
    statuses = {s.name: s.status for s in result.stages}
    assert statuses == {
        "store": "done",
        "decode": "done",
        "detect_speech": "done",
        "transcribe": "skipped",
        "extract": "skipped",
        "notify": "skipped",
    }
    assert pipe.transcriber.calls == 0 and pipe.notifier.sent() == []


def test_hang_up_can_be_notified_when_configured(pipe: Pipe) -> None:
    stages = default_stages(
        transcriber=pipe.transcriber,
        extractor=pipe.extractor,
        notifier=pipe.notifier,
        notify_no_message=True,
    )
    result = pipe.ingest(wav_bytes(click(3.0)), stages=stages)
    assert result.status == "no_message"
    assert len(pipe.notifier.sent()) == 1


class ExplodingNotifier(FileNotifier):
    def notify(self, message, *, idempotency_key):  # type: ignore[no-untyped-def]
        super().notify(message, idempotency_key=idempotency_key)
        raise Interrupt  # sent, but the process dies before 'notify' is recorded as done


def test_interrupted_after_sending_resumes_without_second_email(
    pipe: Pipe, tmp_path: Path, message_wav: bytes
) -> None:
    exploding = ExplodingNotifier(tmp_path / "sent")
    stages = default_stages(
        transcriber=pipe.transcriber, extractor=pipe.extractor, notifier=exploding
    )
    with pytest.raises(Interrupt):
        pipe.ingest(message_wav, stages=stages)
    (vm,) = pipe_rows(pipe)
    assert vm.status == "processing"
    rows = pipe.stage_rows(vm.id)
    assert rows["notify"].status == StageStatus.RUNNING and rows["transcribe"].status == "done"
    # The same recording arriving again must not start a second, concurrent pipeline.
    again = pipe.ingest(message_wav)
    assert (again.id, again.status, again.created) == (vm.id, "processing", False)

    results = resume_pending(pipe.url, pipe.stages())
    assert [r.status for r in results] == ["done"]
    assert pipe.transcriber.calls == 1, "the finished transcript is reloaded, not redone"
    assert pipe.extractor.calls == 1
    assert len(pipe.notifier.sent()) == 1, "the idempotency key stops a second email"
    assert pipe.stage_rows(vm.id)["notify"].attempts == 2
    assert pipe.row(vm.id).transcript == pipe.transcriber.text


def test_stage_killing_the_process_every_time_ends_failed(pipe: Pipe, message_wav: bytes) -> None:
    class Killer(Stage):
        name = "killer"

        def run(self, ctx: VoicemailContext) -> VoicemailContext:
            raise Interrupt

    policy = RetryPolicy(max_attempts=2)
    for _ in range(2):
        with pytest.raises(Interrupt):
            if not pipe_rows(pipe):
                pipe.ingest(message_wav, stages=[Killer()], retry=policy)
            else:
                resume_pending(pipe.url, [Killer()], retry=policy)
    (result,) = resume_pending(pipe.url, [Killer()], retry=policy)
    assert result.status == "failed"
    assert result.status_reason == "killer: interrupted 2 times; giving up"


def test_store_only_then_resume(pipe: Pipe, message_wav: bytes) -> None:
    stored = pipe.ingest(message_wav, stages=None)
    assert stored.status == "received" and [s.name for s in stored.stages] == ["store"]
    (done,) = resume_pending(pipe.url, pipe.stages())
    assert done.id == stored.id and done.status == "done"


def test_bad_inputs_end_in_a_clear_status(pipe: Pipe, tmp_path: Path) -> None:
    empty = pipe.ingest(b"", filename="empty.wav")
    assert (empty.status, empty.status_reason) == ("rejected", "empty file")
    assert empty.original_path and empty.original_path.exists()

    pdf = tmp_path / "invoice.wav"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 20)
    rejected = pipe.ingest(pdf)
    assert rejected.status == "rejected"
    assert rejected.status_reason == "not audio: Invalid data found when processing input"
    assert rejected.original_path and rejected.original_path.read_bytes() == pdf.read_bytes()
    statuses = {s.name: s.status for s in rejected.stages}
    assert statuses["decode"] == "failed" and statuses["notify"] == "skipped"
    assert pipe.stage_rows(rejected.id)["decode"].attempts == 1, "a rejection is not retried"

    big = tmp_path / "huge.wav"
    big.write_bytes(b"\0" * 4096)
    refused = pipe.ingest(big, max_bytes=1024)
    assert refused.status == "rejected" and refused.original_path is None
    assert (refused.status_reason or "").startswith("file too large: 0.0 MB is above the")
    again = pipe.ingest(big, max_bytes=1024)
    assert again.id == refused.id and not again.created
    assert pipe.notifier.sent() == [] and pipe.transcriber.calls == 0


def test_migration_matches_the_voicemail_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ringback.db.models import metadata
    from ringback.db.session import get_engine

    with get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    ours = [d for d in diffs if "voicemail" in repr(d)]
    assert ours == []
