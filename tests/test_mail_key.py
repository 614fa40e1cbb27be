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
from tests.support.audio import needs_audio, voicemail_wav
from tests.support.mail import maildir_messages, make_settings
from tests.support.net import free_port
from tests.support.pipeline import FakeExtractor, FakeTranscriber, Interrupt, speech_8k, wav_bytes
from tests.support.smtp import Server


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
    return ingest(audio, source="upload", url=url, data_dir=settings.data_dir, region="US", **kw)


def smtp_for(tmp_path: Path, port: int) -> Settings:
    return make_settings(
        tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_timeout=5
    )


@pytest.mark.parametrize("via", ["smtp", "maildir"])
def test_a_new_database_on_the_same_data_directory_still_emails_voicemail_1(
    db_url: str,
    tmp_path: Path,
    via: str,
    smtpd: Callable[..., Server],
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
    smtpd: Callable[..., Server],
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
    smtpd: Callable[..., Server],
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


def send_follow_up_step_1(url: str, settings: Settings) -> None:
    """A voicemail left for a contact, its sequence's first email drafted and approved."""
    from ringback.db.session import transaction
    from ringback.tracking.models import FollowUpStep
    from ringback.tracking.sequence_mail import send_step
    from ringback.tracking.sequences import run_due, start_sequence
    from ringback.tracking.service import log_voicemail
    from tests.support.tracking import GOOD, MON, make_contact

    with transaction(url) as session:
        cid = make_contact(session)
        vm = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
        start_sequence(session, event_id=vm.event.id, settings=settings)
        (step_id,) = run_due(session, settings=settings, now=MON).drafted
        assert step_id == 1  # the same id in both databases
        send_step(session, step_id=step_id, settings=settings, now=MON)
        step = session.get(FollowUpStep, step_id)
        assert step is not None and step.note == "outbox: sent"


def test_a_new_database_still_sends_follow_up_step_1(
    db_url: str,
    tmp_path: Path,
    smtpd: Callable[..., Server],
) -> None:
    from tests.support.tracking import settings_for

    server = smtpd()
    send_follow_up_step_1(db_url, settings_for(db_url, tmp_path, server.port))
    second_url = fresh_database(db_url, tmp_path)
    send_follow_up_step_1(second_url, settings_for(second_url, tmp_path, server.port))
    mails = server.handler.messages()
    assert [m["To"] for m in mails] == ["bill@abc.example"] * 2
    assert mails[0]["Message-ID"] != mails[1]["Message-ID"]


def test_upgrading_gives_existing_rows_their_own_uid_and_keeps_their_stages(
    db_url: str,
) -> None:
    from alembic import command

    from ringback.db.migrate import alembic_config
    from ringback.db.session import get_engine

    command.downgrade(alembic_config(db_url), "0005")
    with get_engine(db_url).begin() as conn:
        for key in ("a", "b"):
            conn.execute(
                text(
                    "INSERT INTO voicemails (source, source_key, status, received_at,"
                    " created_at, updated_at) VALUES ('upload', :k, 'done', :t, :t, :t)"
                ),
                {"k": key, "t": "2026-11-23 10:00:00"},
            )
        conn.execute(
            text(
                "INSERT INTO voicemail_stages (voicemail_id, stage, position, status, attempts)"
                " VALUES (1, 'store', 0, 'done', 1)"
            )
        )
    upgrade(db_url)
    with get_engine(db_url).connect() as conn:
        uids = conn.execute(text("SELECT uid FROM voicemails")).scalars().all()
        stages_kept = conn.execute(text("SELECT count(*) FROM voicemail_stages")).scalar()
    assert len(set(uids)) == 2 and all(len(u) == 32 for u in uids)
    assert stages_kept == 1  # SQLite: no table rebuild, so no cascade wiped the stages


@pytest.mark.slow
@needs_audio
@pytest.mark.postgres
def test_moving_to_postgresql_keeps_emailing_every_voicemail(
    cli_embedded: Cli, pg_url: str, tmp_path: Path
) -> None:
    """The README's move: the same data directory, from embedded SQLite to PostgreSQL."""
    data_dir = Path(cli_embedded.env["RINGBACK_DATA_DIR"])
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    first.write_bytes(voicemail_wav())
    second.write_bytes(voicemail_wav(tail_seconds=1.5))
    on_sqlite = cli_embedded("inbox", "add", str(first), "--json")
    assert on_sqlite.exit_code == 0, on_sqlite.output

    on_postgres = Cli(data_dir, pg_url)
    assert on_postgres("db", "upgrade").exit_code == 0
    added = on_postgres("inbox", "add", str(second), "--json")
    assert added.exit_code == 0, added.output
    moved = json.loads(added.stdout)
    assert moved["id"] == json.loads(on_sqlite.stdout)["id"] == 1
    assert moved["status"] == "done" and moved["email_status"] == "sent"
    mails = maildir_messages(data_dir)
    assert len(mails) == 2 and mails[0]["Message-ID"] != mails[1]["Message-ID"]
