"""Engines and transactions.

Every write goes through :func:`transaction`, so that a failing command leaves
nothing half-written: the whole unit commits or none of it does.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _sqlite_checkpoint_policy)
    return engine


# A process that answers webhooks sets this (see :func:`defer_checkpoints`): SQLite runs
# an automatic WAL checkpoint inside whichever commit crosses ~1,000 pages, and when that
# commit was a Twilio callback it waited 180-360 ms for the fsyncs (bench_twilio.py
# callback, p99). Such a process checkpoints from a background thread instead
# (:func:`checkpoint`); every other process keeps SQLite's default.
_deferred_checkpoints = False
_DEFAULT_AUTOCHECKPOINT = 1000  # SQLite's own default, in pages


def defer_checkpoints(on: bool = True) -> None:
    """Keep WAL checkpoints out of this process's commits (call :func:`checkpoint` now
    and then instead)."""
    global _deferred_checkpoints
    _deferred_checkpoints = on


def checkpoint(url: str) -> tuple[int, int, int] | None:
    """A passive WAL checkpoint (never waits for other connections); None when ``url``
    is not SQLite. Returns SQLite's (busy, WAL frames, frames checkpointed)."""
    engine = get_engine(url)
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as conn:
        row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return int(row[0]), int(row[1]), int(row[2])


def _sqlite_checkpoint_policy(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    pages = 0 if _deferred_checkpoints else _DEFAULT_AUTOCHECKPOINT
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={pages}")
    cursor.close()


_BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _enter_wal(cursor)
    cursor.close()


def _enter_wal(cursor) -> None:  # type: ignore[no-untyped-def]
    """Put the database in WAL mode, waiting out another process doing the same.

    Switching a new file to WAL reads its header and then writes it. When several
    processes open a brand-new database at once (four ``ringback start`` in parallel),
    one can be reading the header while another writes it; SQLite answers the reader
    "database is locked" at once, not after its busy timeout, because the writer is
    waiting for the reader's own lock (about 1 opener in 18 with four at once on raw
    connections, measured). The error lets that lock go, so trying again once the
    writer has finished succeeds. A database already in WAL mode needs no switch: the
    loop only ever runs on a first start.
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)  # back off: the other opener is writing the header now
        pause = min(pause * 2, 0.1)


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def transaction(url: str) -> Iterator[Session]:
    """A session whose work commits on success and rolls back entirely on any error."""
    session = session_factory(url)()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
