"""Secrets stay masked in every form: ``ringback config``, the "cannot reach the database"
error, and the log of a refused webhook (callers' numbers and names are not spelled out).

The database errors come from the real psycopg driver trying a real (closed or wrong)
PostgreSQL address on loopback; the webhook runs under uvicorn with the real validator.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from ringback.redact import initials, mask_phone, mask_url, redact, url_secrets
from ringback.web import create_app
from tests.conftest import Cli
from tests.support.twilio import (
    AUTH_TOKEN,
    Served,
    callback_path,
    make_settings,
    recording_params,
    recording_sid,
)

SECRET = "hunter2"
# Port 1 on loopback: nothing listens, so the driver fails at once with its own message.
UNREACHABLE = [
    "postgresql+psycopg://u:hunter2@127.0.0.1:1/ringback",
    "postgresql+psycopg://u@127.0.0.1:1/ringback?password=hunter2",
    "postgresql+psycopg://u@127.0.0.1:1/ringback?sslmode=disable&password=hunter2",
    "postgresql+psycopg://u:hunter2@127.0.0.1:1/ringback?password=hunter2",
]


@pytest.mark.parametrize("url", UNREACHABLE)
def test_config_never_prints_a_database_password(cli_embedded: Cli, url: str) -> None:
    cli_embedded.env["RINGBACK_DATABASE_URL"] = url
    as_json = cli_embedded("config", "--json")
    assert as_json.exit_code == 0, as_json.output
    shown = json.loads(as_json.stdout)["database_url"]
    assert SECRET not in as_json.output
    assert shown.startswith("postgresql+psycopg://u") and "127.0.0.1:1/ringback" in shown
    cli_embedded.env["COLUMNS"] = "300"  # one line per setting: a wrapped secret would hide
    table = cli_embedded("config")
    assert table.exit_code == 0 and "127.0.0.1:1/ringback" in table.stdout
    assert SECRET not in table.output


@pytest.mark.parametrize("url", UNREACHABLE)
@pytest.mark.parametrize("command", [("db", "upgrade"), ("start",), ("contacts", "list")])
def test_cannot_reach_the_database_error_masks_the_password(
    cli_embedded: Cli, url: str, command: tuple[str, ...]
) -> None:
    cli_embedded.env["RINGBACK_DATABASE_URL"] = url
    result = cli_embedded(*command)
    assert result.exit_code == 1
    assert "cannot reach the database postgresql+psycopg://u" in result.output
    assert "RINGBACK_DATABASE_URL" in result.output  # says what to fix
    assert SECRET not in result.output
    assert "Traceback" not in result.output


def test_a_driver_message_that_echoes_the_password_is_masked_too() -> None:
    url = "postgresql://u@db.example/rb?password=hunter%232"
    echoed = 'invalid connection option: password=hunter#2 host="db.example"'
    assert "hunter" not in redact(echoed, url_secrets(url))
    assert "hunter" not in redact("auth failed for hunter#2", url_secrets(url))
    assert mask_url(url) == "postgresql://u@db.example/rb?password=***"
    # Other settings are kept as written, so the user can see which server is meant.
    assert mask_url("redis://:s3cret@cache:6379/0?db=1") == "redis://:***@cache:6379/0?db=1"
    assert mask_url("https://x.example/a?api_key=s3cret&page=2") == (
        "https://x.example/a?api_key=***&page=2"
    )


def test_callers_are_masked_in_logs() -> None:
    assert mask_phone("+12125550199", region="US") == "+1 212-•••-••99"
    assert mask_phone("(212) 555-0199", region="US") == "+1 212-•••-••99"
    assert (
        "555" not in mask_phone("+44 20 7946 0958", region="US")
        and mask_phone("+442079460958", region="US")[-2:] == "58"
    )
    assert mask_phone("Anonymous", region="US") == "•••"
    assert initials("Bill  Turner") == "B. T."


def test_a_refused_webhook_does_not_log_the_callers_number_or_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path)
    caller = "+12125550199"
    path = callback_path(caller=caller) + "&caller=Bill+Turner&intake=Bill+Turner+from+ABC"
    sid = recording_sid(7)
    params = {**recording_params(sid, "https://api.twilio.com/x"), "From": caller}
    with Served(create_app(settings)) as srv, caplog.at_level(logging.DEBUG):
        forged = srv.post(path, params, token="not-" + AUTH_TOKEN)
        broken = srv.post(path, {**params, "RecordingSid": "RE1"})  # signed, but malformed
    assert forged.status_code == 403 and broken.status_code == 400
    # Everything the server logged (httpx/httpcore are this test's own client).
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(r.getMessage() for r in server)
    assert "refused" in logged and "+1 212-•••-••99" in logged  # still tells calls apart
    for leak in ("2125550199", "555-0199", "5550199", "Bill", "Turner", "ABC", AUTH_TOKEN):
        assert leak not in logged, leak
