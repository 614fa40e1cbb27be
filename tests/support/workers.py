"""Real Celery workers (`ringback worker` subprocesses) on the real brokers, for the tests
and the benchmark: a unique queue prefix per run so no stray task leaks between runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.audio import SOUNDS, _read, _silence, to_wav

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"
QUEUE_NAMES = ("transcribe", "mail", "calls")


def broker_down_reason(url: str) -> str | None:
    """Why the broker cannot be used (None when it answers)."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        return f"needs the broker at {url}: {exc}"
    return None


needs_redis = pytest.mark.skipif(
    broker_down_reason(REDIS_URL) is not None, reason=str(broker_down_reason(REDIS_URL))
)


def smtp_env(port: int) -> dict[str, str]:
    """Settings that send Ringback's mail to the test SMTP server on ``port``."""
    return {
        "RINGBACK_SMTP_HOST": "127.0.0.1",
        "RINGBACK_SMTP_PORT": str(port),
        "RINGBACK_SMTP_SECURITY": "none",
        "RINGBACK_SMTP_TO": "seller@example.com",
        "RINGBACK_SMTP_FROM": "ringback@example.com",
        "RINGBACK_MAIL_ATTACH_AUDIO": "false",
    }


def short_clip(n: int) -> bytes:
    """About 2 s of real speech ("Hello ... thank you"), different bytes for each ``n``."""
    parts = [
        _silence(0.2),
        _read(SOUNDS / "hello.wav"),
        _silence(0.2),
        _read(SOUNDS / "auth-thankyou.wav"),
        _silence(0.3),
        np.zeros(n + 1, dtype=np.int16),  # a distinct recording each time
    ]
    return to_wav(np.concatenate(parts))


def long_clip(repeat: int = 4) -> bytes:
    """A long message (about 90 s) whose transcription takes seconds, to be killed in."""
    from tests.support.audio import voicemail_wav

    header, body = 44, []
    for i in range(repeat):
        body.append(voicemail_wav(tail_seconds=0.5 + i * 0.1)[header:])
    return to_wav(np.frombuffer(b"".join(body), dtype=np.int16))


@dataclass
class Workers:
    """An installation run on Celery: its settings (as environment variables), and the
    `ringback worker` processes started for it (each in its own process group)."""

    data_dir: Path
    database_url: str
    broker_url: str
    extra: dict[str, str] = field(default_factory=dict)
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}-")
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            "RINGBACK_DATA_DIR": str(self.data_dir),
            "RINGBACK_DATABASE_URL": self.database_url,
            "RINGBACK_QUEUE": "celery",
            "RINGBACK_BROKER_URL": self.broker_url,
            "RINGBACK_QUEUE_PREFIX": self.prefix,
            "RINGBACK_TIMEZONE": "America/New_York",
            "RINGBACK_OWNER_EMAIL": "seller@example.com",
            "RINGBACK_MIN_SPEECH_SECONDS": "0.5",
            "RINGBACK_WHISPER_CPU_THREADS": "1",
            **self.extra,
        }

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`ringback ARGS` as a separate process with this installation's settings."""
        return subprocess.run(
            [sys.executable, "-m", "ringback", *args],
            capture_output=True,
            text=True,
            env={**os.environ, **self.env, "PYTHONPATH": str(REPO / "src")},
            timeout=timeout,
            cwd=self.data_dir,
        )

    def start(self, queues: str = "transcribe,mail,calls", concurrency: int = 1) -> int:
        """Start one `ringback worker`; returns its index once it is ready for jobs."""
        n = len(self.procs)
        log = self.data_dir / f"worker-{n}.log"
        env = {**os.environ, **self.env, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"}
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ringback",
                    "worker",
                    "--queues",
                    queues,
                    "--concurrency",
                    str(concurrency),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.data_dir,
                start_new_session=True,  # its own process group: kill -9 takes the pool too
            )
        self.procs.append(proc)
        self.logs.append(log)
        wait_until(lambda: " ready." in self.log(n) or proc.poll() is not None, 120)
        assert proc.poll() is None, self.log(n)
        return n

    def log(self, n: int) -> str:
        return self.logs[n].read_text(errors="replace")

    def kill(self, n: int) -> None:
        """kill -9 of worker ``n`` and its pool processes: no chance to hand anything back."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[n].pid, signal.SIGKILL)
        self.procs[n].wait(10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)

    def purge(self) -> None:
        """Delete this run's queues from the broker."""
        from kombu import Connection

        with Connection(self.broker_url, connect_timeout=3) as conn:
            channel = conn.channel()
            for name in QUEUE_NAMES:
                with contextlib.suppress(Exception):
                    channel.queue_delete(self.prefix + name)
        if self.broker_url.startswith("redis"):
            import redis

            client = redis.Redis.from_url(self.broker_url)
            keys = list(client.scan_iter(f"*{self.prefix}*"))
            if keys:
                client.delete(*keys)


@contextlib.contextmanager
def workers(data_dir: Path, database_url: str, broker_url: str, **extra: str) -> Iterator[Workers]:
    data_dir.mkdir(parents=True, exist_ok=True)
    run = Workers(data_dir, database_url, broker_url, extra)
    try:
        yield run
    finally:
        run.stop_all()
        run.purge()


def wait_until(done: Callable[[], Any], timeout: float, poll: float = 0.05) -> Any:
    """Poll ``done`` until it returns something true; fail after ``timeout`` seconds (a
    limit on a hang, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = done()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not done within {timeout} s")
        time.sleep(poll)


def queue_length(broker_url: str, name: str) -> int:
    from amqp.exceptions import ChannelError as NotFound
    from kombu import Connection

    with Connection(broker_url, connect_timeout=3) as conn:
        try:
            _, count, _ = conn.channel().queue_declare(name, passive=True)
        except NotFound:  # never declared: nothing was ever sent to it
            return 0
        return int(count)
