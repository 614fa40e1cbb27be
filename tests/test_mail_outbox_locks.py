"""Sending one email holds up no other: the outbox under a mail server that hangs.

A flush stuck in a hung server's SMTP exchange used to hold the whole outbox, so the
pipeline queueing the next voicemail's email, a contact deletion withdrawing mail and
anyone asking about a message all waited out the SMTP timeout. Now only that message
waits; concurrent flushers still send each message exactly once; and a cancel racing
the send of the same message ends with it either sent (and recorded as sent) or not sent
at all. Real SMTP servers on loopback (aiosmtpd, and a tarpit that never answers).

The assertions are about the order of events (what returned while the stuck send was
still in the server), never about durations; the join timeouts are only a safety net.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ringback.mail import DeliveryStatus, FlushReport, Outbox, SmtpMailer
from tests.support.mail import tiny
from tests.support.net import Tarpit
from tests.support.smtp import Holding
from tests.support.workers import wait_until

SAFETY = 30  # seconds: a limit on a hang, never what is asserted

# Another process spooling mail into the same outbox, as the voicemail pipeline's notify
# stage does, and asking what became of two other messages.
SPOOLER = """
import json, sys
from email.message import EmailMessage
from pathlib import Path
from ringback.mail import MaildirMailer, Outbox

