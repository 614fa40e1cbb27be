"""The outbox: durable before sending, retried with backoff, parked not dropped, sent once.
And the Maildir default that needs no server."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from ringback.mail import (
    DeliveryStatus,
    MailDeliveryError,
    MaildirMailer,
    Outbox,
    build_voicemail_email,
    deliver_voicemail,
    flush_outbox,
    mailer_from_settings,
    message_id_for,
    outbox_from_settings,
)
from ringback.mail.outbox import KEY_HEADER, entry_name
from tests.support.mail import make_settings, sample_vm, tiny


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeMailer:
    """Fails while ``error`` is set; records (parsed) what it accepted."""

    description = "fake"

    def __init__(self, error: MailDeliveryError | Exception | None = None, delay: float = 0):
        self.error = error
        self.delay = delay
        self.sent: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.calls = 0

    def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> None:
        self.calls += 1
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.sent.append(msg)
        self.envelopes.append((sender, list(recipients)))


def test_message_is_on_disk_before_the_send_attempt(tmp_path: Path) -> None:
    seen: list[list[str]] = []

    class Peek(FakeMailer):
        def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> None:
            seen.append(sorted(p.name for p in tmp_path.glob("*.eml")))
            super().send(raw, sender=sender, recipients=recipients)

    outbox = Outbox(tmp_path, Peek())
    result = outbox.deliver("voicemail-1", tiny())
    assert result.status is DeliveryStatus.SENT
    assert seen == [[f"{entry_name('voicemail-1')}.eml"]]
    assert not list(tmp_path.glob("*.eml")) and not list(tmp_path.glob("*.json"))
    marker = json.loads((tmp_path / "sent" / f"{entry_name('voicemail-1')}.json").read_text())
    assert marker["key"] == "voicemail-1" and marker["via"] == "fake"


def test_message_id_and_key_header_come_from_the_key(tmp_path: Path) -> None:
    mailer = FakeMailer()
    Outbox(tmp_path, mailer).deliver("voicemail-7", tiny())
    sent = mailer.sent[0]
    assert sent["Message-ID"] == message_id_for("voicemail-7", "example.com")
    assert sent[KEY_HEADER] == "voicemail-7"
    assert mailer.envelopes == [("ringback@example.com", ["seller@example.com"])]


def test_backoff_bookkeeping_and_parking_after_max_attempts(tmp_path: Path) -> None:
    clock = Clock()
    mailer = FakeMailer(MailDeliveryError("451 try later"))
    outbox = Outbox(tmp_path, mailer, max_attempts=4, base_delay=30, max_delay=100, clock=clock)
    result = outbox.deliver("k", tiny())
    assert result.status is DeliveryStatus.QUEUED and result.attempts == 1
    assert result.next_attempt_at == clock.now + timedelta(seconds=30)
    meta = json.loads((tmp_path / f"{entry_name('k')}.json").read_text())
    assert meta["attempts"] == 1 and meta["errors"][-1]["error"] == "451 try later"

    assert outbox.flush().not_due == 1 and mailer.calls == 1  # not before its time
    clock.advance(30)
    assert outbox.flush().retry_later == 1
    assert outbox.entries()[0].next_attempt_at == clock.now + timedelta(seconds=60)
    clock.advance(60)
    outbox.flush()
    assert outbox.entries()[0].next_attempt_at == clock.now + timedelta(seconds=100)  # capped
    assert outbox.next_due() == clock.now + timedelta(seconds=100)
    clock.advance(100)
    report = outbox.flush()
    assert report.failed == 1 and mailer.calls == 4
    assert outbox.entries() == []
    parked = outbox.entries(failed=True)
    assert len(parked) == 1 and parked[0].attempts == 4 and parked[0].key == "k"
    assert parked[0].path.exists()  # never deleted
    # Parked mail is not retried on its own, and re-submitting the key adds nothing.
    clock.advance(10_000)
    assert outbox.flush() == type(report)()
    assert outbox.deliver("k", tiny()).status is DeliveryStatus.FAILED
    assert mailer.calls == 4
    # Once the cause is fixed, it goes out.
    mailer.error = None
    assert outbox.requeue_failed("k") == 1
    assert outbox.flush().sent == 1 and len(mailer.sent) == 1
    assert outbox.entries(failed=True) == []


def test_a_cancelled_message_is_never_sent_and_a_sent_one_stays_sent(tmp_path: Path) -> None:
    """What a deleted voicemail's email does: dropped while queued or parked."""
    mailer = FakeMailer(MailDeliveryError("550 no such user", permanent=True))
    outbox = Outbox(tmp_path, mailer)
    assert outbox.deliver("parked", tiny()).status is DeliveryStatus.FAILED
    mailer.error = MailDeliveryError("451 try later")
    assert outbox.deliver("queued", tiny()).status is DeliveryStatus.QUEUED
    mailer.error = None
    assert outbox.deliver("sent", tiny()).status is DeliveryStatus.SENT
    assert outbox.cancel("parked") and outbox.cancel("queued")
    assert not outbox.cancel("sent") and not outbox.cancel("unknown")
    assert outbox.status("parked") is None and outbox.status("queued") is None
    assert outbox.status("sent").status is DeliveryStatus.ALREADY_SENT  # type: ignore[union-attr]
    assert outbox.flush(force=True).sent == 0 and len(mailer.sent) == 1
    assert not list(tmp_path.glob("*.eml")) and not list((tmp_path / "failed").iterdir())


