"""``ringback mail ...`` against a real data directory and a real loopback SMTP server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ringback.config import get_settings
from ringback.mail import DeliveryStatus, MailConfigError, deliver_voicemail, mailer_from_settings
from ringback.mail.cli import mail
from tests.support.mail import make_settings, sample_vm
from tests.support.net import free_port
from tests.support.smtp import PASSWORD, USER, Server, authenticator


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[..., Result]]:
    def invoke(*args: str, **env: str) -> Result:
        full = {
            "RINGBACK_DATA_DIR": str(tmp_path / "data"),
            "RINGBACK_TIMEZONE": "America/New_York",
            "RINGBACK_OWNER_EMAIL": "seller@example.com",
            **env,
        }
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(mail, list(args), env=full, catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    yield invoke


def smtp_env(port: int) -> dict[str, str]:
    return {
        "RINGBACK_SMTP_HOST": "127.0.0.1",
        "RINGBACK_SMTP_PORT": str(port),
        "RINGBACK_SMTP_SECURITY": "none",
        "RINGBACK_SMTP_USER": USER,
        "RINGBACK_SMTP_PASSWORD": PASSWORD,
        "RINGBACK_SMTP_TIMEOUT": "5",
    }


def test_status_on_the_default_maildir(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("status", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["delivers_to"] == f"maildir:{tmp_path / 'data' / 'mail'}"
    assert data["queued"] == [] and data["failed"] == [] and data["sent"] == 0
    assert run("test").exit_code == 0
    assert len(list((tmp_path / "data" / "mail" / "new").iterdir())) == 1


def test_queued_while_down_then_flushed(
    run: Callable[..., Result],
    tmp_path: Path,
    smtpd: Callable[..., Server],
) -> None:
    port = free_port()
    env = smtp_env(port)
    settings = make_settings(
        tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_timeout=5
    )
    assert deliver_voicemail(sample_vm(), settings=settings).status is DeliveryStatus.QUEUED

    status = run("status", "--json", **env)
    queued = json.loads(status.stdout)["queued"]
    assert [q["key"] for q in queued] == ["voicemail-42"]
    assert "connection refused" in queued[0]["last_error"]

    down = run("flush", "--all", **env)
    assert down.exit_code == 1 and "still queued 1" in down.output
    test = run("test", **env)
    assert test.exit_code == 1 and "connection refused" in test.output
    assert PASSWORD not in down.output + test.output + status.output

    server = smtpd(port=port, authenticator=authenticator, auth_require_tls=False)
    up = run("flush", "--all", "--json", **env)
    assert up.exit_code == 0, up.output
    assert json.loads(up.stdout)["sent"] == 1
    assert len(server.handler.envelopes) == 1


def test_smtp_without_recipient_is_a_clear_config_error(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    result = run("status", RINGBACK_OWNER_EMAIL="", **smtp_env(free_port()))
    assert result.exit_code == 1
    assert "set RINGBACK_SMTP_TO" in result.output
    s = make_settings(tmp_path, owner_email="", smtp_host="mail.example.com")
    with pytest.raises(MailConfigError, match="RINGBACK_SMTP_TO"):
        mailer_from_settings(s)
    s2: Any = make_settings(
        tmp_path, owner_email="", smtp_host="mail.example.com", smtp_to="me@example.com"
    )
    with pytest.raises(MailConfigError, match="RINGBACK_SMTP_FROM"):
        mailer_from_settings(s2)


def test_every_mail_command_has_examples(run: Callable[..., Result]) -> None:
    for sub in ("status", "flush", "retry-failed", "test"):
        result = run(sub, "--help")
        assert result.exit_code == 0 and "Examples:" in result.stdout, sub
