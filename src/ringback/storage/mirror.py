"""Files that libraries read by path (FFmpeg, the call analysis, a report folder) kept in
the data folder *and* in a remote store: the store holds the truth, the folder a cache.

:meth:`Mirror.push` copies a file written here up to the store under its key (its path
relative to the data folder: ``calls/recordings/<sha>.wav``); :meth:`Mirror.local` gives
a path on this machine, fetched from the store first when this machine has no copy (a
worker, or a second app server, whose data folder is elsewhere). With the data folder as
the store both are no-ops, so the default behaves exactly as before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ringback.storage.base import Storage
from ringback.storage.local import LocalStorage

if TYPE_CHECKING:
    from ringback.config import Settings

# The folders of the data directory whose files live in the store (see backup too).
STORED_FOLDERS = ("recordings/", "greetings/", "calls/")


class Mirror:
    def __init__(self, store: Storage, data_dir: Path) -> None:
        self.store = store
        self.here = LocalStorage(data_dir)

    @classmethod
    def for_settings(cls, settings: Settings) -> Mirror:
        from ringback.storage.factory import storage_from_settings

        return cls(storage_from_settings(settings), settings.data_dir)

    @property
    def remote(self) -> bool:
        return self.store.remote

    def key_of(self, path: Path | str) -> str | None:
        """The key of a file under this data folder, or under another machine's (a path
        recorded elsewhere: its part from ``calls/``, ``greetings/``… on)."""
        key = self.here.key_of(str(path))
        if key is not None:
            return key
        parts = Path(path).parts
        for i in range(len(parts) - 1, -1, -1):
            tail = "/".join(parts[i:])
            if any(tail.startswith(folder) for folder in STORED_FOLDERS):
                key = tail  # keep looking: the outermost stored folder wins
        return key

    def push(self, path: Path) -> None:
        """Put the file written at ``path`` in the store (nothing to do when local)."""
        if not self.remote:
            return
        key = self.key_of(path)
        if key is None:
            raise ValueError(f"{path} is not in the data folder")
        self.store.put_file(key, path)

    def push_tree(self, folder: Path) -> None:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and not path.name.endswith(".tmp"):
                self.push(path)

    def local(self, path: Path | str) -> Path:
        """A readable path for ``path`` on this machine: itself when it is here, else a
        copy fetched from the store into this data folder (raises ObjectMissing or
        StorageUnavailable); unchanged when neither applies (the caller says it is gone)."""
        path = Path(path)
        if path.is_file() or not self.remote:
            return path
        key = self.key_of(path)
        if key is None:
            return path
        dest = self.here.path(key)
        if dest.is_file():
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out, self.store.open(key) as body:
                shutil.copyfileobj(body, out, 1 << 20)
            os.replace(tmp, dest)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return dest
