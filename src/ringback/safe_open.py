"""Opening a file we were handed only if it is a plain file, never through a trick.

A FIFO or a device named ``msg.wav`` would make ``open()`` block forever or read
without end; a symbolic link dropped into a watched folder would make Ringback copy
whatever it points to (``/etc/shadow``) into its store. :func:`open_regular` opens
without blocking, optionally refuses a final symbolic link (``O_NOFOLLOW``, so a swap
between a check and the open cannot win), and checks the *opened* file with ``fstat``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegularFile(ValueError):
    """The path is not a plain file (a link, FIFO, socket, device or folder); nothing was read."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path = Path(path)
        self.kind = kind
        super().__init__(
            f"{self.path.name} is {kind}, not a regular file: only plain recording files are "
            "read (copy the recording itself there)"
        )


def kind_of(mode: int) -> str | None:
    """What a file of this ``st_mode`` is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(path: Path | str, *, follow_symlinks: bool = True) -> BinaryIO:
    """``path`` opened for reading in binary mode; :class:`NotRegularFile` for anything else.

    With ``follow_symlinks=False`` a symbolic link is refused even if it points at a
    regular file. A missing file raises :class:`FileNotFoundError` as ``open`` would.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        # O_NOFOLLOW on a link fails with ELOOP; say what it is rather than "too many links".
        if not follow_symlinks and path.is_symlink():
            raise NotRegularFile(path, "a symbolic link") from None
        if isinstance(exc, IsADirectoryError):
            raise NotRegularFile(path, "a folder") from None
        raise
    try:
        kind = kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFile(path, kind)
        # Regular files never block; clear the flag so reads behave as usual.
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
