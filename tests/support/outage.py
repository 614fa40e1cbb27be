"""Real parts for the outage tests: a PostgreSQL server of the test's own (its own data
directory and port, stopped and started at will) and "the pipeline" as something that
runs in other processes and is fed recordings, whatever queue runs it.

:class:`EmbeddedPipeline` is `ringback inbox watch` (the embedded queue) in a child
process; another queue provides the same calls (``start``, ``submit``, ``untaken``,
``failed_tries``, ``alive``, ``log``, ``stop``) and the outage tests run unchanged on it.
:func:`database_gone` takes the shared test database away (SQLite or PostgreSQL) for a
block, without a server of its own.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.net import free_port


def _pg_bindir() -> Path | None:
    try:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates = [Path(found.stdout.strip())] if found.returncode == 0 else []
    except FileNotFoundError:
        candidates = []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((c for c in candidates if (c / "initdb").is_file()), None)


def _as_postgres(*cmd: str) -> list[str]:
    """Run as the postgres user: initdb and postgres refuse to run as root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@dataclass
class OwnPostgres:
    """A PostgreSQL server in a temporary data directory on a free loopback port."""

    bindir: Path
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        cmd = _as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", *args)
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        initdb = [str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust"]
        subprocess.run(
            _as_postgres(*initdb, "-U", "postgres", "--no-sync"),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl("-o", options, "-l", str(self.root / "server.log"), "start")

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: connections are cut, as when the server goes away."""
        self._pg_ctl("-m", "fast", "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL server started for one test; skipped when the binaries are missing."""
    bindir = _pg_bindir()
    if bindir is None or (shutil.which("runuser") is None and os.geteuid() == 0):
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl) and runuser")
    root = Path(tempfile.mkdtemp(prefix="ringback-pg-"))
    os.chmod(root, 0o755)
    shutil.chown(root, "postgres", "postgres") if os.geteuid() == 0 else None
    server = OwnPostgres(bindir, root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        subprocess.run(
            _as_postgres(str(bindir / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop"),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


class EmbeddedPipeline:
    """The embedded queue: `ringback inbox watch FOLDER` in a child process, fed by
    dropping recordings into FOLDER (written aside, then renamed in, as a copier does)."""

    name = "embedded"

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.folder = tmp / "drop"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log_path = tmp / "pipeline.log"
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "ringback", "inbox", "watch", str(self.folder)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*cmd, "--interval", "0.2"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def submit(self, name: str, audio: bytes) -> None:
        part = self.folder / f".{name}.part"
        part.write_bytes(audio)
        os.replace(part, self.folder / name)

    def untaken(self) -> list[Path]:
        """Recordings submitted but not yet taken in (moved out of the folder)."""
        return sorted(p for p in self.folder.iterdir() if p.is_file())

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def failed_tries(self) -> int:
        """Tries so far that met the database gone (from the worker's log)."""
        return self.log().count("left in place")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class CeleryPipeline:
    """The Celery queue: `ringback inbox watch FOLDER` (which only stores each recording
    and queues its job) in a child process, and a real `ringback worker` on the Redis at
    its standard port (a queue prefix of the test's own) that runs every stage and the
    mail. Skipped when that Redis does not answer."""

    name = "celery"

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        from tests.support.workers import REDIS_URL, Workers, broker_down_reason

        reason = broker_down_reason(REDIS_URL)
        if reason is not None:
            pytest.skip(reason)
        settings = {k: v for k, v in env.items() if k != "RINGBACK_DATABASE_URL"}
        settings["RINGBACK_QUEUE"] = "celery"
        self.workers = Workers(tmp / "work", env["RINGBACK_DATABASE_URL"], REDIS_URL, settings)
        self.workers.data_dir.mkdir(parents=True, exist_ok=True)
        self.watch = EmbeddedPipeline(tmp, self.workers.env)
        self.folder = self.watch.folder

    def start(self) -> None:
        self.workers.start()
        self.watch.start()

    def submit(self, name: str, audio: bytes) -> None:
        self.watch.submit(name, audio)

    def untaken(self) -> list[Path]:
        return self.watch.untaken()

    def alive(self) -> bool:
        return self.watch.alive() and all(p.poll() is None for p in self.workers.procs)

    def failed_tries(self) -> int:
        """Tries that met the database gone: files left in place by the watch, and tasks
        the worker put back for a retry."""
        worker = "".join(self.workers.log(n) for n in range(len(self.workers.procs)))
        return self.watch.failed_tries() + worker.count("retrying in")

    def log(self) -> str:
        worker = "".join(self.workers.log(n) for n in range(len(self.workers.procs)))
        return f"{self.watch.log()}\n--- worker ---\n{worker}"

    def stop(self) -> None:
        self.watch.stop()
        self.workers.stop_all()
        self.workers.purge()


PIPELINES = {"embedded": EmbeddedPipeline, "celery": CeleryPipeline}


def recordings(count: int) -> list[tuple[str, bytes]]:
    """``count`` different short voicemails of real speech (spoken digits, 8 kHz WAV)."""
    import numpy as np

    from tests.support.pipeline import speech_8k, wav_bytes

    speech = speech_8k(3.0)
    return [
        (f"vm{i:02d}.wav", wav_bytes(np.concatenate([speech, np.zeros(800 * (i + 1), np.float32)])))
        for i in range(count)
    ]


def pipeline_env(data_dir: Path, database_url: str, smtp_port: int) -> dict[str, str]:
    """The environment a pipeline process runs with: real SMTP on loopback, quick retries."""
    return {
        "RINGBACK_DATA_DIR": str(data_dir),
        "RINGBACK_DATABASE_URL": database_url,
        "RINGBACK_TIMEZONE": "America/New_York",
        "RINGBACK_OWNER_NAME": "Victor Hale",
        "RINGBACK_OWNER_EMAIL": "victor@example.com",
        "RINGBACK_SMTP_HOST": "127.0.0.1",
        "RINGBACK_SMTP_PORT": str(smtp_port),
        "RINGBACK_SMTP_SECURITY": "none",
        "RINGBACK_SMTP_FROM": "Ringback <ringback@example.com>",
        "RINGBACK_SMTP_TO": "victor@example.com",
        "RINGBACK_SMTP_TIMEOUT": "5",
        "RINGBACK_MAIL_RETRY_SECONDS": "0.3",
        "RINGBACK_FOLLOWUP_SWEEP_MINUTES": "0",
    }


@contextmanager
def database_gone(db_url: str, request: pytest.FixtureRequest) -> Iterator[None]:
    """The database stops answering until the block ends: on PostgreSQL it takes no
    connections and its sessions are cut; on SQLite another program holds it locked
    (the tests run as root, for whom an unreadable directory is no obstacle)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    admin = create_engine(request.getfixturevalue("pg_admin_url"), isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
