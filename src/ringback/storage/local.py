"""The data directory as a store: keys are paths under it, exactly today's layout."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO

from ringback.durable import fsync_dir
from ringback.storage.base import ObjectMissing, StorageUnavailable, check_key

_CHUNK = 1 << 20


class LocalStorage:
    """``<root>/<key>``; writes are atomic (temp file, fsync, rename, fsync of the folder)."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return str(self.root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, key: str, chunks: Iterator[bytes]) -> None:
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dest)
        finally:
            Path(tmp).unlink(missing_ok=True)
        fsync_dir(dest.parent)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._write(key, iter([data]))

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        if Path(path).resolve() == self.path(key).resolve():
            return  # already where it belongs (the spool is the store)
        with open(path, "rb") as handle:
            self._write(key, iter(lambda: handle.read(_CHUNK), b""))

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            raise ObjectMissing(f"no {key} in {self.root}") from None

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        with self.open(key) as handle:
            handle.seek(start)
            left = end - start + 1
            while left > 0 and (chunk := handle.read(min(_CHUNK, left))):
                left -= len(chunk)
                yield chunk

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise ObjectMissing(f"no {key} in {self.root}") from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not base.is_dir():
            return
        found = (
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(".tmp")
        )
        yield from sorted(k for k in found if k.startswith(prefix))

    def locate(self, key: str) -> str:
        return str(self.path(key))

    def key_of(self, location: str) -> str | None:
        path = Path(location)
        if not path.is_absolute():
            return None
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def materialise(self, key: str) -> AbstractContextManager[Path]:
        path = self.path(key)
        if not path.is_file():
            raise ObjectMissing(f"no {key} in {self.root}")
        return nullcontext(path)

    def reachable(self) -> bool:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"the data folder {self.root} is not writable")
        return True
