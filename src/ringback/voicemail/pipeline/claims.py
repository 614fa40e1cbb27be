"""Claims: one worker at a time runs the pipeline on a given voicemail.

A claim is (owner, until) on the voicemail row, taken with a compare-and-swap
UPDATE so two workers racing for it cannot both win, on SQLite or PostgreSQL.
It is renewed on every stage write and released when the run ends. A worker
killed with SIGKILL cannot release it, so a claim is also free when

* it has expired (the other worker stopped renewing it), or
* its owner is a process on this host that no longer exists — the usual case
  of a restart after a crash, which must not wait for the expiry, or
* its owner is a runner in this very process that gave it up without being able to
  say so (:func:`abandon`: the database went away mid-run), so that the same
  process resumes the message once the database is back instead of waiting out
  the lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ringback.voicemail.models import Voicemail

HOST = socket.gethostname()[:60]
# Owners (runners of this process) that stopped without releasing their claim.
_ABANDONED: set[str] = set()


def new_owner() -> str:
    """host:pid:token — the token tells apart two runners inside one process."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_gone(owner: str) -> bool:
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != HOST:
        return False  # another machine: only the expiry can tell
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid():
        # This process: a runner here still at work, unless it gave the claim up.
        return owner in _ABANDONED
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, belongs to someone else
    return False


def abandon(owner: str) -> None:
    """``owner`` (a runner of this process) no longer works on what it claimed but could
    not release it: its claims are free to this process at once."""
    _ABANDONED.add(owner)


def is_free(owner: str | None, until: datetime | None, now: datetime) -> bool:
    if owner is None:
        return True
    if until is None or until <= now:
        return True
    return _process_gone(owner)


def try_claim(
    session: Session, voicemail_id: int, owner: str, now: datetime, lease: timedelta
) -> bool:
    """Claim the voicemail for ``owner`` in this transaction; False if someone else holds it."""
    current = session.execute(
        select(Voicemail.claimed_by, Voicemail.claimed_until).where(Voicemail.id == voicemail_id)
    ).one_or_none()
    if current is None:
        raise LookupError(f"no voicemail {voicemail_id}")
    held_by, until = current
    if held_by != owner and not is_free(held_by, until, now):
        return False
    # Compare-and-swap on what we just read: a racing worker that got there first wins.
    same = Voicemail.claimed_by.is_(None) if held_by is None else Voicemail.claimed_by == held_by
    result = session.execute(
        update(Voicemail)
        .where(Voicemail.id == voicemail_id, same)
        .values(claimed_by=owner, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def renew(session: Session, voicemail_id: int, owner: str, now: datetime, lease: timedelta) -> None:
    session.execute(
        update(Voicemail)
        .where(Voicemail.id == voicemail_id, Voicemail.claimed_by == owner)
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )


def release(session: Session, voicemail_id: int, owner: str) -> None:
    session.execute(
        update(Voicemail)
        .where(Voicemail.id == voicemail_id, Voicemail.claimed_by == owner)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
