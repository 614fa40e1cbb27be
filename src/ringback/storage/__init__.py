"""Where recordings, greetings and reports are kept: one interface, two backends.

:class:`Storage` is the protocol; :class:`LocalStorage` is the data directory exactly as
it has always been laid out (the default), :class:`S3Storage` any S3-compatible object
store (``RINGBACK_STORAGE_URL=s3://bucket/prefix``). :func:`storage_from_settings` picks
one. Keys are relative, ``/``-separated paths such as ``recordings/ab/cd/<sha256>.wav``:
the same key names the same object in either backend, so a backup made from one restores
into the other.
"""

from __future__ import annotations

from ringback.storage.base import (
    ObjectMissing,
    Storage,
    StorageError,
    StorageUnavailable,
    StoreDown,
    check_key,
)
from ringback.storage.factory import storage_from_settings
from ringback.storage.local import LocalStorage
from ringback.storage.mirror import STORED_FOLDERS, Mirror

__all__ = [
    "STORED_FOLDERS",
    "LocalStorage",
    "Mirror",
    "ObjectMissing",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoreDown",
    "check_key",
    "storage_from_settings",
]
