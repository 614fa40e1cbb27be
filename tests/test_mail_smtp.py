"""Real SMTP: an aiosmtpd server on loopback receives what SmtpMailer sends."""

from __future__ import annotations

import base64
import logging
import shutil
import ssl
import subprocess
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr

from ringback.mail import (
    DeliveryStatus,
    MailDeliveryError,
    SmtpMailer,
    deliver_voicemail,
    flush_outbox,
    mailer_from_settings,
    outbox_from_settings,
)
from ringback.mail.outbox import KEY_HEADER
from ringback.mail.protocol import send_message
from tests.support.mail import HOSTILE, parts_of, sample_vm
from tests.support.smtp import (
    PASSWORD,
    USER,
    Server,
    authenticator,
    free_port,
    smtp_settings,
)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl command not available to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls(files: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*files)
    return ctx


def client_tls(files: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(files[0]))


# ---- the whole email over the wire ----------------------------------------------------


def test_voicemail_email_received_over_smtp(tmp_path: Path, smtpd: Callable[..., Server]) -> None:
    server = smtpd()
    s = smtp_settings(tmp_path, server.port)
    assert isinstance(mailer_from_settings(s), SmtpMailer)
    vm = sample_vm(transcript=HOSTILE + " call me", words=(), urgent=True, is_prospect=True)

    result = deliver_voicemail(vm, settings=s)

    assert result.status is DeliveryStatus.SENT
    assert len(server.handler.envelopes) == 1
    env = server.handler.envelopes[0]
    assert env.mail_from == "ringback@example.com"
    assert sorted(env.rcpt_tos) == ["assistant@example.com", "seller@example.com"]
    msg = server.handler.messages()[0]
    assert msg["Subject"] == (
        "[Urgent] [Prospect] Voicemail from Sarah Chen (+1 415-555-0137), 0:27"
        " — wants to meet Thursday 2 pm"
    )
    assert msg["Message-ID"] == result.message_id
    assert msg["Importance"] == "high"
    assert msg[KEY_HEADER] == "voicemail-42"
    assert b"\r\n" in env.original_content and b"\n" not in env.original_content.replace(
        b"\r\n", b""
    )
    parts = parts_of(msg)
    assert set(parts) == {"text/plain", "text/html", "text/calendar", "audio/wav"}
    html = parts["text/html"].get_content()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="tel:+14155550137"' in html
    assert parts["audio/wav"].get_filename() == "msg0001.wav"
    assert parts["audio/wav"].get_payload(decode=True) == vm.audio.data  # type: ignore[union-attr]
    ics = parts["text/calendar"].get_payload(decode=True).decode()
    assert "DTSTART:20261126T190000Z" in ics and "METHOD:PUBLISH" in ics
    assert not list((tmp_path / "data" / "outbox").glob("*.eml"))  # nothing left queued


def test_low_confidence_words_survive_the_wire(
    tmp_path: Path, smtpd: Callable[..., Server]
) -> None:
    server = smtpd()
    deliver_voicemail(sample_vm(), settings=smtp_settings(tmp_path, server.port))
    parts = parts_of(server.handler.messages()[0])
    assert "[Chen?]" in parts["text/plain"].get_content()
    assert 'class="low-confidence"' in parts["text/html"].get_content()


# ---- login and TLS --------------------------------------------------------------------


def test_login_without_tls_when_the_server_allows_it(smtpd: Callable[..., Server]) -> None:
    server = smtpd(authenticator=authenticator, auth_require_tls=False)
    mailer = SmtpMailer(
        "127.0.0.1", server.port, security="none", user=USER, password=SecretStr(PASSWORD)
    )
    send_message(mailer, _tiny())
    assert len(server.handler.envelopes) == 1


def test_wrong_password_gives_a_clear_error_that_never_shows_the_password(
    smtpd: Callable[..., Server], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    server = smtpd(authenticator=authenticator, auth_require_tls=False)
    wrong = PASSWORD + "x"
    s = smtp_settings(tmp_path, server.port, smtp_user=USER, smtp_password=wrong)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(MailDeliveryError) as info:
        send_message(mailer_from_settings(s), _tiny())
    message = str(info.value)
    assert "rejected the login for user 'seller'" in message
    assert "RINGBACK_SMTP_PASSWORD" in message
    assert info.value.unreachable and not info.value.permanent
    # And through the outbox, which logs the failure and keeps the mail.
    result = deliver_voicemail(sample_vm(), settings=s)
    assert result.status is DeliveryStatus.QUEUED
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("ringback"))
    assert "rejected the login" in ours
    secrets = [wrong, PASSWORD, base64.b64encode(f"\0{USER}\0{wrong}".encode()).decode()]
    for text in (message, ours, result.error or "", repr(s), repr(mailer_from_settings(s))):
        for secret in secrets:
            assert secret not in text
    sidecars = "".join(p.read_text() for p in (tmp_path / "data" / "outbox").glob("*.json"))
    assert "rejected the login" in sidecars and wrong not in sidecars


