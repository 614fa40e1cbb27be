"""Issue 17 §4, the outages: PostgreSQL gone for a while (a server of the test's own,
stopped with `pg_ctl stop -m fast` mid-run and started again) and the SMTP server down
(a real aiosmtpd stopped while messages are processed). Nothing is lost and every
voicemail is emailed exactly once, counted at the SMTP server.

``pipeline`` says how the pipeline runs (the embedded queue: `ringback inbox watch` in
its own process); another queue joins the parameter list and the tests stay the same.
Waits are on conditions with a deadline, never fixed sleeps.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from ringback.db.migrate import upgrade
from ringback.mail.spool import spool_counts
from ringback.voicemail.models import Voicemail
from ringback.voicemail.pipeline import Stage, VoicemailContext
from tests.support.outage import PIPELINES, own_postgres, pipeline_env, recordings
from tests.support.twilio import wait_for

pytest.importorskip("aiosmtpd")

KEY = "X-Ringback-Idempotency-Key"


@pytest.fixture(params=sorted(PIPELINES))
def pipeline(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``pipeline(tmp, env)``: how to run the pipeline (started by the test, stopped here)."""
    made: list[Any] = []

    def make(tmp: Path, env: dict[str, str]) -> Any:
        made.append(PIPELINES[request.param](tmp, env))
        return made[-1]

    yield make
    for one in made:
        one.stop()


