"""A database blip under a real `ringback worker --concurrency 2` (two pool processes on
one host, Redis, PostgreSQL, real Whisper): the message the blip cut short is taken up by
the *other* pool process as soon as the database is back, not when the claim left by
the first one expires (an hour later).

Which pool process a retried task lands on is Celery's choice; the test makes it
certain with a mail server that hangs (:class:`~tests.support.net.Tarpit`): a mail task
holds process B, the database goes away while process A transcribes, and once A has
given the message up a second mail task holds A (the only process free), so the retry
can only go to B, while A lives on and is busy with something else throughout."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from ringback.config import Settings
from ringback.db.base import utcnow
from ringback.jobs import CeleryBackend, Job, JobKind
from ringback.mail.service import spool_voicemail
from ringback.voicemail.models import Voicemail, VoicemailStage
from tests.support.audio import needs_audio
from tests.support.mail import sample_vm
from tests.support.net import Tarpit
from tests.support.outage import database_gone
from tests.support.workers import (
    REDIS_URL,
    Workers,
    long_clip,
    needs_redis,
    smtp_env,
    wait_until,
    workers,
)


def _row(url: str, vid: int) -> tuple[Voicemail, dict[str, VoicemailStage]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(Voicemail).where(Voicemail.id == vid)).one()
            stages = conn.execute(select(VoicemailStage).where(VoicemailStage.voicemail_id == vid))
            return row, {s.stage: s for s in stages}
    finally:
        engine.dispose()


def _owner_pid(owner: str | None) -> int | None:
    return int(owner.rsplit(":", 2)[1]) if owner else None


def _transcribing(url: str, vid: int) -> int | None:
    """The pid of the pool process transcribing the voicemail, once it is."""
    row, stages = _row(url, vid)
    running = "transcribe" in stages and stages["transcribe"].status == "running"
    return _owner_pid(row.claimed_by) if running else None


class MailHolds:
    """Mail tasks for the hanging server, each holding the pool process that takes it
    (the one free at that moment) in its own SMTP exchange. The emails are spooled
    first, all of them."""

    def __init__(self, run: Workers, tarpit: Tarpit, keys: list[str]) -> None:
        self.settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=run.data_dir,
            queue="celery",
            broker_url=run.broker_url,
            queue_prefix=run.prefix,
            smtp_host="127.0.0.1",
            smtp_port=tarpit.port,
            smtp_security="none",
            smtp_from="ringback@example.com",
            smtp_to="seller@example.com",
        )
        for key in keys:
            spool_voicemail(sample_vm(idempotency_key=key), settings=self.settings)

    def hold(self, key: str) -> None:
        CeleryBackend(self.settings).submit(Job(JobKind.MAIL, key))


@pytest.mark.slow
@pytest.mark.postgres
@needs_redis
@needs_audio
def test_a_database_blip_mid_transcription_leaves_the_message_to_the_other_pool_process(
    tmp_path: Path, pg_url: str, request: pytest.FixtureRequest
) -> None:
    tarpit = Tarpit()
    clip = tmp_path / "long.wav"
    clip.write_bytes(long_clip(repeat=2))  # seconds of transcription to act in
    env = {
        **smtp_env(tarpit.port),
        "RINGBACK_SMTP_TIMEOUT": "120",  # the hung server holds a task until let go
        "RINGBACK_MAIL_RETRY_SECONDS": "600",  # ... and its retry comes after the test
    }
    with workers(tmp_path / "data", pg_url, REDIS_URL, **env) as run:
        try:
            run.start(concurrency=2)
            added = run.run("inbox", "add", str(clip), "--json")
            assert added.returncode == 0, added.stderr
            vid = json.loads(added.stdout)["id"]
            holds = MailHolds(run, tarpit, ["hold-a", "hold-b"])
            a = wait_until(lambda: _transcribing(pg_url, vid), 120, poll=0.02)
            holds.hold("hold-b")  # A transcribes: this goes to B
            wait_until(lambda: tarpit.held == 1, 60)

            with database_gone(pg_url, request):  # while A transcribes
                lost = "could not release its claim"
                wait_until(lambda: lost in run.log(0) or "pipeline finished" in run.log(0), 120)
                assert lost in run.log(0), "the message was done before the database went away"
                holds.hold("hold-a")  # A is the only process free
                wait_until(lambda: tarpit.held == 2, 60)  # A is in the hung server too
            back = time.monotonic()
            tarpit.let_go(0)  # B is free: the retried message can only go to B

            busy = f"voicemail {vid}: being processed by another worker"
            wait_until(
                lambda: (
                    _owner_pid(_row(pg_url, vid)[0].claimed_by) not in (None, a)
                    or busy in run.log(0)
                ),
                120,
            )
            waited = time.monotonic() - back
            row, _ = _row(pg_url, vid)
            left = (row.claimed_until - utcnow()).total_seconds() if row.claimed_until else 0
            assert busy not in run.log(0), f"left to A's claim for {left:.0f} s more"
            assert _owner_pid(row.claimed_by) not in (None, a)
            print(f"voicemail {vid}: taken by the other process {waited:.1f} s after the outage")
            os.kill(a, 0)  # A lives on, busy with its own mail task
            assert waited < 60, waited  # a bound on a hang: the retry's backoff, not a lease

            tarpit.let_go(1)
            wait_until(lambda: _row(pg_url, vid)[0].status == "done", 180)
            row, stages = _row(pg_url, vid)
            assert stages["transcribe"].attempts == 1, "the cut-short attempt is not counted"
        finally:
            tarpit.close()  # the hung mail tasks end, so the workers stop at once
