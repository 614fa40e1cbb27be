"""Apply the Alembic migrations shipped inside the package to any database URL.

Several processes may start on a fresh database at once (four ``ringback inbox add``
in parallel, a server and a CLI): each would create the tables, and all but one
failed with "table ... already exists", losing the recordings they were handed.
Every upgrade therefore runs under a lock — a file lock next to a SQLite database,
a PostgreSQL advisory lock for a server — and whoever waited for it looks again
before migrating, since the one before it has usually done the work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# pg_advisory_lock's key: any constant bigint shared by every Ringback process.
PG_LOCK_KEY = 0x52494E47_4241434B  # "RINGBACK" in ASCII


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' must be doubled for configparser interpolation (passwords may contain it).
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(url: str) -> str | None:
    from ringback.db.session import get_engine

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Held by at most one process per database while it creates or upgrades the schema."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        from filelock import FileLock

        database = Path(parsed.database).expanduser()
        database.parent.mkdir(parents=True, exist_ok=True)
        # The OS drops the lock when its holder dies, so a killed migration blocks no one.
        with FileLock(f"{database}.lock"):
            yield
    elif backend == "postgresql":
        with _pg_advisory_lock(url):
            yield
    else:
        yield  # an in-memory database belongs to one process


@contextmanager
def _pg_advisory_lock(url: str) -> Iterator[None]:
    from ringback.db.session import get_engine

    # A session-level lock on a connection of its own: it outlives the migration's
    # transactions and is released when this connection unlocks or dies.
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
                conn.commit()
            except Exception:
                # Never hand a connection that may still hold the lock back to the pool.
                conn.invalidate()
                raise


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the database; returns (revision before, revision after)."""
    with migration_lock(url):
        before = current_revision(url)
        command.upgrade(alembic_config(url), revision)
        return before, current_revision(url)


def ensure_current(url: str) -> None:
    """Bring the database to the newest revision if it is behind (cheap when current).

    Safe to call from many processes at once on a fresh database: one migrates, the
    others wait for it and then find nothing left to do."""
    head = head_revision()
    if current_revision(url) == head:
        return
    with migration_lock(url):
        if current_revision(url) != head:  # not done meanwhile by whoever held the lock
            command.upgrade(alembic_config(url), "head")
