"""Reading what people hand the command line: row ids and files.

Each reader refuses what it cannot use with a message that says so and what to do,
before anything reaches the database or is read into memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import click

# Ids are INTEGER columns: 64-bit on SQLite but 32-bit on PostgreSQL. A larger number
# cannot be any row's id, and handed to the database it is an overflow, not "not found".
MAX_ID = 2**31 - 1

# Contacts and call-log imports are read whole (a CSV value may span lines); 50 MB is
# some 200,000 contacts, far past any real export, and bounds what a wrong file can cost.
MAX_IMPORT_BYTES = 50 * 1024 * 1024


def as_id(text: str) -> int | None:
    """``text`` ("12", "#12") as a row id, or None when it cannot be one (not digits, 0,
    or beyond the database's integer range)."""
    digits = text.strip().lstrip("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(MAX_ID)):
        return None
    value = int(digits)
    return value if 1 <= value <= MAX_ID else None


class RowId(click.ParamType):
    """A click argument that is a row id: a clear 'not an id' instead of an overflow."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and 1 <= value <= MAX_ID:
            return value
        found = as_id(str(value))
        if found is None:
            self.fail(
                f"{str(value)[:40]!r} is not an id: ids are whole numbers from 1 to {MAX_ID}",
                param,
                ctx,
            )
        return found


ROW_ID = RowId()


class Indexes(click.ParamType):
    """Numbers of listed items, comma-separated ("0,2"), or "none" for the empty set."""

    name = "indexes"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> frozenset[int]:
        if isinstance(value, frozenset):
            return value
        text = str(value).strip().lower()
        if text == "none":
            return frozenset()
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not parts or not all(p.isascii() and p.isdigit() and len(p) < 6 for p in parts):
            self.fail(
                f"{str(value)[:40]!r} is not a list of item numbers: write them as 0,2 "
                "(the numbers `inbox show` gives), or none",
                param,
                ctx,
            )
        return frozenset(int(p) for p in parts)


INDEXES = Indexes()


class InputFileError(ValueError):
    """A file given to read cannot be used: the message says why, the hint what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def read_input_file(path: Path, *, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    A FIFO, a device (/dev/zero) or a socket is refused without reading from it (so
    nothing hangs or fills memory), and so is a file larger than ``limit``.
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputFileError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InputFileError(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputFileError(f"{path} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(
                f"{path} is not a regular file (it is a pipe, a device or a socket)",
                hint="save the data to a file first and pass that file",
            )
        if info.st_size > limit:
            raise _too_large(path, limit)
        os.set_blocking(fd, True)
        data = handle.read(limit + 1)  # the file may have grown since fstat
    if len(data) > limit:
        raise _too_large(path, limit)
    return data


def _too_large(path: Path, limit: int) -> InputFileError:
    return InputFileError(
        f"{path} is larger than {limit // (1024 * 1024)} MB, the most one import reads",
        hint="split it into smaller files and import each in turn",
    )