def test_starttls_with_login(smtpd: Callable[..., Server], tls_files: tuple[Path, Path]) -> None:
    server = smtpd(
        authenticator=authenticator, tls_context=server_tls(tls_files), require_starttls=True
    )
    mailer = SmtpMailer(
        "127.0.0.1", server.port, security="starttls", user=USER,
        password=SecretStr(PASSWORD), ssl_context=client_tls(tls_files),
    )  # fmt: skip
    send_message(mailer, _tiny())
    assert len(server.handler.envelopes) == 1


def test_starttls_rejects_an_untrusted_certificate(
    smtpd: Callable[..., Server], tls_files: tuple[Path, Path]
) -> None:
    server = smtpd(tls_context=server_tls(tls_files), require_starttls=True)
    mailer = SmtpMailer("127.0.0.1", server.port, security="starttls")  # system CAs only
    with pytest.raises(MailDeliveryError, match=r"STARTTLS with SMTP server .* failed"):
        send_message(mailer, _tiny())
    assert server.handler.envelopes == []


def test_implicit_tls(smtpd: Callable[..., Server], tls_files: tuple[Path, Path]) -> None:
    server = smtpd(ssl_context=server_tls(tls_files))
    mailer = SmtpMailer("127.0.0.1", server.port, security="ssl", ssl_context=client_tls(tls_files))
    send_message(mailer, _tiny())
    assert len(server.handler.envelopes) == 1


def test_starttls_required_but_not_offered(smtpd: Callable[..., Server]) -> None:
    server = smtpd()
    with pytest.raises(MailDeliveryError, match="does not offer STARTTLS"):
        send_message(SmtpMailer("127.0.0.1", server.port, security="starttls"), _tiny())


def test_connection_refused_is_clear(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(MailDeliveryError, match=f"127.0.0.1:{port}: connection refused") as info:
        send_message(SmtpMailer("127.0.0.1", port, security="none", timeout=5), _tiny())
    assert info.value.unreachable


# ---- never dropped, never doubled -----------------------------------------------------


def test_smtp_down_then_up_delivers_exactly_once(
    tmp_path: Path, smtpd: Callable[..., Server]
) -> None:
    port = free_port()
    s = smtp_settings(tmp_path, port)
    first = deliver_voicemail(sample_vm(), settings=s)
    assert first.status is DeliveryStatus.QUEUED
    assert "connection refused" in (first.error or "")
    queued = list((tmp_path / "data" / "outbox").glob("*.eml"))
    assert len(queued) == 1  # on disk, waiting
    report = flush_outbox(s)
    assert report.not_due == 1 and report.sent == 0  # backing off, not hammering

    server = smtpd(port=port)
    assert flush_outbox(s, force=True).sent == 1
    assert len(server.handler.envelopes) == 1
    assert flush_outbox(s, force=True).sent == 0
    again = deliver_voicemail(sample_vm(), settings=s)  # e.g. the pipeline re-ran
    assert again.status is DeliveryStatus.ALREADY_SENT
    assert len(server.handler.envelopes) == 1
    assert server.handler.messages()[0]["Message-ID"] == first.message_id


def test_same_idempotency_key_twice_sends_one_email(
    tmp_path: Path, smtpd: Callable[..., Server]
) -> None:
    server = smtpd()
    s = smtp_settings(tmp_path, server.port)
    assert deliver_voicemail(sample_vm(), settings=s).status is DeliveryStatus.SENT
    assert deliver_voicemail(sample_vm(), settings=s).status is DeliveryStatus.ALREADY_SENT
    other = deliver_voicemail(sample_vm(voicemail_id="43"), settings=s)
    assert other.status is DeliveryStatus.SENT
    assert len(server.handler.envelopes) == 2


def test_permanent_refusal_is_parked_not_dropped(
    tmp_path: Path, smtpd: Callable[..., Server]
) -> None:
    server = smtpd()
    server.handler.reply = "554 5.6.0 Message rejected"
    s = smtp_settings(tmp_path, server.port)
    result = deliver_voicemail(sample_vm(), settings=s)
    assert result.status is DeliveryStatus.FAILED
    assert "554" in (result.error or "")
    failed = tmp_path / "data" / "outbox" / "failed"
    assert len(list(failed.glob("*.eml"))) == 1 and len(list(failed.glob("*.json"))) == 1
    # The fix is on the server side; once fixed, the parked mail goes out on request.
    server.handler.reply = "250 OK"
    outbox = outbox_from_settings(s)
    assert outbox.requeue_failed() == 1
    assert outbox.flush().sent == 1
    assert len(server.handler.envelopes) == 1


def test_temporary_refusal_is_retried(tmp_path: Path, smtpd: Callable[..., Server]) -> None:
    server = smtpd()
    server.handler.reply = "451 4.3.0 Try again later"
    s = smtp_settings(tmp_path, server.port)
    result = deliver_voicemail(sample_vm(), settings=s)
    assert result.status is DeliveryStatus.QUEUED and "451" in (result.error or "")
    server.handler.reply = "250 OK"
    assert flush_outbox(s, force=True).sent == 1
    assert len(server.handler.envelopes) == 1


def _tiny() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "ringback@example.com"
    msg["To"] = "seller@example.com"
    msg["Subject"] = "test"
    msg.set_content("hello")
    return msg
