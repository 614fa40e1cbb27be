"""RINGBACK_QUEUE=celery: the database is the source of truth for every job. Jobs the
broker lost are queued again (`ringback jobs retry --stale`); `inbox resume`,
`import-asterisk` and `externnotify` hand their work to the workers; `jobs list` and
`jobs retry` cover the acting user's call reviews. Real Redis, real workers, real SMTP."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from ringback.config import Settings
from ringback.voicemail.models import Voicemail
from tests.support.audio import needs_audio
from tests.support.inbox import asterisk_envelope
from tests.support.net import free_port
from tests.support.workers import (
    REDIS_URL,
    needs_redis,
    queue_length,
    short_clip,
    smtp_env,
    wait_until,
    workers,
)


def _statuses(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return [
                str(s) for s in session.scalars(select(Voicemail.status).order_by(Voicemail.id))
            ]
    finally:
        engine.dispose()


def _age(url: str, seconds: float) -> None:
    """Make every voicemail look untouched for ``seconds`` (as after a broker restart)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            past = datetime.now(UTC) - timedelta(seconds=seconds)
            conn.execute(update(Voicemail).values(updated_at=past))
    finally:
        engine.dispose()


def _message(mailbox: Path, n: int) -> None:
    inbox = mailbox / "INBOX"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f"msg000{n}.txt").write_text(
        asterisk_envelope(origtime=1795462200 + n, msg=n, duration=3)
    )
    (inbox / f"msg000{n}.wav").write_bytes(short_clip(10 + n))


@needs_redis
@needs_audio
def test_jobs_retry_stale_queues_again_what_the_broker_lost(tmp_path: Path) -> None:
    """A voicemail stored while the broker was down waits in the database: the sweep
    queues it once it has not moved for --older-than, and marks it so the next sweep
    does not queue it twice."""
    data = tmp_path / "data"
    clip = tmp_path / "msg.wav"
    clip.write_bytes(short_clip(5))
    url = f"sqlite:///{data / 'rb.db'}"
    with workers(data, url, REDIS_URL) as run:
        run.extra["RINGBACK_BROKER_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # down
        assert run.run("inbox", "add", str(clip)).returncode == 1  # stored, not queued
        run.extra["RINGBACK_BROKER_URL"] = REDIS_URL  # back, but empty
        assert queue_length(REDIS_URL, run.prefix + "transcribe") == 0
        fresh = json.loads(run.run("jobs", "retry", "--stale", "--json").stdout)
        assert fresh == {"queued": {}, "count": 0}  # not idle for the default 10 minutes
        _age(url, 3600)
        swept = run.run("jobs", "retry", "--stale", "--older-than", "60")
        assert swept.returncode == 0, swept.stderr
        assert "1 voicemail job queued again: 1" in swept.stdout
        assert queue_length(REDIS_URL, run.prefix + "transcribe") == 1
        again = json.loads(
            run.run("jobs", "retry", "--stale", "--older-than", "60", "--json").stdout
        )
        assert again["count"] == 0  # looked at just now: not queued a second time
    with_id = run.run("jobs", "retry", "--stale", "3")
    assert with_id.returncode != 0 and "give no ID" in with_id.stderr


def test_jobs_retry_stale_on_the_embedded_queue_says_what_to_use(cli_embedded: Any) -> None:
    result = cli_embedded("jobs", "retry", "--stale")
    assert result.exit_code == 1
    assert "ringback inbox resume" in result.output


def test_a_broker_down_while_queuing_the_email_does_not_fail_the_voicemail(
    tmp_path: Path,
) -> None:
    """The email is spooled in the outbox first: queuing its delivery may fail (the
    sweep queues it later); the notify stage must not fail the voicemail for it."""
    from ringback.voicemail.service import MailJob

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        queue="celery",
        broker_url=f"redis://127.0.0.1:{free_port()}/0",
    )
    MailJob(settings)("ringback-voicemail-1-abc")  # no exception: logged, left to the sweep


