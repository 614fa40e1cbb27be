"""Where greetings live: ``<data_dir>/greetings/<line>.wav`` plus ``<line>.json`` (digest,
transcript, checks), and, with an object store (``RINGBACK_STORAGE_URL``), the same two
objects under ``greetings/`` in the bucket.

With a bucket, the bucket is the truth and the data folder a cache: a greeting saved on
one machine is put in the bucket first (a store that is down changes nothing and says
so), and every machine that answers calls picks a changed greeting up within
:data:`SYNC_SECONDS`. A call is never held up by the store: when it does not answer, the
cached greeting plays.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.durable import write_atomic
from ringback.lines import LineKind, greeting_path, greetings_dir
from ringback.storage import StorageError

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.storage import Storage

log = logging.getLogger("ringback.telephony")

# How often a machine asks the bucket whether a line's greeting changed.
SYNC_SECONDS = 30.0


class GreetingError(ValueError):
    """The file cannot be used as a greeting (not audio, silent...), or was not stored."""


@dataclass(frozen=True)
class Greeting:
    line: LineKind
    path: Path
    digest: str

    @property
    def name(self) -> str:
        """The file name it is served under; changes with the content (no stale caches)."""
        return f"{self.line}-{self.digest[:16]}.wav"


class GreetingStore:
    """The greetings of every line. ``current`` is called on every incoming call: it stats
    the file and rereads the sidecar only when the file changed."""

    def __init__(self, data_dir: Path, store: Storage | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.root = greetings_dir(data_dir)
        self.store = store if store is not None and store.remote else None
        self._cache: dict[LineKind, tuple[tuple[int, int] | None, Greeting | None]] = {}
        self._checked: dict[LineKind, float] = {}
        self._synced: dict[LineKind, float] = {}

    @classmethod
    def for_settings(cls, settings: Settings) -> GreetingStore:
        from ringback.storage import storage_from_settings

        return cls(settings.data_dir, storage_from_settings(settings))

    def path(self, line: LineKind) -> Path:
        return greeting_path(self.data_dir, line)

    def current(self, line: LineKind) -> Greeting | None:
        """The greeting for ``line``; a change on disk is seen within a second."""
        now = time.monotonic()
        if self.store is not None and now - self._synced.get(line, -SYNC_SECONDS) >= SYNC_SECONDS:
            self._synced[line] = now
            self._pull(line)
        cached = self._cache.get(line)
        if cached is not None and now - self._checked.get(line, 0.0) < 1.0:
            return cached[1]
        self._checked[line] = now
        path = self.path(line)
        try:
            st = os.stat(path)
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        cached = self._cache.get(line)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        greeting = None
        if stamp is not None:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            greeting = Greeting(line, path, digest)
        self._cache[line] = (stamp, greeting)
        return greeting

    def by_name(self, name: str) -> Greeting | None:
        for line in LineKind:
            greeting = self.current(line)
            if greeting is not None and greeting.name == name:
                return greeting
        return None

    def save(self, line: LineKind, wav: bytes, info: dict[str, Any]) -> Greeting:
        """Make ``wav`` the greeting of ``line``: in the bucket first (when there is one;
        :class:`~ringback.storage.StorageUnavailable` then changes nothing), then here."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(wav).hexdigest()
        meta = {**info, "digest": digest, "uploaded_at": datetime.now(UTC).isoformat()}
        sidecar = json.dumps(meta, indent=2).encode()
        if self.store is not None:
            try:
                self.store.put_bytes(f"greetings/{line}.wav", wav, content_type="audio/wav")
                self.store.put_bytes(f"greetings/{line}.json", sidecar)
            except StorageError as exc:
                raise GreetingError(
                    f"the greeting was not changed: the recording store did not take it "
                    f"({exc}); try again in a minute"
                ) from exc
            sidecar = json.dumps({**meta, "in_store": True}, indent=2).encode()
        self._write(line, wav, sidecar)
        return Greeting(line, self.path(line), digest)

    def _write(self, line: LineKind, wav: bytes, sidecar: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / f"{line}.json", sidecar, self.root)
        write_atomic(self.path(line), wav, self.root)
        self._cache.pop(line, None)
        self._checked.pop(line, None)

    def _meta(self, line: LineKind) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads((self.root / f"{line}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return meta

    def _pull(self, line: LineKind) -> None:
        """Bring the cached copy in line with the bucket (a greeting saved on another
        machine, or removed there); one that predates the bucket is put in it."""
        assert self.store is not None
        try:
            if not self.store.exists(f"greetings/{line}.json"):
                if self.path(line).is_file() and not self._meta(line).get("in_store"):
                    self._push_cached(line)
                elif self.path(line).is_file():
                    self._drop(line)  # removed on another machine
                return
            with self.store.open(f"greetings/{line}.json") as body:
                meta = json.loads(body.read())
            if meta.get("digest") == self._meta(line).get("digest") and self.path(line).is_file():
                return
            with self.store.open(f"greetings/{line}.wav") as body:
                wav = body.read()
            self._write(line, wav, json.dumps({**meta, "in_store": True}, indent=2).encode())
        except (StorageError, OSError, ValueError) as exc:
            log.warning(
                "greeting %s: the store did not answer (%s); the cached one plays", line, exc
            )

    def _push_cached(self, line: LineKind) -> None:
        assert self.store is not None
        meta = {**self._meta(line), "in_store": True}
        self.store.put_bytes(f"greetings/{line}.wav", self.path(line).read_bytes())
        sidecar = json.dumps(meta, indent=2).encode()
        self.store.put_bytes(f"greetings/{line}.json", sidecar)
        write_atomic(self.root / f"{line}.json", sidecar, self.root)

    def info(self, line: LineKind) -> dict[str, Any] | None:
        greeting = self.current(line)
        if greeting is None:
            return None
        meta = {k: v for k, v in self._meta(line).items() if k != "in_store"}
        return {**meta, "line": str(line), "path": str(greeting.path), "name": greeting.name}

    def remove(self, line: LineKind) -> bool:
        found = self.path(line).exists()
        if self.store is not None:
            found = found or self.store.exists(f"greetings/{line}.wav")
            self.store.delete(f"greetings/{line}.json")
            self.store.delete(f"greetings/{line}.wav")
        self._drop(line)
        return found

    def _drop(self, line: LineKind) -> None:
        self.path(line).unlink(missing_ok=True)
        (self.root / f"{line}.json").unlink(missing_ok=True)
        self._cache.pop(line, None)
        self._checked.pop(line, None)
