"""A database that refuses one kind of audit row: a transaction that fails after its
statements ran, as a lost connection, a full disk or a constraint would make it fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from ringback.db.session import transaction


@contextmanager
def refusing_audit(url: str, action: str) -> Iterator[None]:
    """While inside, a trigger makes inserting an ``audit_events`` row with ``action`` fail
    (on SQLite and PostgreSQL); dropped again on the way out."""
    name = f"refuse_{action}"
    refuse = f"NEW.action = '{action}'"  # an action is a fixed identifier, never user text
    sqlite = url.startswith("sqlite")
    with transaction(url) as session:
        if sqlite:
            session.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE INSERT ON audit_events WHEN {refuse} "
                    "BEGIN SELECT RAISE(ABORT, 'the audit trail refuses it'); END"
                )
            )
        else:
            session.execute(
                text(
                    f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN IF {refuse} THEN "
                    "RAISE EXCEPTION 'the audit trail refuses it'; END IF; RETURN NEW; END "
                    "$$ LANGUAGE plpgsql"
                )
            )
            session.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE INSERT ON audit_events "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            )
    try:
        yield
    finally:
        with transaction(url) as session:
            session.execute(text(f"DROP TRIGGER {name}" + ("" if sqlite else " ON audit_events")))
            if not sqlite:
                session.execute(text(f"DROP FUNCTION {name}()"))
