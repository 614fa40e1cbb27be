"""Claims: one worker per voicemail; a dead worker's claim is taken over at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail
from ringback.voicemail.pipeline import Runner, resume_pending
from ringback.voicemail.pipeline.claims import HOST, is_free, new_owner
from tests.support.claim_holder import stages_with_pause
from tests.support.outage import database_gone
from tests.support.pipeline import Pipe, speech_8k, wav_bytes

REPO = Path(__file__).resolve().parents[1]


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


def _abandon_in_another_process(owner: str, data_dir: Path) -> None:
    """What a sibling process does when it gives its claim up (in its memory, and on disk)."""
    code = (
        "import sys, pathlib; from ringback.voicemail.pipeline import claims; "
        "claims.abandon(sys.argv[1], pathlib.Path(sys.argv[2]))"
    )
    subprocess.run([sys.executable, "-c", code, owner, str(data_dir)], check=True)


def test_a_claim_a_live_sibling_gave_up_is_free_to_every_process_sharing_its_data_dir(
    tmp_path: Path,
) -> None:
    from ringback.voicemail.pipeline.claims import Abandoned

    now = utcnow()
    later = now + timedelta(minutes=60)
    sibling = f"{HOST}:{os.getppid()}:5ea1ab1e"  # a process on this host that is alive
    data = tmp_path / "data"
    assert not is_free(sibling, later, now, Abandoned(data)), "at work: never taken"
    _abandon_in_another_process(sibling, data)
    assert is_free(sibling, later, now, Abandoned(data)), "given up: free at once"
    assert not is_free(sibling, later, now, Abandoned(tmp_path / "other")), "another install"
    assert not is_free(sibling, later, now), "no data directory: only the expiry tells"
    other_runner = f"{HOST}:{os.getppid()}:0dd0dd0d"  # another runner of the same process
    assert not is_free(other_runner, later, now, Abandoned(data)), "a note names one owner"
    elsewhere = f"elsewhere:{os.getppid()}:5ea1ab1e"
    _abandon_in_another_process(elsewhere, data)
    assert not is_free(elsewhere, later, now, Abandoned(data)), "another host: the expiry"


@contextmanager
def _process_a(url: str, data_dir: Path, voicemail_id: int) -> Iterator[subprocess.Popen[str]]:
    """Process A (tests/support/claim_holder.py): the pipeline on the voicemail, paused
    in a stage until told to go on; it lives on after the run, until told to end."""
    args = [url, str(data_dir), str(voicemail_id)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.claim_holder", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"},
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


def _tell(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()


def _said(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "" once it has ended
    assert line, f"process A ended ({proc.poll()})"
    return line.strip()


def test_a_database_blip_under_a_live_sibling_leaves_the_message_free_to_this_process(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two processes on one host (a Celery pool's two children): A loses the database in
    the middle of a message and cannot release its claim; it lives on, idle. B, which
    picks up the retried job, runs the message as soon as the database is back, instead
    of waiting out A's lease (an hour). While A is at work, B leaves the message alone."""
    pipe = Pipe(db_url, tmp_path)
    vid = pipe.ingest(wav_bytes(speech_8k(3.0)), stages=None).id
    stages = stages_with_pause(tmp_path)
    with _process_a(db_url, pipe.data_dir, vid) as a:
        assert _said(a) == "paused"
        held_by = pipe.row(vid).claimed_by
        assert held_by is not None and held_by.split(":")[1] == str(a.pid)

        b = Runner(db_url, stages, data_dir=pipe.data_dir)
        assert b.run(vid).status == "processing" and b.busy_elsewhere, "A is at work"
        assert pipe.row(vid).claimed_by == held_by
        with database_gone(db_url, request):
            _tell(a)  # A goes on, and its next write finds the database gone
            assert _said(a) == "lost OperationalError"
        row = pipe.row(vid)
        assert row.claimed_by == held_by and row.claimed_until is not None
        assert row.claimed_until > utcnow() + timedelta(minutes=50), "A's lease still runs"
        assert a.poll() is None, "A lives on"

        result = Runner(db_url, stages, data_dir=pipe.data_dir).run(vid)
        assert result.status == "done", "B took the message up at once"
        _tell(a)
        assert a.wait(30) == 0
    assert len(list((tmp_path / "sent").glob("*.json"))) == 1
    rows = pipe.stage_rows(vid)
    assert rows["transcribe"].attempts == 1 and rows["pause"].attempts == 1, "cut short: uncounted"
    assert pipe.row(vid).claimed_by is None
