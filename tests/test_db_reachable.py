"""Which database errors mean "cannot reach it right now" (the web app's 503, the CLI's
"cannot reach the database") and which are bugs (500): real errors from real databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, exc, text

from ringback.db.reachable import is_unreachable, unreachable_message


def _error_of(url: str, *statements: str) -> exc.SQLAlchemyError:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    except exc.SQLAlchemyError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("no error")


def test_every_pooled_connection_busy_counts_but_a_bug_does_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.05)
    with engine.connect(), pytest.raises(exc.TimeoutError) as busy:
        engine.connect()
    engine.dispose()
    assert is_unreachable(busy.value)

    duplicate = _error_of(
        url, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1), (1)"
    )
    assert isinstance(duplicate, exc.IntegrityError) and not is_unreachable(duplicate)
    missing = _error_of(url, "SELECT * FROM no_such_table")
    assert isinstance(missing, exc.OperationalError) and not is_unreachable(missing)


@pytest.mark.postgres
def test_postgres_refusing_connections_counts_but_a_bad_statement_does_not(
    pg_url: str,
) -> None:
    nobody_there = pg_url.replace(":5432/", ":1/").replace("@", ":pw-secret@", 1)
    refused = _error_of(nobody_there, "SELECT 1")
    assert is_unreachable(refused)
    said = unreachable_message(nobody_there, refused)
    assert said.startswith("cannot reach the database postgresql+psycopg://postgres:***@")
    assert "pw-secret" not in said
    slow = _error_of(pg_url, "SET LOCAL statement_timeout = 1", "SELECT pg_sleep(1)")
    assert isinstance(slow, exc.OperationalError) and not is_unreachable(slow)
    typo = _error_of(pg_url, "SELEC 1")
    assert isinstance(typo, exc.ProgrammingError) and not is_unreachable(typo)