def test_flush_stops_when_the_server_is_unreachable(tmp_path: Path) -> None:
    clock = Clock()
    mailer = FakeMailer(MailDeliveryError("connection refused", unreachable=True))
    outbox = Outbox(tmp_path, mailer, clock=clock)
    for i in range(3):
        outbox.submit(f"k{i}", tiny())
        clock.advance(1)
    report = outbox.flush()
    assert (report.retry_later, report.deferred, mailer.calls) == (1, 2, 1)
    assert [e.attempts for e in outbox.entries()] == [1, 0, 0]  # untried ones keep budget
    mailer.error = None
    assert outbox.flush(force=True).sent == 3


def test_a_bug_in_the_mailer_keeps_the_message(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, FakeMailer(RuntimeError("boom")))
    result = outbox.deliver("k", tiny())
    assert result.status is DeliveryStatus.QUEUED and "RuntimeError: boom" in (result.error or "")
    assert len(outbox.entries()) == 1


def test_crash_after_delivery_before_cleanup_sends_nothing_twice(tmp_path: Path) -> None:
    mailer = FakeMailer()
    outbox = Outbox(tmp_path, mailer)

    def crash(name: str) -> None:
        raise KeyboardInterrupt  # killed right after writing the sent marker

    outbox._remove_queued = crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver("k", tiny())
    assert len(list(tmp_path.glob("*.eml"))) == 1 and len(mailer.sent) == 1

    restarted = Outbox(tmp_path, mailer)
    assert restarted.flush(force=True).already_sent == 1
    assert restarted.deliver("k", tiny()).status is DeliveryStatus.ALREADY_SENT
    assert len(mailer.sent) == 1 and not list(tmp_path.glob("*.eml"))


def test_no_or_torn_sidecar_and_tmp_leftovers_still_send_the_right_mail(tmp_path: Path) -> None:
    mailer = FakeMailer()
    outbox = Outbox(tmp_path, mailer)
    outbox.submit("a", tiny("a"))
    outbox.submit("b", tiny("b"))
    assert not list(tmp_path.glob("*.json"))  # no sidecar until an attempt fails
    (tmp_path / f"{entry_name('b')}.json").write_text('{"key": "b", "attem')  # torn
    (tmp_path / "tmp" / "c.eml.123.tmp").write_bytes(b"half a mess")  # killed mid-write
    assert {e.key for e in outbox.entries()} == {"a", "b"}
    assert outbox.flush().sent == 2
    assert sorted(str(m["Subject"]) for m in mailer.sent) == ["a", "b"]
    assert outbox.is_sent("a") and outbox.is_sent("b")


def test_concurrent_delivery_of_one_key_sends_once(tmp_path: Path) -> None:
    mailer = FakeMailer(delay=0.05)
    results: list[Any] = []

    def worker() -> None:
        results.append(Outbox(tmp_path, mailer).deliver("voicemail-9", tiny()).status)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(mailer.sent) == 1
    assert results.count(DeliveryStatus.SENT) == 1
    assert set(results) <= {DeliveryStatus.SENT, DeliveryStatus.ALREADY_SENT}


def test_process_killed_mid_send_delivers_exactly_once_after_restart(tmp_path: Path) -> None:
    """A real process dies inside send (before the Maildir took the message)."""
    maildir = tmp_path / "mail"
    child = f"""
import os
from email.message import EmailMessage
from pathlib import Path
from ringback.mail import Outbox

class Dies:
    description = "dies"
    def send(self, raw, *, sender, recipients):
        os._exit(9)

msg = EmailMessage()
msg["From"] = "ringback@example.com"
msg["To"] = "seller@example.com"
msg["Subject"] = "survives"
msg.set_content("body")
Outbox(Path({str(tmp_path / "outbox")!r}), Dies()).deliver("voicemail-5", msg)
"""
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=60)
    assert proc.returncode == 9, proc.stderr.decode()
    outbox = Outbox(tmp_path / "outbox", MaildirMailer(maildir))
    assert outbox.flush(force=True).sent == 1
    assert outbox.flush(force=True).sent == 0
    box = mailbox.Maildir(maildir, create=False)
    assert [m["Subject"] for m in box] == ["survives"]
    # The message lock the dead process held went with it, and its file with the message.
    assert not list((tmp_path / "outbox" / "locks").iterdir())


