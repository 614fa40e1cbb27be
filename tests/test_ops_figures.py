"""The figures /metrics reads, on SQLite and PostgreSQL: queue depth by stage, finished
jobs by outcome, and each finished voicemail taken once for the histograms, its latency
only once its email was really delivered (mail waiting in the outbox is not "sent")."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from ringback.db.session import transaction
from ringback.mail.maildir import MaildirMailer
from ringback.mail.outbox import Outbox
from ringback.ops.figures import FinishedTracker, depths, outcomes
from tests.support.pipeline import Pipe, speech_8k, wav_bytes


def _mail(key: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "rb@example.com", "dana@example.com", key
    msg.set_content("voicemail")
    return msg


def test_figures_follow_the_rows_and_the_outbox(tmp_path: Path, db_url: str) -> None:
    pipe = Pipe(db_url, tmp_path)
    speech = speech_8k(4.0)
    done = [pipe.ingest(wav_bytes(speech[: 24000 + 400 * i])).id for i in range(2)]
    waiting = pipe.ingest(wav_bytes(speech), stages=None).id  # stored, no worker yet
    outbox = tmp_path / "outbox"
    tracker = FinishedTracker()

    with transaction(db_url) as db:
        now = depths(db, outbox=outbox)
        jobs = outcomes(db, outbox=outbox).counts
        # The two emails went elsewhere (the fake notifier), the outbox never saw them.
        assert tracker.take(db, outbox=outbox) == []
    assert now.queues == {"transcribe": 1, "download": 0, "calls": 0, "mail": 0, "webhooks": 0}
    assert now.voicemail_stages == {"received": 1}
    assert jobs[("voicemail", "done")] == 2 and jobs[("voicemail", "failed")] == 0

    keys = [pipe.row(vid).email_key for vid in done]
    assert all(keys) and waiting not in done
    delivered = Outbox(outbox, MaildirMailer(tmp_path / "mail")).deliver(keys[0], _mail("a"))
    assert delivered.status == "sent"

    class Down:
        description = "down"

        def send(self, raw: bytes, *, sender: str, recipients: list[str]) -> None:
            from ringback.mail.protocol import MailDeliveryError

            raise MailDeliveryError("connection refused", unreachable=True)

    Outbox(outbox, Down()).deliver(keys[1], _mail("b"))  # type: ignore[arg-type]
    with transaction(db_url) as db:
        found = tracker.take(db, outbox=outbox)
        again = tracker.take(db, outbox=outbox)
        now = depths(db, outbox=outbox)
        jobs = outcomes(db, outbox=outbox).counts
    # Only the delivered one, once; the queued one waits for its delivery.
    assert [f.voicemail_id for f in found] == [done[0]]
    assert found[0].latency is not None and found[0].latency >= 0
    assert found[0].rtf is not None and found[0].rtf >= 0
    assert again == []
    assert now.queues["mail"] == 1
    assert jobs[("mail", "sent")] == 1
