"""Several processes opening a brand-new SQLite database at the same moment.

Four `ringback start` in parallel on a first run once failed one of them with
"database is locked": switching a new file to WAL mode is a read then a write, and
SQLite refuses one of two such openers at once instead of making it wait.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections import Counter
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from ringback.db import session as db
from ringback.db.session import get_engine

OPENERS = 4
ROUNDS = 25


def _open(url: str, line: Barrier, outcomes: Queue) -> None:
    line.wait()  # every opener starts together, or the race is rarely met
    try:
        with get_engine(url).connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").one()
            outcomes.put(str(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()))
    except Exception as exc:  # the outcome under test: reported, not raised in a child
        outcomes.put(f"error: {exc}")


def test_processes_opening_a_new_database_together_all_get_in_and_it_is_wal(
    tmp_path: Path,
) -> None:
    # fork: the openers must start within microseconds of each other, not after an import
    ctx = multiprocessing.get_context("fork")
    seen: Counter[str] = Counter()
    for n in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'first-{n}.db'}"
        line, outcomes = ctx.Barrier(OPENERS), ctx.Queue()
        openers = [ctx.Process(target=_open, args=(url, line, outcomes)) for _ in range(OPENERS)]
        for p in openers:
            p.start()
        seen.update(outcomes.get(timeout=60) for _ in openers)
        for p in openers:
            p.join(timeout=60)
    assert seen == Counter({"wal": OPENERS * ROUNDS})


def test_an_opener_refused_while_another_writes_the_new_file_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race above made certain: another connection is writing the brand-new file
    when Ringback opens it. SQLite refuses the switch to WAL at once (it does not wait);
    Ringback must wait for the writer instead of failing the command."""
    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the other first opener, holding the write lock
    waited: list[float] = []

    def writer_finishes_while_we_wait(seconds: float) -> None:
        waited.append(seconds)
        if writer.in_transaction:
            writer.execute("COMMIT")

    monkeypatch.setattr(db.time, "sleep", writer_finishes_while_we_wait)
    with get_engine(f"sqlite:///{path}").connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    assert waited  # it did meet the refusal, and waited rather than failed
    writer.close()