def test_bad_keys_are_refused_and_odd_keys_make_safe_names(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, FakeMailer())
    with pytest.raises(ValueError):
        outbox.submit("a\nb", tiny())
    with pytest.raises(ValueError):
        outbox.submit("", tiny())
    name = entry_name("../../etc/passwd")
    assert "/" not in name and not name.startswith(".")
    assert entry_name("a/b") != entry_name("a_b")
    assert outbox.deliver("../../etc/passwd", tiny()).status is DeliveryStatus.SENT
    assert (tmp_path / "sent" / f"{name}.json").exists()


# ---- the Maildir default ---------------------------------------------------------------


def test_default_settings_deliver_to_a_maildir(tmp_path: Path) -> None:
    s = make_settings(tmp_path)  # no SMTP host
    mailer = mailer_from_settings(s)
    assert isinstance(mailer, MaildirMailer) and mailer.path == s.data_dir / "mail"
    result = deliver_voicemail(sample_vm(), settings=s)
    assert result.status is DeliveryStatus.SENT
    assert deliver_voicemail(sample_vm(), settings=s).status is DeliveryStatus.ALREADY_SENT
    box = mailbox.Maildir(s.data_dir / "mail", create=False)
    messages = list(box)
    assert len(messages) == 1
    msg = messages[0]
    assert msg["Subject"].startswith("Voicemail from Sarah Chen (+1 415-555-0137), 0:27")
    assert msg["Message-ID"] == result.message_id
    files = list((s.data_dir / "mail" / "new").iterdir())
    assert len(files) == 1 and files[0].stat().st_mode & 0o777  # a real file a client can read
    assert not list((s.data_dir / "outbox").glob("*.eml"))
    assert flush_outbox(s).sent == 0


def test_maildir_write_failure_keeps_the_mail_queued(tmp_path: Path) -> None:
    blocker = tmp_path / "data" / "mail"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the Maildir should be")
    s = make_settings(tmp_path)
    result = deliver_voicemail(sample_vm(), settings=s)
    assert result.status is DeliveryStatus.QUEUED
    assert "cannot write to Maildir" in (result.error or "")
    blocker.unlink()
    assert flush_outbox(s, force=True).sent == 1
    (msg,) = list(mailbox.Maildir(blocker, create=False))
    assert msg["Message-ID"] == result.message_id


def test_pipeline_rerun_after_a_kill_between_spool_and_send(tmp_path: Path) -> None:
    """Killed after the mail was spooled: re-running the notify stage sends it, once."""
    s = make_settings(tmp_path)
    vm = sample_vm()
    outbox = outbox_from_settings(s)
    outbox.submit(vm.idempotency_key, build_voicemail_email(vm, settings=s))  # then killed
    assert deliver_voicemail(vm, settings=s).status is DeliveryStatus.SENT
    assert deliver_voicemail(vm, settings=s).status is DeliveryStatus.ALREADY_SENT
    assert len(list(mailbox.Maildir(s.data_dir / "mail", create=False))) == 1


def test_pipeline_rerun_while_backing_off_does_not_hammer(tmp_path: Path) -> None:
    failing = FakeMailer(MailDeliveryError("451 later"))
    s = make_settings(tmp_path)
    first = deliver_voicemail(sample_vm(), settings=s, mailer=failing)
    again = deliver_voicemail(sample_vm(), settings=s, mailer=failing)
    assert first.status is again.status is DeliveryStatus.QUEUED
    assert failing.calls == 1 and again.attempts == 1 and again.error == "451 later"


def test_a_key_too_long_for_one_header_line_still_names_its_mail(tmp_path: Path) -> None:
    # Folded onto a second header line, the key came back with a leading space: its
    # status and its sent marker then named no mail, and email_status said nothing.
    key = "ringback-voicemail-1-" + "0123456789abcdef" * 2
    mailer = FakeMailer(MailDeliveryError("451 try later"))
    outbox = Outbox(tmp_path, mailer)
    assert outbox.deliver(key, tiny()).status is DeliveryStatus.QUEUED
    queued = outbox.status(key)
    assert queued is not None and queued.key == key
    assert [e.key for e in outbox.entries()] == [key]
    mailer.error = None
    assert outbox.flush(force=True).sent == 1
    sent = outbox.status(key)
    assert sent is not None and sent.status is DeliveryStatus.ALREADY_SENT and sent.key == key
    assert outbox.deliver(key, tiny()).status is DeliveryStatus.ALREADY_SENT
    assert len(mailer.sent) == 1
