"""The storage protocol and its errors (no backend here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from ringback.errors import HintedError


class StorageError(Exception):
    """Something went wrong with the store."""


class StorageUnavailable(StorageError):
    """The store cannot be reached or refused for a while (connection refused, timeout,
    5xx, throttling): worth waiting for and trying again; nothing was lost."""


class ObjectMissing(StorageError, LookupError):
    """No object under that key."""


class StoreDown(HintedError):
    """A deletion refused because the store holding its files does not answer: nothing
    was deleted (no row goes while its recording stays). Voicemails and call reviews
    raise it; a 503 on the API."""

    def __init__(self, reason: object) -> None:
        super().__init__(
            f"the recording's store does not answer ({reason}); nothing was deleted",
            "try again once the store is back (the server's /readyz says whether it answers)",
        )


def check_key(key: str) -> str:
    """A key as every backend takes it: relative, ``/``-separated, no ``..`` or empty parts."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"not a storage key: {key!r} (want e.g. recordings/ab/cd/x.wav)")
    return key


@runtime_checkable
class Storage(Protocol):
    """Objects under keys. Implementations raise :class:`StorageUnavailable` for a store that
    is down and :class:`ObjectMissing` for a key that is not there."""

    #: True for a store on another machine (the pipeline then copies the spool up to it).
    remote: bool

    def describe(self) -> str:
        """Where the objects are, for people (a folder, ``s3://bucket/prefix``)."""
        ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None: ...

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None: ...

    def open(self, key: str) -> BinaryIO:
        """A stream of the object's bytes (close it)."""
        ...

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive (an HTTP Range), in chunks."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix``, in key order."""
        ...

    def locate(self, key: str) -> str:
        """The object's location as the database keeps it (a path, ``s3://…``)."""
        ...

    def key_of(self, location: str) -> str | None:
        """The key of a location :meth:`locate` gave; None when it is not in this store."""
        ...

    def materialise(self, key: str) -> AbstractContextManager[Path]:
        """A real file with the object's bytes while the block runs (for FFmpeg, Whisper);
        a temporary copy is removed afterwards."""
        ...

    def reachable(self) -> bool:
        """True when the store answers; raises :class:`StorageUnavailable` with the reason
        when it does not."""
        ...
