"""The database as portable JSON lines, one file per table, read in one snapshot.

Why JSON lines through SQLAlchemy rather than the SQLite backup API plus ``pg_dump``: one
format for both backends, so a laptop's SQLite backup restores into a team's PostgreSQL
(and back); no server tools (``pg_dump`` of the server's exact version) on the machine
that runs the backup; and the dump is taken inside one read transaction that sees a
single moment of the database (SQLite WAL: an explicit ``BEGIN`` before the first read;
PostgreSQL: ``REPEATABLE READ, READ ONLY``), so the app keeps writing meanwhile and the
tables agree with each other.
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    LargeBinary,
    Table,
    func,
    null,
    select,
    text,
)

from ringback.db.models import metadata
from ringback.db.session import get_engine

BATCH = 1000


def tables() -> list[Table]:
    """Every table, parents before children (the order rows are restored in)."""
    return list(metadata.sorted_tables)


@contextmanager
def snapshot(url: str) -> Iterator[Connection]:
    """A connection that sees one consistent moment of the database until the block ends."""
    engine = get_engine(url)
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ"}
        with engine.connect().execution_options(**options) as conn, conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            yield conn
        return
    with engine.connect() as conn:
        # pysqlite starts no transaction for a SELECT: each would read a different moment.
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.exec_driver_sql("ROLLBACK")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot back up a {type(value).__name__}")


def dump_lines(conn: Connection, table: Table) -> Iterator[bytes]:
    """The table's rows as JSON lines, in primary-key order."""
    query = select(table).order_by(*table.primary_key.columns)
    for row in conn.execute(query).mappings():
        yield json.dumps(dict(row), default=_plain, ensure_ascii=False).encode() + b"\n"


def _decoder(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        kind = getattr(column.type, "impl", column.type)
        if isinstance(kind, DateTime):
            out[column.name] = datetime.fromisoformat
        elif isinstance(kind, Date):
            out[column.name] = date.fromisoformat
        elif isinstance(kind, LargeBinary):
            out[column.name] = lambda v: base64.b64decode(v["$b64"])
    return out


def decode(table: Table, record: Mapping[str, Any], rewrite: Any = None) -> dict[str, Any]:
    """A JSON line back to column values (``rewrite(column, value)`` may move a path)."""
    decoders = _decoder(table)
    known = set(table.columns.keys())
    row: dict[str, Any] = {}
    for name, value in record.items():
        if name not in known:
            raise ValueError(f"{table.name}.{name}: no such column in this version's schema")
        if value is not None and name in decoders:
            value = decoders[name](value)
        elif value is None and isinstance(table.columns[name].type, JSON):
            value = null()  # SQL NULL, as the app left it (JSON 'null' reads back the same)
        if rewrite is not None and isinstance(value, str):
            value = rewrite(name, value)
        row[name] = value
    return row


def is_empty(conn: Connection) -> bool:
    return all(conn.scalar(select(func.count()).select_from(t)) == 0 for t in tables())


def clear(conn: Connection) -> None:
    """Delete every row, children first (``restore --force``)."""
    for table in reversed(tables()):
        conn.execute(table.delete())


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: the next id after the restored ones (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        for column in table.primary_key.columns:
            try:
                numeric = column.type.python_type is int
            except NotImplementedError:
                numeric = False
            if numeric and column.autoincrement in (True, "auto"):
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:t, :c), "
                        f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
                    ),
                    {"t": table.name, "c": column.name},
                )


def load_lines(conn: Connection, table: Table, lines: Iterator[bytes] | Any, rewrite: Any) -> int:
    """Insert the JSON lines of one table in batches; returns how many rows."""
    batch: list[dict[str, Any]] = []
    count = 0
    for line in lines:
        if not line.strip():
            continue
        batch.append(decode(table, json.loads(line), rewrite))
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count
