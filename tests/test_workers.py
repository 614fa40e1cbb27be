"""RINGBACK_QUEUE=celery: the backend switch, and voicemail through real `ringback worker`
processes on the real Redis and RabbitMQ, with real Whisper and a real SMTP server."""

from __future__ import annotations

import json
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ringback.config import Settings
from ringback.jobs import (
    CeleryBackend,
    EmbeddedBackend,
    Job,
    JobKind,
    QueueUnavailable,
    backend_from_settings,
)
from ringback.voicemail.models import Voicemail, VoicemailStage
from tests.support.audio import needs_audio
from tests.support.net import free_port
from tests.support.workers import (
    AMQP_URL,
    REDIS_URL,
    broker_down_reason,
    long_clip,
    needs_redis,
    queue_length,
    short_clip,
    smtp_env,
    wait_until,
    workers,
)

needs_amqp = pytest.mark.skipif(
    broker_down_reason(AMQP_URL) is not None, reason=str(broker_down_reason(AMQP_URL))
)


def _settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **values)  # type: ignore[call-arg]


# -- (a) the switch -----------------------------------------------------------------------


def test_embedded_is_the_default_and_runs_the_job_in_this_process(tmp_path: Path) -> None:
    ran: list[str] = []
    backend = backend_from_settings(_settings(tmp_path), {JobKind.VOICEMAIL: ran.append})
    assert isinstance(backend, EmbeddedBackend)
    backend.submit(Job(JobKind.VOICEMAIL, "7"))
    assert ran == ["7"]  # done before submit returned: what `inbox add` always did


def test_celery_queue_is_chosen_by_the_setting_and_unknown_ones_are_refused(
    tmp_path: Path,
) -> None:
    assert isinstance(backend_from_settings(_settings(tmp_path, queue="Celery")), CeleryBackend)
    with pytest.raises(ValueError, match="use embedded or celery"):
        _settings(tmp_path, queue="rq")


def test_a_broker_that_is_down_is_reported_with_what_to_do(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, queue="celery", broker_url=f"redis://:pw@127.0.0.1:{free_port()}/0"
    )
    with pytest.raises(QueueUnavailable) as caught:
        CeleryBackend(settings).submit(Job(JobKind.VOICEMAIL, "1"))
    assert "RINGBACK_BROKER_URL" in caught.value.hint
    assert ":pw@" not in str(caught.value)  # the broker's password is never shown


def test_worker_refuses_to_start_on_the_embedded_queue(cli_embedded: Any) -> None:
    result = cli_embedded("worker")
    assert result.exit_code == 1
    assert "RINGBACK_QUEUE=celery" in result.output


@needs_redis
@needs_audio
def test_inbox_add_on_celery_stores_queues_and_returns(tmp_path: Path) -> None:
    """No worker runs: the message is kept, its job waits on the broker's transcribe queue,
    and `jobs list` shows it waiting."""
    data = tmp_path / "data"
    clip = tmp_path / "msg.wav"
    clip.write_bytes(short_clip(0))
    with workers(data, f"sqlite:///{data / 'rb.db'}", REDIS_URL) as run:
        added = run.run("inbox", "add", str(clip), "--json")
        assert added.returncode == 0, added.stderr
        assert json.loads(added.stdout)["status"] == "received"
        assert queue_length(REDIS_URL, run.prefix + "transcribe") == 1
        assert queue_length(REDIS_URL, run.prefix + "mail") == 0
        listed = json.loads(run.run("jobs", "list", "--json").stdout)
        assert [(j["kind"], j["status"]) for j in listed] == [("voicemail", "received")]


# -- jobs list / retry read the database (either queue) ---------------------------------


