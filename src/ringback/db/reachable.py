"""Telling "the database cannot be reached right now" from a bug.

The web app answers the first with 503 and Retry-After (nothing was saved, try again
soon) and the second with 500; the CLI says "cannot reach the database". Only failures
to *talk* to the database count: a server stopped, restarting or refusing connections,
the network to it gone, every pooled connection busy, SQLite locked past its busy
timeout. An ``IntegrityError``, a bad statement or a missing table is a bug and stays one.
"""

from __future__ import annotations

import sqlite3

# PostgreSQL SQLSTATE classes that mean the connection, not the statement, failed:
# 08 connection exception; 57P admin/crash shutdown, cannot connect now, database dropped;
# 53300 too many connections.
_PG_UNREACHABLE = ("08", "57P", "53300")
# SQLite's messages for a file another program holds locked, or cannot open or read.
_SQLITE_UNREACHABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)


def is_unreachable(exc: BaseException) -> bool:
    """Did ``exc`` come from failing to reach the database (not from what was asked)?"""
    from sqlalchemy import exc as sa

    if isinstance(exc, (sa.TimeoutError, sa.DisconnectionError)):  # pool exhausted
        return True
    if not isinstance(exc, (sa.OperationalError, sa.InterfaceError)):
        return isinstance(exc, sa.DBAPIError) and exc.connection_invalidated
    if exc.connection_invalidated or exc.statement is None:  # cut mid-query, or at connect
        return True
    if isinstance(exc.orig, sqlite3.Error):
        return any(words in str(exc.orig).lower() for words in _SQLITE_UNREACHABLE)
    state = getattr(exc.orig, "sqlstate", None) or ""
    return isinstance(exc, sa.InterfaceError) or state.startswith(_PG_UNREACHABLE)


def unreachable_message(url: str, exc: BaseException) -> str:
    """ "cannot reach the database URL: why", with every password masked (a driver may
    echo its connection string in its message)."""
    from ringback.redact import mask_url, redact, url_secrets

    reason = getattr(exc, "orig", None) or exc
    return f"cannot reach the database {mask_url(url)}: {redact(str(reason), url_secrets(url))}"