@pytest.mark.slow
@needs_redis
@needs_audio
def test_import_asterisk_externnotify_and_resume_hand_the_work_to_the_workers(
    tmp_path: Path, smtpd: Any
) -> None:
    server = smtpd()
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'rb.db'}"
    mailbox = tmp_path / "spool" / "default" / "1234"
    _message(mailbox, 0)
    with workers(data, url, REDIS_URL, **smtp_env(server.port)) as run:
        imported = run.run("inbox", "import-asterisk", str(mailbox.parent.parent), "--json")
        assert imported.returncode == 0, imported.stderr
        assert [r["status"] for r in json.loads(imported.stdout)] == ["received"]
        _message(mailbox, 1)
        hook = run.run(
            "inbox", "externnotify", "default", "1234", "--spool", str(mailbox.parent.parent)
        )
        assert hook.returncode == 0, hook.stderr
        assert "1 new voicemail imported" in hook.stdout
        # Stored and queued, not transcribed here: nothing ran in these processes.
        assert queue_length(REDIS_URL, run.prefix + "transcribe") == 2
        assert _statuses(url) == ["received", "received"]
        resumed = run.run("inbox", "resume")
        assert resumed.returncode == 0, resumed.stderr
        assert "2 queued" in resumed.stdout
        assert queue_length(REDIS_URL, run.prefix + "transcribe") == 4
        run.start()
        done = run.run("inbox", "resume", "--wait")
        assert done.returncode == 0, done.stderr
        wait_until(
            lambda: _statuses(url) == ["done", "done"] and len(server.handler.envelopes) >= 2, 120
        )
        spooled = run.run("inbox", "import-asterisk", str(mailbox), "--wait", "--json")
        assert [r["created"] for r in json.loads(spooled.stdout)] == [False, False]
    keys = Counter(str(m["X-Ringback-Idempotency-Key"]).strip() for m in server.handler.messages())
    assert len(keys) == 2 and set(keys.values()) == {1}  # four tasks, two emails


def _review(url: str, owner: int, path: Path, status: str, error: str = "") -> int:
    from ringback.calls.models import CallReview

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            row = CallReview(
                owner_id=owner,
                original_name=path.name,
                original_path=str(path),
                original_sha256="0" * 64,
                status=status,
                stage="failed" if status == "failed" else "",
                error=error,
            )
            session.add(row)
            session.commit()
            return int(row.id)
    finally:
        engine.dispose()


@needs_redis
def test_jobs_list_shows_my_call_reviews_and_retry_queues_a_failed_one(tmp_path: Path) -> None:
    from ringback.db.migrate import ensure_current
    from tests.support.accounts import add_user

    data = tmp_path / "data"
    url = f"sqlite:///{data / 'rb.db'}"
    data.mkdir(parents=True)
    ensure_current(url)
    me = add_user(url, "victor@example.com", role="owner")
    other = add_user(url, "rosa@example.com", role="owner")
    call = tmp_path / "call.wav"
    call.write_bytes(short_clip(7))
    failed = _review(url, me.id, call, "failed", "transcription failed: model missing")
    _review(url, other.id, call, "failed", "not mine")
    with workers(data, url, REDIS_URL) as run:
        listed = run.run("jobs", "list")
        assert f"call review #{failed} failed" in listed.stdout
        assert "transcription failed: model missing" in listed.stdout
        assert f"ringback jobs retry --review {failed}" in listed.stdout
        assert "not mine" not in listed.stdout  # another user's review is not shown
        assert listed.stdout.rstrip().endswith("1 job")
        retried = run.run("jobs", "retry", "--review", str(failed), "--json")
        assert retried.returncode == 0, retried.stderr
        assert json.loads(retried.stdout)["status"] == "queued"
        assert queue_length(REDIS_URL, run.prefix + "calls") == 1
        rows = json.loads(run.run("jobs", "list", "--json").stdout)
        assert [(r["kind"], r["status"]) for r in rows] == [("review", "queued")]
        again = run.run("jobs", "retry", "--review", str(failed))
        assert again.returncode == 1 and "only a failed review" in again.stderr


