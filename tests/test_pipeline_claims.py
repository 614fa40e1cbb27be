"""Claims: one worker per voicemail; a dead worker's claim is taken over at once."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail
from ringback.voicemail.pipeline import resume_pending
from ringback.voicemail.pipeline.claims import HOST, is_free, new_owner
from tests.support.pipeline import Pipe, speech_8k, wav_bytes


def _hold(pipe: Pipe, voicemail_id: int, owner: str, minutes: float) -> None:
    with transaction(pipe.url) as session:
        session.execute(
            update(Voicemail)
            .where(Voicemail.id == voicemail_id)
            .values(claimed_by=owner, claimed_until=utcnow() + timedelta(minutes=minutes))
        )


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_claim_rules():
    now = utcnow()
    later = now + timedelta(minutes=5)
    assert is_free(None, None, now)
    assert not is_free("elsewhere:123:abcd", later, now), "another host, not expired"
    assert is_free("elsewhere:123:abcd", now - timedelta(seconds=1), now), "expired"
    assert is_free(f"{HOST}:{_dead_pid()}:abcd", later, now), "a dead process on this host"
    assert not is_free(new_owner(), later, now), "a runner in this very process"


def test_claimed_elsewhere_is_left_alone_until_free(db_url: str, tmp_path: Path) -> None:
    pipe = Pipe(db_url, tmp_path)
    stored = pipe.ingest(wav_bytes(speech_8k(3.0)), stages=None)
    _hold(pipe, stored.id, "other-host:4242:feedbeef", minutes=30)
    assert resume_pending(pipe.url, pipe.stages()) == [], "not resumed: another worker has it"
    assert pipe.row(stored.id).status == "received" and pipe.transcriber.calls == 0

    _hold(pipe, stored.id, f"{HOST}:{_dead_pid()}:feedbeef", minutes=30)
    (done,) = resume_pending(pipe.url, pipe.stages())
    assert done.status == "done" and pipe.transcriber.calls == 1
    row = pipe.row(stored.id)
    assert row.claimed_by is None and row.claimed_until is None, "released at the end"


def test_same_recording_from_two_threads_at_once(db_url: str, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pipe = Pipe(db_url, tmp_path)
    data = wav_bytes(speech_8k(3.0))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: pipe.ingest(data), range(4)))
    assert len({r.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert pipe.transcriber.calls == 1 and len(pipe.notifier.sent()) == 1
    (result,) = resume_pending(pipe.url, pipe.stages()) or [pipe.row(results[0].id)]
    assert result.status == "done"


def test_a_claim_this_process_abandoned_is_free_to_it_at_once(tmp_path: Path) -> None:
    """The database went away mid-run: the runner could not release its claim. This
    process resumes the message when the database is back, without waiting out the lease."""
    from ringback.db.migrate import upgrade
    from ringback.voicemail.pipeline import claims

    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    upgrade(url)
    pipe = Pipe(url, tmp_path)
    vid = pipe.ingest(wav_bytes(speech_8k(3.0)), stages=None).id
    owner = new_owner()  # a runner of this very process
    _hold(pipe, vid, owner, minutes=60)
    assert resume_pending(url, pipe.stages()) == []  # still its own runner's: left alone
    claims.abandon(owner)
    (result,) = resume_pending(url, pipe.stages())
    assert result.id == vid and result.status == "done"
    assert len(pipe.notifier.sent()) == 1