def test_failed_job_shows_its_reason_and_retry_runs_it_once_more(tmp_path: Path) -> None:
    from ringback.db.migrate import ensure_current
    from ringback.db.session import transaction
    from ringback.voicemail.jobs import VoicemailJob, list_jobs, reset_for_retry
    from ringback.voicemail.pipeline import PermanentError, Runner, default_stages, ingest
    from tests.support.pipeline import (
        FakeExtractor,
        FakeTranscriber,
        FileNotifier,
        speech_8k,
        wav_bytes,
    )

    class Broken(FakeTranscriber):
        def transcribe(self, audio: Any) -> Any:
            raise PermanentError("model file is damaged")

    url = f"sqlite:///{tmp_path / 'rb.db'}"
    ensure_current(url)
    sent = tmp_path / "sent"
    stages = default_stages(
        transcriber=Broken(), extractor=FakeExtractor(), notifier=FileNotifier(sent)
    )
    vm = ingest(
        wav_bytes(speech_8k(3.0)),
        source="upload",
        url=url,
        data_dir=tmp_path,
        stages=stages,
        region="US",
    )
    with transaction(url) as session:
        (job,) = list_jobs(session, failed=True)
        assert (job.id, job.status, job.stage) == (vm.id, "failed", "transcribe")
        assert "model file is damaged" in (job.reason or "")
        reset_for_retry(session, vm.id)
    good = default_stages(
        transcriber=FakeTranscriber(), extractor=FakeExtractor(), notifier=FileNotifier(sent)
    )
    backend = EmbeddedBackend({JobKind.VOICEMAIL: lambda ref: Runner(url, good).run(int(ref))})
    backend.submit(Job(JobKind.VOICEMAIL, str(vm.id)))
    with transaction(url) as session:
        assert list_jobs(session) == []
        assert session.get(Voicemail, vm.id).status == "done"  # type: ignore[union-attr]
    assert len(list(sent.iterdir())) == 1
    # The handler `ringback serve` hands its worker process must survive pickling.
    job = VoicemailJob(_settings(tmp_path))
    assert pickle.loads(pickle.dumps(job)) == job


def test_jobs_list_prints_failed_jobs_with_the_reason(cli_embedded: Any, tmp_path: Path) -> None:
    from ringback.db.migrate import ensure_current
    from ringback.db.session import transaction
    from ringback.voicemail.jobs import mark_failed
    from ringback.voicemail.pipeline import ingest
    from tests.support.pipeline import speech_8k, wav_bytes

    data = tmp_path / "data"
    url = f"sqlite:///{data / 'ringback.db'}"
    data.mkdir(parents=True, exist_ok=True)
    ensure_current(url)
    vm = ingest(wav_bytes(speech_8k(2.0)), source="upload", url=url, data_dir=data, region="US")
    assert cli_embedded("jobs", "list", "--failed").output.strip() == "no failed jobs"
    mark_failed(url, vm.id, "gave up after 9 attempts: OperationalError: server closed")
    result = cli_embedded("jobs", "list", "--failed")
    assert result.exit_code == 0
    assert f"#{vm.id} voicemail failed, " in result.output
    assert "gave up after 9 attempts" in result.output
    assert result.output.rstrip().endswith("1 job")
    with transaction(url) as session:
        assert session.get(Voicemail, vm.id).status == "failed"  # type: ignore[union-attr]
    from ringback.telephony.models import RecordingStatus, TelephonyRecording

    sid = "RE" + "ab" * 16
    with transaction(url) as session:
        session.add(
            TelephonyRecording(
                recording_sid=sid, status=RecordingStatus.FAILED, error="HTTP 404", attempts=3
            )
        )
    listed = cli_embedded("jobs", "list", "--failed")
    assert f"recording {sid} failed at download (attempt 3)" in listed.output
    assert f"ringback telephony retry {sid}" in listed.output
    assert listed.output.rstrip().endswith("2 jobs")
    missing = cli_embedded("jobs", "retry", "999")
    assert missing.exit_code == 1 and "ringback jobs list" in missing.output


# -- (b)-(e) real workers ----------------------------------------------------------------


def _rows(url: str) -> tuple[list[Voicemail], dict[int, dict[str, VoicemailStage]]]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            rows = list(session.scalars(select(Voicemail).order_by(Voicemail.id)))
            stages: dict[int, dict[str, VoicemailStage]] = {}
            for s in session.scalars(select(VoicemailStage)):
                stages.setdefault(s.voicemail_id, {})[s.stage] = s
            session.expunge_all()
            return rows, stages
    finally:
        engine.dispose()


