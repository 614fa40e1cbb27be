"""Claims: one worker at a time runs the pipeline on a given voicemail.

A claim is (owner, until) on the voicemail row, taken with a compare-and-swap
UPDATE so two workers racing for it cannot both win, on SQLite or PostgreSQL.
It is renewed on every stage write and released when the run ends. A worker
killed with SIGKILL cannot release it, so a claim is also free when

* it has expired (the other worker stopped renewing it), or
* its owner is a process on this host that no longer exists — the usual case
  of a restart after a crash, which must not wait for the expiry, or
* its owner is a runner on this host that gave it up without being able to say
  so (:class:`Abandoned`: the database went away mid-run), so that whichever process
  takes the message up once the database is back (the same one, or a sibling: a
  Celery pool's other child, a second ``ringback worker``, ``inbox resume``) resumes
  it at once instead of waiting out the lease (an hour by default, the runner's).

Why a note on disk that the others read, rather than the abandoning process
releasing its claim (compare-and-swap on ``claimed_by``) once it reaches the
database again: it gives up while the database is unreachable, and it may not run
another transaction for hours (a Celery child whose retried task went to its
sibling sits idle; ``inbox add`` exits), so a release "at its next transaction"
would leave the sibling waiting, and one on a timer of its own would be one more
thread per process polling the database. The data directory is there the moment it
gives up, and every process of the installation on this host shares it.

It is safe because a note names an owner, never a process: a runner gives up an
owner (host:pid:token) only once it has stopped working on the message, and takes
a new token before it works again, so no note ever names a runner at work. Losing
a note (a full disk, or it is pruned) only makes the claim wait for its expiry, as
before. Another host cannot see this host's processes: there only the expiry tells.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ringback.voicemail.models import Voicemail

log = logging.getLogger("ringback.voicemail.pipeline")

HOST = socket.gethostname()[:60]
# Owners (runners of this process) that stopped without releasing their claim.
_ABANDONED: set[str] = set()
_SAFE_HOST = re.compile(r"[0-9A-Za-z._-]{1,60}")
_NOTE = re.compile(r"([0-9]{1,10})-([0-9a-f]{1,32})")


def new_owner() -> str:
    """host:pid:token — the token tells apart two runners inside one process."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


class Abandoned:
    """Owners that stopped working on their claim but could not release it: this
    process's memory and, given a data directory, an empty file each
    (``pipeline-claims/HOST/PID-TOKEN``) that every process on this host reads."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.directory = data_dir / "pipeline-claims" / HOST if data_dir is not None else None

    def _file(self, owner: str) -> Path | None:
        parts = owner.rsplit(":", 2)
        if self.directory is None or len(parts) != 3 or parts[0] != HOST:
            return None
        name = f"{parts[1]}-{parts[2]}"
        return (
            self.directory / name if _SAFE_HOST.fullmatch(HOST) and _NOTE.fullmatch(name) else None
        )

    def add(self, owner: str) -> None:
        """``owner`` no longer works on what it claimed: its claims are free at once."""
        _ABANDONED.add(owner)
        path = self._file(owner)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        except OSError as exc:  # a full disk: free to this process only, as before
            log.warning("could not note the abandoned claim of %s: %s", owner, exc)
        self._prune()

    def holds(self, owner: str) -> bool:
        if owner in _ABANDONED:
            return True
        path = self._file(owner)
        return path is not None and path.exists()

    def _prune(self) -> None:
        """Notes of processes gone: their claims are free anyway (a dead owner)."""
        if self.directory is None:
            return
        with contextlib.suppress(OSError):
            for note in self.directory.iterdir():
                found = _NOTE.fullmatch(note.name)
                if found and not _pid_alive(int(found[1])):
                    note.unlink(missing_ok=True)


def abandon(owner: str, data_dir: Path | None = None) -> None:
    """``owner`` (a runner of this process) no longer works on what it claimed but could
    not release it: its claims are free at once to this process and, with ``data_dir``,
    to every process on this host that shares it."""
    Abandoned(data_dir).add(owner)


def _owner_gone(owner: str, abandoned: Abandoned) -> bool:
    """The owner's process on this host has ended, or the owner gave its claim up."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != HOST:
        return False  # another machine: only the expiry can tell
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if not _pid_alive(pid):
        return True
    # A live process (this one or a sibling): its runner is still at work, unless it
    # gave the claim up.
    return abandoned.holds(owner)


def is_free(
    owner: str | None, until: datetime | None, now: datetime, abandoned: Abandoned | None = None
) -> bool:
    if owner is None:
        return True
    if until is None or until <= now:
        return True
    return _owner_gone(owner, abandoned or Abandoned())


def try_claim(
    session: Session,
    voicemail_id: int,
    owner: str,
    now: datetime,
    lease: timedelta,
    abandoned: Abandoned | None = None,
) -> bool:
    """Claim the voicemail for ``owner`` in this transaction; False if someone else holds it."""
    current = session.execute(
        select(Voicemail.claimed_by, Voicemail.claimed_until).where(Voicemail.id == voicemail_id)
    ).one_or_none()
    if current is None:
        raise LookupError(f"no voicemail {voicemail_id}")
    held_by, until = current
    if held_by != owner and not is_free(held_by, until, now, abandoned):
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