root = Path(sys.argv[1])
outbox = Outbox(root, MaildirMailer(root.parent / "mail"))  # spools; sends nothing here
msg = EmailMessage()
msg["From"] = "ringback@example.com"
msg["To"] = "seller@example.com"
msg["Subject"] = "the next voicemail"
msg.set_content("body")
print(json.dumps({
    "queued": outbox.submit("c-next", msg).status,
    "stuck": outbox.status("a-stuck").status,
    "withdrawn": outbox.status("b-withdrawn").status,
}))
"""


def _outbox(root: Path, port: int) -> Outbox:
    # A long timeout, as a slow server needs: the outbox-wide lock used to be held for
    # all of it. Each caller opens its own Outbox, as separate processes do.
    return Outbox(root, SmtpMailer("127.0.0.1", port, security="none", timeout=120))


class Run:
    """``call()`` in a thread of its own; its ``name`` goes into ``events`` as it returns."""

    def __init__(self, events: list[str], name: str, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(events, name, call), daemon=True)
        self._thread.start()

    def _run(self, events: list[str], name: str, call: Callable[[], Any]) -> None:
        try:
            self.result = call()
        except BaseException as exc:  # handed to join(), in the test's thread
            self.error = exc
        finally:
            events.append(name)

    def join(self) -> Any:
        self._thread.join(SAFETY)
        assert not self._thread.is_alive(), "still waiting (for the stuck send?)"
        if self.error is not None:
            raise self.error
        return self.result


def _subjects(server: Holding) -> list[str]:
    return sorted(str(m["Subject"]) for m in server.messages())


def _waiting_for_a_file_lock() -> bool:
    """A thread of this process waits for an flock (a cancel waiting for the send it races)."""
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if len(parts) > 5 and parts[1:3] == ["->", "FLOCK"] and parts[5] == str(os.getpid()):
            return True
    return False


def test_a_flush_stuck_in_a_hung_server_holds_up_no_other_mail(tmp_path: Path) -> None:
    root = tmp_path / "outbox"
    tarpit = Tarpit()
    outbox = _outbox(root, tarpit.port)
    outbox.submit("a-stuck", tiny("stuck"))
    outbox.submit("b-withdrawn", tiny("about a deleted contact"))
    events: list[str] = []
    try:
        flush = Run(events, "flush", lambda: _outbox(root, tarpit.port).flush(force=True))
        wait_until(lambda: tarpit.held == 1, SAFETY)  # the flush is in the hung server

        spooler = subprocess.run(
            [sys.executable, "-c", SPOOLER, str(root)], capture_output=True, timeout=SAFETY
        )
        events.append("other process")
        cancel = Run(events, "cancel", lambda: _outbox(root, tarpit.port).cancel("b-withdrawn"))
        status = Run(events, "status", lambda: _outbox(root, tarpit.port).status("b-withdrawn"))
        assert cancel.join() is True
        status.join()
        # All of that came and went while the flush was still in the hung server.
        assert "flush" not in events and len(events) == 3 and tarpit.held == 1
        assert spooler.returncode == 0, spooler.stderr.decode()
        assert json.loads(spooler.stdout) == {
            "queued": "queued",
            "stuck": "queued",  # being sent, so still queued: answered without waiting
            "withdrawn": "queued",
        }
    finally:
        tarpit.close()  # the server hangs up: the stuck attempt fails
    report = flush.join()
    assert events[-1] == "flush" and report.retry_later == 1 and report.sent == 0
    assert outbox.status("b-withdrawn") is None  # withdrawn, never tried
    assert {e.key: e.attempts for e in outbox.entries()} == {"a-stuck": 1, "c-next": 0}
    assert not list((root / "locks").iterdir())


def test_concurrent_flushers_send_each_message_once_and_pass_a_held_one(
    tmp_path: Path, smtpd: Callable[..., Any]
) -> None:
    server = Holding(subject="held")
    port = smtpd(handler=server).port
    root = tmp_path / "outbox"
    _outbox(root, port).submit("m0-held", tiny("held"))  # first in every flush's order
    others = [f"message {i}" for i in range(1, 9)]
    for i, subject in enumerate(others, start=1):
        _outbox(root, port).submit(f"m{i}", tiny(subject))
    events: list[str] = []
    first = Run(events, "first", lambda: _outbox(root, port).flush(force=True))
    assert server.arrived.wait(SAFETY)  # the first flusher is mid-exchange with m0

    # Two more flushers race each other over the rest while m0 is held.
    racing = [Run(events, n, lambda: _outbox(root, port).flush(force=True)) for n in "ab"]
    reports: list[FlushReport] = [run.join() for run in racing]
    assert "first" not in events
    assert _subjects(server) == others  # each exactly once, while m0 was still held
    assert sum(r.sent for r in reports) == len(others)

    server.release.set()
    assert first.join().sent == 1
    assert Counter(_subjects(server)) == Counter([*others, "held"])  # nothing twice
    assert _outbox(root, port).entries() == []
    assert not list((root / "locks").iterdir())  # lock files leave with their messages


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads /proc/locks (Linux)")
@pytest.mark.parametrize("reply", ["250 OK", "451 try again later"])
def test_a_cancel_racing_the_send_leaves_it_sent_once_or_not_sent(
    tmp_path: Path, smtpd: Callable[..., Any], reply: str
) -> None:
    server = Holding(subject="racing", reply=reply)
    port = smtpd(handler=server).port
    root = tmp_path / "outbox"
    _outbox(root, port).submit("racing", tiny("racing"))
    _outbox(root, port).submit("other", tiny("other"))
    events: list[str] = []
    flush = Run(events, "flush", lambda: _outbox(root, port).flush(force=True))
    assert server.arrived.wait(SAFETY)  # the data is in, the server's answer is not

    racing = Run(events, "cancel racing", lambda: _outbox(root, port).cancel("racing"))
    wait_until(_waiting_for_a_file_lock, SAFETY)  # it waits for the send to end ...
    assert Run(events, "cancel other", lambda: _outbox(root, port).cancel("other")).join()
    assert events == ["cancel other"]  # ... while withdrawing any other mail does not

    server.release.set()
    report = flush.join()
    dropped = racing.join()
    status = _outbox(root, port).status("racing")
    if reply.startswith("250"):  # the send won: delivered once, recorded, not withdrawn
        assert (dropped, _subjects(server), report.sent) == (False, ["racing"], 1)
        assert status is not None and status.status is DeliveryStatus.ALREADY_SENT
    else:  # the send failed: withdrawn before any retry
        assert (dropped, _subjects(server), report.retry_later) == (True, [], 1)
        assert status is None
    server.reply = "250 OK"
    assert _outbox(root, port).flush(force=True).sent == 0  # "other" was withdrawn too
    assert _subjects(server) == (["racing"] if reply.startswith("250") else [])


def test_a_mail_job_whose_message_is_withdrawn_as_it_starts_sends_nothing_and_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mail job looks the message up, then sends it; a contact deleted between the two
    withdraws it. The job must end with "nothing to send" (it used to raise, and a worker
    retried a message that no longer exists until it gave up), and nothing is sent."""
    from ringback.mail import deliver_spooled
    from ringback.mail.service import outbox_from_settings
    from tests.support.smtp import smtp_server, smtp_settings

    with smtp_server() as (port, received):
        settings = smtp_settings(tmp_path, port)
        outbox = outbox_from_settings(settings)
        outbox.submit("vm-7", tiny("voicemail 7"))
        looked_up = Outbox.status

        def looked_up_then_withdrawn(self: Outbox, key: str) -> Any:
            known = looked_up(self, key)
            self.cancel(key)  # the contact is deleted at this very moment
            return known

        monkeypatch.setattr(Outbox, "status", looked_up_then_withdrawn)
        assert deliver_spooled("vm-7", settings=settings) is None
        monkeypatch.undo()
        outbox.submit("vm-8", tiny("voicemail 8"))  # the server does answer: a control
        assert outbox.flush().sent == 1
        assert [m["Subject"] for m in received.wait(1)] == ["voicemail 8"]
        assert outbox.status("vm-7") is None