def _keys(server: Any) -> Counter[str]:
    return Counter(str(m["X-Ringback-Idempotency-Key"]).strip() for m in server.handler.messages())


@pytest.mark.slow
@needs_audio
@pytest.mark.parametrize(
    ("broker", "database"),
    [
        pytest.param(
            REDIS_URL, "postgres", marks=[needs_redis, pytest.mark.postgres], id="redis-postgres"
        ),
        pytest.param(AMQP_URL, "sqlite", marks=needs_amqp, id="rabbitmq-sqlite"),
    ],
)
def test_a_voicemail_through_a_real_worker_is_emailed_once(
    tmp_path: Path, smtpd: Any, broker: str, database: str, request: pytest.FixtureRequest
) -> None:
    server = smtpd()
    data = tmp_path / "data"
    clip = tmp_path / "msg.wav"
    clip.write_bytes(short_clip(1))
    url = f"sqlite:///{data / 'rb.db'}"
    if database == "postgres":
        url = request.getfixturevalue("pg_url")
    with workers(data, url, broker, **smtp_env(server.port)) as run:
        run.start()
        added = run.run("inbox", "add", str(clip), "--from", "+14155550137", "--wait", "--json")
        assert added.returncode == 0, added.stderr
        result = json.loads(added.stdout)
        assert result["status"] == "done"
        assert result["transcript"]  # Whisper heard the words
        assert result["email_status"] == "sent"
        listed = run.run("inbox", "list", "--json")
        assert [m["id"] for m in json.loads(listed.stdout)] == [result["id"]]
    assert _keys(server) == Counter({result["email_key"]: 1})


@pytest.mark.slow
@needs_redis
@needs_audio
def test_forty_voicemails_through_two_workers_each_transcribed_and_emailed_once(
    tmp_path: Path, smtpd: Any
) -> None:
    """The suite's size of issue 17's 200-message run (bench/bench_workers.py runs 200)."""
    count = 40
    server = smtpd()
    data = tmp_path / "data"
    clips = []
    for n in range(count):
        clips.append(tmp_path / f"msg{n:03d}.wav")
        clips[-1].write_bytes(short_clip(n))
    url = f"sqlite:///{data / 'rb.db'}"
    with workers(data, url, REDIS_URL, **smtp_env(server.port)) as run:
        run.start()
        run.start()
        added = run.run("inbox", "add", *map(str, clips), "--json")
        assert added.returncode == 0, added.stderr
        assert len(json.loads(added.stdout)) == count
        wait_until(lambda: len(server.handler.envelopes) >= count and _all_final(url), 600)
        rows, stages = _rows(url)
        logs = [run.log(0), run.log(1)]
    assert [r.status for r in rows] == ["done"] * count  # none lost, none failed
    assert all(stages[r.id]["transcribe"].attempts == 1 for r in rows)  # transcribed once
    assert _keys(server) == Counter({r.email_key: 1 for r in rows})  # emailed exactly once
    assert all("pipeline finished" in log for log in logs)  # both workers took jobs
    # One model load per worker process (one process each), kept warm for all its jobs.
    assert [log.count("speech model ") for log in logs] == [1, 1]


def _all_final(url: str) -> bool:
    rows, _ = _rows(url)
    return bool(rows) and all(r.status not in ("received", "processing") for r in rows)


