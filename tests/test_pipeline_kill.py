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
ingest(Path(audio), source="watch", url=url, data_dir=Path(data_dir), stages=stages)
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
