"""Work outside the database that must follow a transaction's fate: done once it has
committed, never if it rolls back.

Some of what a deletion does is not in the database (a queued email dropped from the
outbox on disk). Done before the commit, a transaction that then fails (a constraint, a
trigger, a lost connection, the audit row refused) would leave the object in place but
that work done, and lost: the email of a contact who is still there, never sent.
:func:`after_commit` holds it until the session's outermost transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger("ringback.db")
_WAITING = "ringback.after_commit"  # the session.info key holding the actions


def after_commit(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` once ``session``'s outermost transaction commits; dropped if it rolls
    back (or the session closes without committing)."""
    session.info.setdefault(_WAITING, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_waiting(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is later
        return
    for action in session.info.pop(_WAITING, []):
        try:
            action()
        except Exception:  # committed already: the caller's answer stands; say what failed
            log.exception("work after a commit failed: %r", action)


@event.listens_for(Session, "after_transaction_end")
def _drop_waiting(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost ended: committed (run above) or not
        session.info.pop(_WAITING, None)