def test_the_sweep_names_each_kind_of_lost_job_and_leaves_live_ones_alone(
    tmp_path: Path,
) -> None:
    """Unit test (a recording backend stands in for the broker): a voicemail with no live
    claim, a Twilio download, a call review and an overdue email are queued again; a
    voicemail a worker holds right now, and a fresh email, are not."""
    import os
    from email.message import EmailMessage

    from ringback.calls.models import CallReview
    from ringback.db.migrate import ensure_current
    from ringback.jobs import EmbeddedBackend, JobKind
    from ringback.mail.outbox import Outbox
    from ringback.telephony.models import RecordingStatus, TelephonyRecording
    from ringback.voicemail.pipeline import ingest
    from ringback.workers.sweep import requeue_stale
    from tests.support.accounts import add_user

    data = tmp_path / "data"
    url = f"sqlite:///{data / 'rb.db'}"
    data.mkdir(parents=True)
    ensure_current(url)
    settings = Settings(_env_file=None, data_dir=data, database_url=url)  # type: ignore[call-arg]
    lost = ingest(short_clip(20), source="upload", url=url, data_dir=data, region="US").id
    held = ingest(short_clip(21), source="upload", url=url, data_dir=data, region="US").id
    owner = add_user(url, "victor@example.com", role="owner")
    sid = "RE" + "cd" * 16
    engine = create_engine(url)
    with Session(engine) as session:
        session.add(TelephonyRecording(recording_sid=sid, status=RecordingStatus.RECEIVED))
        session.add(CallReview(owner_id=owner.id, original_path="x.wav", original_sha256="0" * 64))
        session.commit()
    _age(url, 3600)
    with engine.begin() as conn:  # a worker holds this one for the next ten minutes
        until = datetime.now(UTC) + timedelta(minutes=10)
        conn.execute(
            update(Voicemail)
            .where(Voicemail.id == held)
            .values(claimed_by="w", claimed_until=until)
        )
        conn.execute(
            update(TelephonyRecording).values(updated_at=datetime.now(UTC) - timedelta(hours=1))
        )
        conn.execute(update(CallReview).values(updated_at=datetime.now(UTC) - timedelta(hours=1)))
    engine.dispose()
    outbox = Outbox(data / "outbox", mailer=None)  # type: ignore[arg-type]  # spooling only
    for key in ("old-email", "new-email"):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", key
        outbox.submit(key, message)
    old = next((data / "outbox").glob("old-email*.eml"))
    os.utime(old, (old.stat().st_mtime - 3600,) * 2)

    queued: list[tuple[str, str]] = []
    backend = EmbeddedBackend(
        {kind: (lambda ref, kind=kind: queued.append((str(kind), ref))) for kind in JobKind}
    )
    report = requeue_stale(settings, backend, older_than=timedelta(minutes=10))
    assert sorted(queued) == sorted(
        [("voicemail", str(lost)), ("recording", sid), ("review", "1"), ("mail", "old-email")]
    )
    assert report.count == 4
    queued.clear()
    requeue_stale(settings, backend, older_than=timedelta(minutes=10))
    assert queued == [("mail", "old-email")]  # rows are marked as looked at; the outbox says


def test_the_sweep_names_a_message_whose_claim_nobody_holds_before_the_lease_ends(
    tmp_path: Path,
) -> None:
    """A claim an hour from expiring holds nothing when its owner's process has ended, or
    when a sibling process gave it up as the database went away (its note in the data
    directory): if that message's retried task was lost too, the sweep queues it now, not
    after the lease. A claim a live runner holds stays alone."""
    import os
    import subprocess
    import sys

    from ringback.db.migrate import ensure_current
    from ringback.jobs import EmbeddedBackend, JobKind
    from ringback.voicemail.pipeline import ingest
    from ringback.voicemail.pipeline.claims import HOST
    from ringback.workers.sweep import requeue_stale

    data = tmp_path / "data"
    url = f"sqlite:///{data / 'rb.db'}"
    data.mkdir(parents=True)
    ensure_current(url)
    settings = Settings(_env_file=None, data_dir=data, database_url=url)  # type: ignore[call-arg]
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    owners = {  # message id -> who claims it, for the next hour
        ingest(short_clip(30 + n), source="upload", url=url, data_dir=data, region="US").id: owner
        for n, owner in enumerate(
            (
                f"{HOST}:{int(ended.stdout)}:0badc0de",  # its process has ended
                f"{HOST}:{os.getppid()}:5afe0001",  # a live sibling, which gives it up below
                f"{HOST}:{os.getppid()}:5afe0002",  # a live sibling, still at work
            )
        )
    }
    assert len(owners) == 3
    engine = create_engine(url)
    with engine.begin() as conn:
        for vid, owner in owners.items():
            until = datetime.now(UTC) + timedelta(hours=1)
            conn.execute(
                update(Voicemail)
                .where(Voicemail.id == vid)
                .values(status="processing", claimed_by=owner, claimed_until=until)
            )
    engine.dispose()
    _age(url, 3600)  # ... and none has moved since
    gave_up = list(owners.values())[1]
    subprocess.run(  # the sibling notes it gave up, in its own process
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from ringback.voicemail.pipeline.claims "
            "import abandon; abandon(sys.argv[1], pathlib.Path(sys.argv[2]))",
            gave_up,
            str(data),
        ],
        check=True,
    )

    queued: list[str] = []
    backend = EmbeddedBackend({kind: queued.append for kind in JobKind})
    requeue_stale(settings, backend, older_than=timedelta(minutes=10))
    ended_id, given_up_id, _held_id = owners
    assert sorted(queued) == sorted([str(ended_id), str(given_up_id)])
