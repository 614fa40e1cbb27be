"""/healthz and /readyz: alive without the database; ready only when the database (and,
when configured, the broker) answers; a failure names the part and hides its password."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ringback.db.migrate import upgrade
from ringback.web import create_app
from tests.support.net import free_port
from tests.support.twilio import make_settings


def _client(app: object) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1")  # type: ignore[arg-type]


def test_readyz_is_ok_when_the_database_answers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    upgrade(settings.effective_database_url)
    with _client(create_app(settings, prepare_database=False)) as client:
        reply = client.get("/readyz")
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"
    assert reply.json()["checks"]["database"]["ok"] is True
    assert reply.headers["cache-control"] == "no-store"


def test_a_dead_database_leaves_healthz_up_and_readyz_503_without_its_password(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://ringback:hunter2-secret@127.0.0.1:{port}/ringback"
    settings = make_settings(tmp_path, database_url=url)
    # Without the lifespan (which reads the database at start): the server lost its
    # database after starting.
    client = _client(create_app(settings, prepare_database=False))
    alive = client.get("/healthz")
    ready = client.get("/readyz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert str(port) in body["checks"]["database"]["error"]  # says which server
    assert "hunter2-secret" not in ready.text


def test_with_the_celery_queue_readyz_checks_the_broker(tmp_path: Path) -> None:
    """A real Redis on its standard port answers; a port nobody listens on does not."""
    base = make_settings(tmp_path)
    upgrade(base.effective_database_url)
    good = base.model_copy(update={"queue": "celery", "broker_url": "redis://127.0.0.1:6379/0"})
    dead = f"redis://:broker-pw-77@127.0.0.1:{free_port()}/0"
    bad = base.model_copy(update={"queue": "celery", "broker_url": dead})
    with _client(create_app(good, prepare_database=False)) as client:
        reply = client.get("/readyz")
    assert reply.status_code == 200, reply.text
    assert reply.json()["checks"]["broker"]["ok"] is True
    with _client(create_app(bad, prepare_database=False)) as client:
        reply = client.get("/readyz")
    assert reply.status_code == 503
    checks = reply.json()["checks"]
    assert checks["database"]["ok"] is True and checks["broker"]["ok"] is False
    assert "broker-pw-77" not in reply.text


def test_the_embedded_queue_has_no_broker_to_check(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    upgrade(settings.effective_database_url)
    with _client(create_app(settings, prepare_database=False)) as client:
        checks = client.get("/readyz").json()["checks"]
    assert "broker" not in checks
