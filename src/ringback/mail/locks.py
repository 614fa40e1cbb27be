"""One lock per outbox message, so that sending one email never holds up another.

A message's lock is an ``flock`` on ``<outbox>/locks/<name>.lock``. flock locks belong to
the open file description, so opening the file anew for each acquisition serialises the
threads of one process as well as the processes sharing the outbox; a process that dies
loses its locks with it, so a crash mid-send never leaves a message locked.

The file is removed on every release, so lock files do not pile up: one exists only while
someone holds (or waits for) that message. Removing a lock file that others may be
waiting on is safe because an acquirer checks, once it holds the lock, that the file it
locked is still the one at the path; if the holder removed it meanwhile, the acquirer
starts over on the new file. A process killed while holding one leaves one empty file
behind, which the next acquisition of that message (or :func:`sweep_locks`) removes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def message_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock at ``path``; yields True once held. With ``wait=False`` it yields
    False at once (holding nothing) when someone else has it."""
    fd = _acquire(path, wait=wait)
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        # Removed while still held: a waiter on this file sees it is gone and starts over.
        path.unlink(missing_ok=True)
        os.close(fd)  # drops the lock


def sweep_locks(folder: Path) -> None:
    """Remove the lock files nobody holds (left by a process killed while holding one)."""
    for path in folder.glob("*.lock"):
        with message_lock(path, wait=False):
            pass


def _acquire(path: Path, *, wait: bool) -> int | None:
    mode = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            current = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            current = False  # its holder removed it while we waited
        if current:
            return fd
        os.close(fd)
