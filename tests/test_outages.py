"""Issue 17 §4, the outages: PostgreSQL gone for a while (a server of the test's own,
stopped with `pg_ctl stop -m fast` mid-run and started again) and the SMTP server down
(a real aiosmtpd stopped while messages are processed). Nothing is lost and every
voicemail is emailed exactly once, counted at the SMTP server.

``pipeline`` says how the pipeline runs (the embedded queue: `ringback inbox watch` in
its own process); another queue joins the parameter list and the tests stay the same.
Waits are on conditions with a deadline, never fixed sleeps.
"""

from __future__ import annotations

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
