"""`inbox add A B … --workers 2` when things break mid-batch: a worker killed with -9, the
database gone. Every file stays stored, the report says where each stands, and
`inbox resume` finishes what is left. Real worker processes, real Whisper, SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench import voicemail_corpus
from sqlalchemy import create_engine, text

from tests.conftest import Cli
from tests.support.outage import database_gone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not voicemail_corpus.available(), reason="needs Asterisk prompts and FSDD"),
]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Six spoken voicemails: each takes a worker a second or more, time to break things."""
    folder = tmp_path_factory.mktemp("backlog")
    paths = [folder / f"vm{i}.wav" for i in range(6)]
    for seed, path in enumerate(paths, start=400):
        voicemail_corpus.write(path, 12.0, seed=seed)
    return paths


def start_batch(cli: Cli, files: list[Path]) -> subprocess.Popen[str]:
    args = ["inbox", "add", *map(str, files), "--workers", "2", "--json"]
    return subprocess.Popen(
        [sys.executable, "-m", "ringback", *args],
        env={**os.environ, **cli.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


TRANSCRIBING = text(
    "SELECT v.id, v.claimed_by FROM voicemails v JOIN voicemail_stages s"
    " ON s.voicemail_id = v.id WHERE v.claimed_by IS NOT NULL"
    " AND s.stage = 'transcribe' AND s.status = 'running'"
)


def transcribing(url: str, proc: subprocess.Popen[str], timeout: float = 120.0) -> tuple[int, int]:
    """(voicemail id, worker pid) of the first message a worker is transcribing."""
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the batch ended before any message was transcribed"
            with engine.connect() as conn:
                found = conn.execute(TRANSCRIBING).first()
            if found:
                return int(found[0]), int(str(found[1]).split(":")[-2])
            time.sleep(0.02)
    finally:
        engine.dispose()
    proc.kill()
    pytest.fail("no worker ever started transcribing")


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err


def inbox(cli: Cli) -> list[dict[str, object]]:
    listed = cli("inbox", "list", "--all", "--json")
    assert listed.exit_code == 0, listed.output
    rows: list[dict[str, object]] = json.loads(listed.stdout)
    return rows


def test_a_killed_worker_costs_no_recording(cli: Cli, db_url: str, recordings: list[Path]) -> None:
    proc = start_batch(cli, recordings)
    killed, pid = transcribing(db_url, proc)
    assert pid != proc.pid  # a pool worker, not the command itself
    os.kill(pid, signal.SIGKILL)
    code, out, err = finish(proc)

    assert "Traceback" not in err, err
    assert "worker process died" in err
    rows = json.loads(out)
    assert [Path(r["file"]).name for r in rows] == [p.name for p in recordings]
    assert [r["status"] for r in rows] == ["done"] * 6, rows
    assert code == 0  # everything was stored and processed, so the batch succeeded
    # The dead worker's message was run again by a fresh worker, from where it stopped.
    (row,) = [r for r in rows if r["id"] == killed]
    attempts = {s["name"]: s["attempts"] for s in row["stages"]}
    assert attempts["transcribe"] == 2 and attempts["decode"] == 1, attempts
    assert sorted(r["status"] for r in inbox(cli)) == ["done"] * 6


def test_a_database_lost_mid_batch_is_one_line_and_resume_finishes(
    cli: Cli, db_url: str, recordings: list[Path], request: pytest.FixtureRequest
) -> None:
    files = recordings[:4]
    proc = start_batch(cli, files)
    transcribing(db_url, proc)
    with database_gone(db_url, request):
        code, out, err = finish(proc)

    assert code == 1
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0].startswith("Error: lost the database") and "4 of 4" in lines[0], err
    assert len(lines) == 2 and "ringback inbox resume" in lines[1], err  # the line, a hint
    assert out == ""

    # The database is back: every recording is there, and resume finishes them.
    assert len(inbox(cli)) == 4
    resumed = cli.subprocess("inbox", "resume")
    assert resumed.exit_code == 0, resumed.output
    assert sorted(r["status"] for r in inbox(cli)) == ["done"] * 4
