"""A real kill -9 of the worker mid-pipeline, then a restart: one email, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ringback.voicemail.pipeline import default_stages, resume_pending
from tests.support.pipeline import FakeExtractor, FakeTranscriber, FileNotifier, Pipe

REPO = Path(__file__).resolve().parents[1]

WORKER = """
import sys, time
from pathlib import Path
from ringback.voicemail.pipeline import default_stages, ingest
from tests.support.pipeline import FakeExtractor, FakeTranscriber, FileNotifier

url, data_dir, sent, flags, kill_at, audio = sys.argv[1:7]
flags = Path(flags)

def block(where):
    # Tell the test where we are, then hang until killed: nothing is timed.
    (flags / where).touch()
    while True:
        time.sleep(0.05)

class SlowTranscriber(FakeTranscriber):
    def transcribe(self, audio):
        if kill_at == "transcribe":
            block("transcribing")
        return super().transcribe(audio)

class SendThenHang(FileNotifier):
    def notify(self, message, *, idempotency_key):
        key = super().notify(message, idempotency_key=idempotency_key)
        if kill_at == "notify":
            block("sent")
        return key

stages = default_stages(
    transcriber=SlowTranscriber(), extractor=FakeExtractor(), notifier=SendThenHang(Path(sent))
)
ingest(
    Path(audio), source="watch", url=url, data_dir=Path(data_dir), stages=stages, region="US"
)
"""


@pytest.fixture(scope="module")
def message(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.pipeline import speech_8k, wav_bytes

    path = tmp_path_factory.mktemp("audio") / "msg0000.wav"
    path.write_bytes(wav_bytes(speech_8k(3.0)))
    return path


def _wait_for(flag: Path, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not flag.exists():
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"worker exited early ({proc.returncode}):\n{out}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("worker never reached the point where it is killed")
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize(("kill_at", "flag"), [("transcribe", "transcribing"), ("notify", "sent")])
def test_sigkill_then_resume_sends_exactly_one_email(
    db_url: str, tmp_path: Path, message: Path, kill_at: str, flag: str
) -> None:
    pipe = Pipe(db_url, tmp_path)
    flags = tmp_path / "flags"
    flags.mkdir()
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    args = [db_url, str(pipe.data_dir), str(tmp_path / "sent"), str(flags), kill_at, str(message)]
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    _wait_for(flags / flag, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    (vm,) = _rows(pipe)
    assert vm.status == "processing"
    # The dead worker still holds its claim; being a dead local process, it is taken over at once.
    assert vm.claimed_by and vm.claimed_by.split(":")[-2] == str(proc.pid)
    stages = pipe.stage_rows(vm.id)
    assert stages[kill_at].status == "running", "the kill left the stage visibly unfinished"
    assert Path(vm.original_path or "").read_bytes() == message.read_bytes()
    assert message.exists()

    # Restart: a fresh process state (new fakes) continues where the dead one stopped.
    transcriber, notifier = FakeTranscriber(), FileNotifier(tmp_path / "sent")
    stages_now = default_stages(
        transcriber=transcriber, extractor=FakeExtractor(), notifier=notifier
    )
    (result,) = resume_pending(db_url, stages_now)
    assert result.status == "done"
    assert len(notifier.sent()) == 1, "one email, whatever point the kill hit"
    assert transcriber.calls == (1 if kill_at == "transcribe" else 0)
    by_name = {s.name: s for s in result.stages}
    assert by_name[kill_at].attempts == 2
    assert result.transcript == transcriber.text
    assert resume_pending(db_url, stages_now) == []


def _rows(pipe: Pipe):  # type: ignore[no-untyped-def]
    from tests.support.pipeline import pipe_rows

    return pipe_rows(pipe)


RESUME_IN_A_CHILD = """
import os, signal, sys
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from ringback.db.session import get_engine
from ringback.voicemail.pipeline import default_stages, resume_pending
from tests.support.pipeline import FakeExtractor, FakeTranscriber, FileNotifier

url, sent, data_dir, what = sys.argv[1:5]
failures = {"left": 0}

def gone(*_):
    if failures["left"]:
        failures["left"] -= 1
        raise OperationalError("UPDATE", None, ConnectionError("server closed the connection"))

class InTranscription(FakeTranscriber):
    def transcribe(self, audio):
        if what == "kill":
            os.kill(os.getpid(), signal.SIGKILL)  # out of memory, say: the process is gone
        # The database goes away while this process transcribes: the next write fails
        # (a failover, say) and the database is back at once, or every write fails.
        failures["left"] = 1 if what == "outage-back-at-once" else 1000
        return super().transcribe(audio)

event.listen(get_engine(url), "before_cursor_execute", gone)
stages = default_stages(
    transcriber=InTranscription(), extractor=FakeExtractor(), notifier=FileNotifier(Path(sent))
)
try:
    resume_pending(url, stages, data_dir=Path(data_dir))
except OperationalError:
    sys.exit(3)  # "cannot reach the database", as `ringback inbox resume` says it
"""


def _resume_in_a_child(pipe: Pipe, tmp_path: Path, what: str) -> int:
    """`inbox resume` in a process of its own, which meets ``what`` in transcription
    (``kill``: SIGKILL; ``outage-…``: the database gone), if it gets that far; its exit
    code."""
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    sent, data = str(tmp_path / "sent"), str(pipe.data_dir)
    args = [sys.executable, "-c", RESUME_IN_A_CHILD, pipe.url, sent, data, what]
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, timeout=120)
    assert done.returncode in (0, 3, -signal.SIGKILL), done.stderr.decode()[-3000:]
    return done.returncode


@pytest.mark.parametrize("outage", ["outage-back-at-once", "outage-for-a-while"])
def test_two_real_kills_park_the_message_and_a_database_outage_between_does_not_count(
    db_url: str, tmp_path: Path, message: Path, outage: str
) -> None:
    """A recording that kills the process each time is parked at the second kill, as
    before; an attempt cut short by the database (the process caught the error) is not a
    kill, so it neither parks the message nor saves it from the second real kill.

    ``outage-for-a-while``: the database is still away when that run ends (the release
    fails too) and the process exits, as `inbox add` does; the next process to take the
    message up reads the note it left in the data directory."""
    pipe = Pipe(db_url, tmp_path)
    stored = pipe.ingest(message.read_bytes(), stages=None)
    assert _resume_in_a_child(pipe, tmp_path, "kill") == -signal.SIGKILL
    assert pipe.stage_rows(stored.id)["transcribe"].status == "running"

    assert _resume_in_a_child(pipe, tmp_path, outage) == 3
    assert pipe.row(stored.id).status == "processing", "an outage does not park the message"

    # Tried again after the outage, and killed again: the second real kill.
    assert _resume_in_a_child(pipe, tmp_path, "kill") == -signal.SIGKILL
    transcriber = FakeTranscriber()
    stages = default_stages(
        transcriber=transcriber, extractor=FakeExtractor(), notifier=pipe.notifier
    )
    (result,) = resume_pending(db_url, stages, data_dir=pipe.data_dir)
    assert result.status == "failed"
    assert result.status_reason == "transcribe: interrupted 2 times; giving up"
    assert transcriber.calls == 0 and pipe.notifier.sent() == []