@pytest.mark.slow
@needs_redis
@needs_audio
def test_kill_9_of_a_worker_mid_transcription_runs_the_job_on_the_other_one(
    tmp_path: Path, smtpd: Any
) -> None:
    server = smtpd()
    data = tmp_path / "data"
    clip = tmp_path / "long.wav"
    clip.write_bytes(long_clip())
    url = f"sqlite:///{data / 'rb.db'}"
    env = {**smtp_env(server.port), "RINGBACK_BROKER_VISIBILITY_TIMEOUT": "6"}
    with workers(data, url, REDIS_URL, **env) as run:
        run.start(queues="transcribe,mail")
        run.start(queues="transcribe,mail")
        added = run.run("inbox", "add", str(clip), "--json")
        assert added.returncode == 0, added.stderr
        vid = json.loads(added.stdout)["id"]

        def transcribing() -> str | None:
            rows, stages = _rows(url)
            stage = stages.get(vid, {}).get("transcribe")
            return rows[0].claimed_by if stage is not None and stage.status == "running" else None

        owner = wait_until(transcribing, 120, poll=0.02)
        pool_pid = int(owner.rsplit(":", 2)[1])
        victim = next(i for i, p in enumerate(run.procs) if p.pid == _parent(pool_pid))
        run.kill(victim)
        wait_until(lambda: _all_final(url) and len(server.handler.envelopes) >= 1, 180)
        rows, stages = _rows(url)
        survivor = run.log(1 - victim)
    assert rows[0].status == "done"
    assert stages[vid]["transcribe"].attempts == 2  # cut short once, then run again
    assert f"voicemail {vid}: pipeline finished" in survivor
    assert _keys(server) == Counter({rows[0].email_key: 1})


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def test_a_job_whose_database_is_down_is_retried_with_backoff_then_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The task itself, run in this process: nothing listens where the database should be."""
    import logging

    from ringback.workers import celery_app

    unreachable = f"postgresql+psycopg://ringback:hunter2@127.0.0.1:{free_port()}/ringback"
    settings = _settings(tmp_path, queue="celery", database_url=unreachable, worker_max_retries=2)
    monkeypatch.setattr(celery_app, "settings", settings)
    monkeypatch.setattr(celery_app, "_process", {})
    with caplog.at_level(logging.INFO, logger="ringback.workers"):
        outcome = celery_app.process_voicemail.apply(args=["5"])
    assert outcome.result == "failed"
    said = [r.getMessage() for r in caplog.records if r.name == "ringback.workers"]
    assert [m.rsplit("; ", 1)[-1] for m in said[:2]] == ["retrying in 2 s", "retrying in 4 s"]
    assert "gave up after 3 attempts: OperationalError" in said[2]
    assert not any("hunter2" in m for m in said)  # the password is never logged


@pytest.mark.slow
@needs_redis
@needs_audio
def test_mail_has_its_own_queue_so_transcription_never_holds_an_email(
    tmp_path: Path, smtpd: Any
) -> None:
    """A worker on `transcribe` only: the email waits on `mail` (not behind recordings);
    a mail-only worker, with no model loaded, sends it."""
    server = smtpd()
    data = tmp_path / "data"
    clip = tmp_path / "msg.wav"
    clip.write_bytes(short_clip(2))
    url = f"sqlite:///{data / 'rb.db'}"
    with workers(data, url, REDIS_URL, **smtp_env(server.port)) as run:
        run.start(queues="transcribe")
        added = run.run("inbox", "add", str(clip), "--json")
        assert added.returncode == 0, added.stderr
        wait_until(lambda: _all_final(url), 120)
        assert queue_length(REDIS_URL, run.prefix + "mail") == 1
        assert server.handler.envelopes == []
        run.start(queues="mail")
        wait_until(lambda: server.handler.envelopes, 60)
        rows, _ = _rows(url)
        assert "Task ringback.voicemail.process" not in run.log(1)
    assert _keys(server) == Counter({rows[0].email_key: 1})


@needs_audio
def test_inbox_add_with_the_broker_down_keeps_the_recording_and_says_how_to_queue_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    clip = tmp_path / "msg.wav"
    clip.write_bytes(short_clip(4))
    down = f"redis://127.0.0.1:{free_port()}/0"
    with workers(data, f"sqlite:///{data / 'rb.db'}", REDIS_URL) as run:
        run.extra["RINGBACK_BROKER_URL"] = down
        added = run.run("inbox", "add", str(clip))
        assert added.returncode == 1
        assert "voicemail #1 is stored" in added.stderr
        assert "ringback jobs retry 1" in added.stderr
        listed = json.loads(run.run("jobs", "list", "--json").stdout)
        assert [(j["id"], j["status"]) for j in listed] == [(1, "received")]