def statuses(url: str) -> list[str]:
    """Every voicemail's status, read on a connection of its own (none kept in a pool)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [str(s) for s in conn.scalars(select(Voicemail.status).order_by(Voicemail.id))]
    except Exception:
        return []  # the server is down
    finally:
        engine.dispose()


def keys(servers: list[Any]) -> Counter[str]:
    """Idempotency keys of every email the SMTP server(s) accepted, with their counts."""
    return Counter(str(m[KEY]) for s in servers for m in s.handler.messages())


@pytest.fixture
def pg() -> Iterator[Any]:
    with own_postgres() as server:
        upgrade(server.url)
        yield server


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_gone_mid_run_the_pipeline_waits_and_resumes_nothing_lost(
    tmp_path: Path, pg: Any, smtpd: Callable[..., Any], pipeline: Callable[..., Any]
) -> None:
    smtp = smtpd()
    run = pipeline(tmp_path, pipeline_env(tmp_path / "data", pg.url, smtp.port))
    messages = recordings(5)
    run.start()
    for name, audio in messages[:3]:
        run.submit(name, audio)
    wait_for(lambda: len(smtp.handler.envelopes) >= 1, 120, "the first email")

    pg.stop()  # mid-run: the next messages are being transcribed or waiting
    tries_before = run.failed_tries()
    for name, audio in messages[3:]:
        run.submit(name, audio)
    # Several rounds of retries against the missing server, and the worker still runs.
    wait_for(lambda: run.failed_tries() >= tries_before + 3, 120, "retries")
    assert run.alive(), run.log()[-3000:]

    pg.start()
    wait_for(lambda: len(smtp.handler.envelopes) >= 5, 180, "every email after the outage")
    wait_for(lambda: statuses(pg.url) == ["done"] * 5, 60, "every voicemail done")
    # Each recording is taken in (moved out of the way) once its voicemail is recorded.
    wait_for(lambda: run.untaken() == [], 30, "every recording taken in")
    run.stop()

    assert keys([smtp]) == Counter({k: 1 for k in keys([smtp])}), "an email was sent twice"
    assert len(keys([smtp])) == 5
    assert statuses(pg.url) == ["done"] * 5
    assert run.untaken() == []


@pytest.mark.slow
def test_smtp_down_mail_waits_in_the_outbox_and_each_is_delivered_once(
    tmp_path: Path, smtpd: Callable[..., Any], pipeline: Callable[..., Any]
) -> None:
    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    upgrade(url)
    first = smtpd()
    outbox = tmp_path / "data" / "outbox"
    run = pipeline(tmp_path, pipeline_env(tmp_path / "data", url, first.port))
    messages = recordings(4)
    run.start()
    run.submit(*messages[0])
    wait_for(lambda: len(first.handler.envelopes) == 1, 120, "the first email")

    first.stop()
    for name, audio in messages[1:]:
        run.submit(name, audio)
    # Processed while the server is down: each email waits in the outbox, retried.
    wait_for(lambda: statuses(url) == ["done"] * 4, 120, "every voicemail processed")
    wait_for(lambda: spool_counts(outbox).waiting == 3, 30, "three emails waiting")
    # More attempts than Celery's default of 3 retries: a mail task must not give up early.
    wait_for(lambda: _retried(outbox, times=5), 90, "several delivery attempts")
    assert len(first.handler.envelopes) == 1

    second = smtpd(port=first.port)  # the server is back
    wait_for(lambda: spool_counts(outbox).waiting == 0, 120, "the outbox emptied")
    run.stop()

    delivered = keys([first, second])
    assert len(delivered) == 4 and set(delivered.values()) == {1}, delivered
    assert spool_counts(outbox).failed == 0


def _retried(outbox: Path, *, times: int) -> bool:
    """Every waiting email has had at least ``times`` failed attempts."""
    from ringback.mail.outbox import Outbox

    entries = Outbox(outbox, mailer=None).entries()  # type: ignore[arg-type]  # reading only
    return bool(entries) and all(e.attempts >= times for e in entries)


def test_the_web_server_delivers_mail_queued_while_smtp_was_down(
    tmp_path: Path, smtpd: Callable[..., Any]
) -> None:
    """Twilio's voicemails are processed by `ringback serve`: its queued mail goes out once
    the SMTP server is back, with nobody running `ringback mail flush`."""
    from ringback.mail import DeliveryStatus, deliver_voicemail
    from ringback.web import create_app
    from tests.support.mail import sample_vm
    from tests.support.net import free_port
    from tests.support.twilio import Served, make_settings, smtp_overrides

    port = free_port()  # nobody listens yet: the server is down
    settings = make_settings(tmp_path, mail_retry_seconds=0.2, **smtp_overrides(port))
    queued = deliver_voicemail(sample_vm(idempotency_key="vm-outage-1"), settings=settings)
    assert queued.status is DeliveryStatus.QUEUED
    outbox = settings.data_dir / "outbox"
    with Served(create_app(settings)):
        server = smtpd(port=port)  # back
        wait_for(lambda: spool_counts(outbox).waiting == 0, 60, "the queued email sent")
    assert keys([server]) == Counter({"vm-outage-1": 1})


class Gate(Stage):
    """A stage that says it has started and then waits for the test to let it go: the
    database can be taken away while a message is in it, every time, without timing."""

    name = "gate"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        self.entered.set()
        if not self.go.wait(120):
            raise TimeoutError("the test never let the gate go")
        self.go.clear()
        return ctx


def _in_a_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``work`` in a thread of this process (a worker that stays alive throughout)."""
    errors: list[BaseException] = []

    def body() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread, errors


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("where", ["in_a_stage", "at_the_final_write"])
def test_postgres_gone_twice_while_one_message_is_in_a_stage_still_done_and_emailed_once(
    tmp_path: Path, pg: Any, smtpd: Callable[..., Any], where: str
) -> None:
    """A flapping server (a failover, then a restart) under the same message, twice in the
    same stage: each attempt is cut short by the database, not by the process dying, so
    the message is not parked as 'interrupted 2 times'. It is finished, emailed once.
    ``at_the_final_write``: the server goes away between the last stage and the final
    status (and the claim's release), which must free the message the same way."""
    from ringback.voicemail.pipeline import Runner, ingest, resume_pending
    from ringback.voicemail.service import build_stages
    from tests.support.twilio import make_settings, smtp_overrides

    smtp = smtpd()
    settings = make_settings(tmp_path, database_url=pg.url, **smtp_overrides(smtp.port))
    gate = Gate()
    stages = build_stages(settings, pg.url)
    at = len(stages) if where == "at_the_final_write" else [s.name for s in stages].index("extract")
    stages.insert(at, gate)
    ((_, audio),) = recordings(1)
    runs: list[Callable[[], Any]] = [
        # As `inbox add` / the consume folder take a recording in, then as `inbox watch`
        # resumes, then as `ringback serve`'s worker process or a Celery task does.
        lambda: ingest(
            audio,
            source="upload",
            url=pg.url,
            data_dir=settings.data_dir,
            stages=stages,
            region="US",
        ),
        lambda: resume_pending(pg.url, stages),
        lambda: Runner(pg.url, stages).run(_only_id(pg.url)),
    ]
    for outage, run in enumerate(runs[:2], start=1):
        thread, errors = _in_a_thread(run)
        assert gate.entered.wait(180), f"the message never reached the gate (run {outage})"
        gate.entered.clear()
        pg.stop()  # the database goes away while the message is in the stage
        gate.go.set()
        thread.join(60)
        assert not thread.is_alive()
        assert [type(e).__name__ for e in errors] == ["OperationalError"], errors
        pg.start()

    thread, errors = _in_a_thread(runs[2])
    wait_for(lambda: gate.entered.is_set() or not thread.is_alive(), 180, "the third run")
    assert gate.entered.is_set(), f"not taken up again: {statuses(pg.url)}, {errors}"
    gate.go.set()
    thread.join(120)
    assert not errors, errors
    assert statuses(pg.url) == ["done"], _stage_errors(pg.url)
    wait_for(lambda: len(smtp.handler.envelopes) >= 1, 60, "the email")
    assert len(keys([smtp])) == 1 and set(keys([smtp]).values()) == {1}, keys([smtp])


def _only_id(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.scalars(select(Voicemail.id)).one())
    finally:
        engine.dispose()


def _stage_errors(url: str) -> list[tuple[str, str, int, str | None]]:
    from ringback.voicemail.models import VoicemailStage

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    VoicemailStage.stage,
                    VoicemailStage.status,
                    VoicemailStage.attempts,
                    VoicemailStage.error,
                ).order_by(VoicemailStage.position)
            )
            return [(r[0], str(r[1]), r[2], (r[3] or "")[:120]) for r in rows]
    finally:
        engine.dispose()
