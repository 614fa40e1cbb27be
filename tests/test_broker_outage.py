"""Issue 17 §4: the broker restarted mid-run, on a Redis of the test's own. No job lost
either way: with ``appendonly yes`` the queued tasks survive the restart; without
persistence the broker comes back empty, and the recovery sweep (each worker's, and
`ringback jobs retry --stale`) queues again what the database says is still waiting.
Each voicemail is transcribed and emailed once, counted at a real SMTP server."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ringback.voicemail.models import Voicemail, VoicemailStage
from tests.support.audio import needs_audio
from tests.support.broker import own_redis
from tests.support.workers import short_clip, smtp_env, wait_until, workers

pytest.importorskip("aiosmtpd")


def _rows(url: str) -> tuple[list[Voicemail], list[VoicemailStage]]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            rows = list(session.scalars(select(Voicemail).order_by(Voicemail.id)))
            stages = list(session.scalars(select(VoicemailStage)))
            session.expunge_all()
            return rows, stages
    finally:
        engine.dispose()


def _waiting(broker: Any, prefix: str) -> int:
    """Tasks waiting on the broker's transcribe queue (every priority list of it)."""
    import redis

    client = redis.Redis(port=broker.port)
    return sum(int(client.llen(k)) for k in client.scan_iter(f"{prefix}transcribe*"))


def _clips(tmp_path: Path, first: int, count: int) -> list[str]:
    paths = []
    for n in range(first, first + count):
        paths.append(tmp_path / f"msg{n:02d}.wav")
        paths[-1].write_bytes(short_clip(n))
    return [str(p) for p in paths]


@pytest.mark.slow
@needs_audio
@pytest.mark.parametrize("appendonly", [True, False], ids=["appendonly", "no-persistence"])
def test_broker_restarted_mid_run_no_job_lost_each_emailed_once(
    tmp_path: Path, smtpd: Any, appendonly: bool
) -> None:
    server = smtpd()
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'rb.db'}"
    # With persistence the queued tasks survive the restart (checked below). What no
    # broker setting saves, the sweep does: an email whose task could not be queued while
    # the broker was away waits in the outbox until the sweep queues it. A task a worker
    # had taken is given back after the visibility timeout (short here).
    sweep = "2"
    with own_redis(tmp_path / "redis", appendonly=appendonly) as broker:
        env = {
            **smtp_env(server.port),
            "RINGBACK_STALE_JOB_SECONDS": sweep,
            "RINGBACK_BROKER_VISIBILITY_TIMEOUT": "6",
        }
        with workers(data, url, broker.url, **env) as run:
            # Queued while no worker runs, then the broker restarts under them.
            added = run.run("inbox", "add", *_clips(tmp_path, 0, 3), "--json")
            assert added.returncode == 0, added.stderr
            assert _waiting(broker, run.prefix) == 3
            broker.restart()
            assert _waiting(broker, run.prefix) == (3 if appendonly else 0)

            run.start()
            wait_until(lambda: server.handler.envelopes, 120)
            broker.restart()  # again, with a worker connected and working
            added = run.run("inbox", "add", *_clips(tmp_path, 3, 2), "--json")
            assert added.returncode == 0, added.stderr  # the worker reconnected by itself

            wait_until(lambda: len(server.handler.envelopes) >= 5 and _done(url, 5), 180)
            rows, stages = _rows(url)
            worker_log = run.log(0)
    assert [r.status for r in rows] == ["done"] * 5, worker_log[-3000:]
    transcribed = Counter(s.voicemail_id for s in stages if s.stage == "transcribe")
    assert all(s.attempts == 1 for s in stages if s.stage == "transcribe")
    assert transcribed == Counter({r.id: 1 for r in rows})
    keys = Counter(str(m["X-Ringback-Idempotency-Key"]).strip() for m in server.handler.messages())
    assert keys == Counter({r.email_key: 1 for r in rows})  # each emailed exactly once
    if not appendonly:
        assert "queued 3 voicemail jobs again" in worker_log


def _done(url: str, count: int) -> bool:
    rows, _ = _rows(url)
    return len(rows) == count and all(r.status == "done" for r in rows)
