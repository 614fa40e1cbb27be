"""First run in parallel: several commands on a fresh data directory and database at once.

Each spawns real `python -m ringback` processes against a database nobody has created
yet: the embedded SQLite file, and a brand-new empty PostgreSQL database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

import pytest

from ringback.db.migrate import head_revision


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The environment of a first run: an empty data directory, an uncreated database."""
    env = {**os.environ, "RINGBACK_DATA_DIR": str(tmp_path / "data")}
    env.pop("RINGBACK_DATABASE_URL", None)
    if request.param == "postgres":
        env["RINGBACK_DATABASE_URL"] = request.getfixturevalue("pg_url")
    return env


def silent_wavs(directory: Path, prefix: str, count: int) -> list[Path]:
    """Short silent recordings (each one different, so each is its own voicemail): quick
    through the pipeline, as the point here is that they are stored."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f"{prefix}{i}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(bytes(4000) + f"{prefix}{i}".encode().ljust(8, b"\0"))
        paths.append(path)
    return paths


# Each process imports what it needs, says so, then waits for the word to go: without
# this barrier their start-up times (~1 s, 2 cores) spread them out and hide the race.
_AT_THE_LINE = """
import sys
import alembic.command, sqlalchemy.orm
import ringback.command_kit, ringback.voicemail.cli, ringback.voicemail.service
from ringback.cli import main
print("ready", file=sys.stderr, flush=True)
sys.stdin.readline()
main(sys.argv[1:])
"""


def run_together(
    commands: Sequence[Sequence[str]], env: dict[str, str], timeout: float = 180
) -> list[tuple[int, str, str]]:
    """Run every `ringback ...` command at the same moment; (exit code, stdout, stderr)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _AT_THE_LINE, *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    try:
        for p in procs:  # a process that dies before the line says why on stderr
            assert p.stderr is not None and p.stderr.readline() == "ready\n"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return [(p.returncode, out, err) for p, (out, err) in zip(procs, outs, strict=True)]


def test_parallel_inbox_add_on_a_fresh_database_stores_every_recording(
    fresh_env: dict[str, str], tmp_path: Path
) -> None:
    batches = [silent_wavs(tmp_path / "in", f"p{n}-", 5) for n in range(4)]
    results = run_together([["inbox", "add", *map(str, b), "--json"] for b in batches], fresh_env)
    for code, out, err in results:
        assert "Traceback" not in err, err
        assert code == 0, err
        assert len(json.loads(out)) == 5
    listed = subprocess.run(
        [sys.executable, "-m", "ringback", "inbox", "list", "--json"],
        env=fresh_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len({row["id"] for row in rows}) == len(rows) == 20  # every recording, each once


def test_parallel_start_on_a_fresh_database_sets_it_up_once(fresh_env: dict[str, str]) -> None:
    results = run_together([["start", "--json"]] * 4, fresh_env)
    for code, out, err in results:
        assert "Traceback" not in err, err
        assert code == 0, err
        assert json.loads(out)["revision"] == head_revision()
