"""WAL checkpoints kept out of a webhook-answering process's commits (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ringback.db import session as db


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wal.db'}"


def _autocheckpoint(url: str) -> int:
    with db.transaction(url) as s:
        return int(s.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def test_default_processes_keep_sqlites_automatic_checkpoints(url: str) -> None:
    assert _autocheckpoint(url) == 1000


def test_a_deferring_process_commits_without_checkpoints_and_catches_up(url: str) -> None:
    db.defer_checkpoints()
    try:
        assert _autocheckpoint(url) == 0  # pooled connections too: set at every checkout
        with db.transaction(url) as s:
            s.execute(text("CREATE TABLE t (x BLOB)"))
        for _ in range(60):  # ~1,500 pages: past where SQLite would checkpoint by itself
            with db.transaction(url) as s:
                s.execute(text("INSERT INTO t VALUES (randomblob(100000))"))
        result = db.checkpoint(url)
        assert result is not None
        busy, frames, done = result
        assert busy == 0 and frames > 1000  # nothing was checkpointed on the way
        assert done == frames  # ... and the background checkpoint takes all of it
    finally:
        db.defer_checkpoints(False)
    assert _autocheckpoint(url) == 1000


def test_checkpoint_is_a_no_op_elsewhere(pg_url: str) -> None:
    assert db.checkpoint(pg_url) is None
