"""A voicemail's email is keyed on something unique for all time, not on its database id.

The data directory (and the outbox's "already sent" markers in it) outlives a database:
the README's move to PostgreSQL, a restore, a reset all start ids at 1 again. The new
voicemail #1 must still be emailed, with its own Message-ID. Real pipeline, real outbox,
real SMTP (aiosmtpd on loopback) or the Maildir; only the transcriber and extractor are
the unit-test fakes (the slow test at the end runs Whisper through ``ringback inbox add``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ringback.config import Settings
from ringback.db.migrate import upgrade
from ringback.voicemail.adapters import EmailNotifier
from ringback.voicemail.pipeline import VoicemailResult, default_stages, ingest, resume_pending
from ringback.voicemail.service import email_status
from tests.conftest import Cli
from tests.test_inbox import maildir_messages
from tests.test_mail_compose import make_settings
from tests.test_mail_smtp import Server, free_port, smtpd  # noqa: F401  (fixture)
from tests.test_pipeline import Interrupt
from tests.test_pipeline_helpers import FakeExtractor, FakeTranscriber, speech_8k, wav_bytes


def fresh_database(url: str, tmp_path: Path) -> str:
    """A second, empty, migrated database of the same kind: ids start at 1 again."""
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'second.db'}"
    else:  # PostgreSQL: the same server database, wiped back to nothing (a reset)
        from ringback.db.session import get_engine

        with get_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        get_engine(url).dispose()
    upgrade(url)
    return url


def stages(settings: Settings, url: str, notifier: EmailNotifier | None = None) -> list[Any]:
    return default_stages(
        transcriber=FakeTranscriber(),
        extractor=FakeExtractor(),
        notifier=notifier or EmailNotifier(settings, url),
    )


def add(settings: Settings, url: str, seconds: float, **kw: Any) -> VoicemailResult:
    audio = wav_bytes(speech_8k(seconds))
    kw.setdefault("stages", stages(settings, url))
    return ingest(audio, source="upload", url=url, data_dir=settings.data_dir, **kw)


def smtp_for(tmp_path: Path, port: int) -> Settings:
    return make_settings(
        tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_timeout=5
    )


@pytest.mark.parametrize("via", ["smtp", "maildir"])
def test_a_new_database_on_the_same_data_directory_still_emails_voicemail_1(
    db_url: str,
    tmp_path: Path,
    via: str,
    smtpd: Callable[..., Server],  # noqa: F811
) -> None:
    server = smtpd() if via == "smtp" else None
    settings = smtp_for(tmp_path, server.port) if server else make_settings(tmp_path)

    first = add(settings, db_url, 3.0)
    second_url = fresh_database(db_url, tmp_path)
    second = add(settings, second_url, 3.5)

    assert (first.id, second.id) == (1, 1)  # the same id, two different voicemails
    assert first.status == second.status == "done"
    assert first.email_key != second.email_key
    # Both just went out: the user is told "sent", not "already_sent".
    assert email_status(settings, first.email_key) == "sent"
    assert email_status(settings, second.email_key) == "sent"
    mails = server.handler.messages() if server else maildir_messages(settings.data_dir)
    assert len(mails) == 2
    assert mails[0]["Message-ID"] != mails[1]["Message-ID"]


class DiesAfterSending(EmailNotifier):
    def notify(self, message: Any, *, idempotency_key: str) -> str | None:
        super().notify(message, idempotency_key=idempotency_key)
        raise Interrupt  # sent, but the process dies before 'notify' is recorded as done


def test_a_resumed_notify_step_still_sends_once(
    db_url: str,
    tmp_path: Path,
    smtpd: Callable[..., Server],  # noqa: F811
) -> None:
    server = smtpd()
    settings = smtp_for(tmp_path, server.port)
    with pytest.raises(Interrupt):
        add(settings, db_url, 3.0, stages=stages(settings, db_url, DiesAfterSending(settings)))
    assert len(server.handler.envelopes) == 1

    (resumed,) = resume_pending(db_url, stages(settings, db_url))
    assert resumed.status == "done" and email_status(settings, resumed.email_key) == "sent"
    assert len(server.handler.envelopes) == 1


def test_plain_mail_flush_after_an_outage_sends_the_waiting_voicemail(
    db_url: str,
    tmp_path: Path,
    smtpd: Callable[..., Server],  # noqa: F811
) -> None:
    port = free_port()  # nothing listens yet: the server is down
    settings = smtp_for(tmp_path, port)
    result = add(settings, db_url, 3.0)
    assert result.status == "done" and email_status(settings, result.email_key) == "queued"

    server = smtpd(port=port)  # the user fixes the server, then asks for the mail
    cli = Cli(settings.data_dir, db_url)
    cli.env.update(
        RINGBACK_OWNER_EMAIL="seller@example.com",
        RINGBACK_SMTP_HOST="127.0.0.1",
        RINGBACK_SMTP_PORT=str(port),
        RINGBACK_SMTP_SECURITY="none",
    )
    flushed = cli("mail", "flush", "--json")
    assert flushed.exit_code == 0, flushed.output
    assert json.loads(flushed.stdout)["sent"] == 1
    assert len(server.handler.envelopes) == 1
    assert email_status(settings, result.email_key) == "sent"

    again = cli("mail", "flush")
    assert again.exit_code == 0 and "sent 0, still queued 0" in again.stdout
    assert len(server.handler.envelopes) == 1  # delivered once
