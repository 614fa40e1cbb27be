"""A Redis broker of the test's own (its own port and folder), restarted at will, with
or without persistence, as a real deployment may run it."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.net import free_port
from tests.support.workers import wait_until


@dataclass
class OwnRedis:
    """``redis-server`` on a free loopback port, its files in ``folder``. With
    ``appendonly`` every queued task is written to the append-only file and survives a
    restart; without it (and ``--save ""``) a restart starts empty: the queues are lost."""

    folder: Path
    appendonly: bool
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "always",
        ]  # fmt: skip
        log = (self.folder / "redis.log").open("ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, 30)

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            assert self.proc is not None and self.proc.poll() is None, "redis-server stopped"
            return False

    def stop(self) -> None:
        """SHUTDOWN: written out first with ``appendonly``, gone for good without."""
        import redis

        with contextlib.suppress(redis.RedisError):
            redis.Redis(port=self.port).shutdown(nosave=not self.appendonly)
        if self.proc is not None:
            self.proc.wait(30)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def own_redis(folder: Path, *, appendonly: bool) -> Iterator[OwnRedis]:
    """A Redis started for one test; skipped when ``redis-server`` is not installed."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    server = OwnRedis(folder, appendonly)
    server.start()
    try:
        yield server
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(10)
