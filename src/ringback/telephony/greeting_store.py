"""Where greetings live: ``<data_dir>/greetings/<line>.wav`` plus ``<line>.json`` (digest,
transcript, checks), and, with an object store (``RINGBACK_STORAGE_URL``), the same two
objects under ``greetings/`` in the bucket. Those are the install's greetings (the first
owner's, as before teams); every other user's own are the same two files under
``greetings/users/<user id>/`` (see :func:`ringback.lines.greeting_stem`). A call to a
user's line plays their own greeting, else the install's (:meth:`GreetingStore.playing`).

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
from ringback.lines import LineKind, greeting_path, greeting_stem, greetings_dir
from ringback.storage import StorageError

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.storage import Storage

log = logging.getLogger("ringback.telephony")

# How often a machine asks the bucket whether a line's greeting changed.
SYNC_SECONDS = 30.0

# A greeting's place: its line, and whose (None: the install's).
Slot = tuple[LineKind, int | None]


class GreetingError(ValueError):
    """The file cannot be used as a greeting (not audio, silent...), or was not stored."""


@dataclass(frozen=True)
class Greeting:
    line: LineKind
    path: Path
    digest: str
    user_id: int | None = None  # None: the install's

    @property
    def name(self) -> str:
        """The file name it is served under; changes with the content (no stale caches).
        Twilio fetches it without signing in, so the content hash (64 bits) is what keeps
        it unguessable; a user's own carries their id only to find it by."""
        owner = "" if self.user_id is None else f"u{self.user_id}-"
        return f"{owner}{self.line}-{self.digest[:16]}.wav"


class GreetingStore:
    """The greetings of every line, the install's and each user's. ``current`` is called
    on every incoming call: it stats the file and rereads the sidecar only when the file
    changed."""

    def __init__(self, data_dir: Path, store: Storage | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.root = greetings_dir(data_dir)
        self.store = store if store is not None and store.remote else None
        self._cache: dict[Slot, tuple[tuple[int, int] | None, Greeting | None]] = {}
        self._checked: dict[Slot, float] = {}
        self._synced: dict[Slot, float] = {}

    @classmethod
    def for_settings(cls, settings: Settings) -> GreetingStore:
        from ringback.storage import storage_from_settings

        return cls(settings.data_dir, storage_from_settings(settings))

    def path(self, line: LineKind, user_id: int | None = None) -> Path:
        return greeting_path(self.data_dir, line, user_id)

    def _sidecar(self, slot: Slot) -> Path:
        return self.root / f"{greeting_stem(*slot)}.json"

    @staticmethod
    def _key(slot: Slot, ext: str) -> str:
        return f"greetings/{greeting_stem(*slot)}.{ext}"

    def current(self, line: LineKind, user_id: int | None = None) -> Greeting | None:
        """The greeting for ``line`` (``user_id``'s own, else the install's); a change on
        disk is seen within a second."""
        slot: Slot = (line, user_id)
        now = time.monotonic()
        if self.store is not None and now - self._synced.get(slot, -SYNC_SECONDS) >= SYNC_SECONDS:
            self._synced[slot] = now
            self._pull(slot)
        cached = self._cache.get(slot)
        if cached is not None and now - self._checked.get(slot, 0.0) < 1.0:
            return cached[1]
        self._checked[slot] = now
        path = self.path(line, user_id)
        try:
            st = os.stat(path)
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        cached = self._cache.get(slot)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        greeting = None
        if stamp is not None:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            greeting = Greeting(line, path, digest, user_id)
        self._cache[slot] = (stamp, greeting)
        return greeting

    def playing(self, line: LineKind, user_id: int | None) -> Greeting | None:
        """What a call to ``user_id``'s ``line`` plays: their own greeting, else the
        install's (None: no user, a number that is nobody's line, or the first owner)."""
        own = self.current(line, user_id) if user_id is not None else None
        return own or self.current(line)

    def by_name(self, name: str) -> Greeting | None:
        """The greeting served as ``name`` (see :attr:`Greeting.name`), if it is current."""
        user_id = None
        rest = name
        if name.startswith("u"):
            head, _, rest = name[1:].partition("-")
            if not head.isdigit() or len(head) > 12:
                return None
            user_id = int(head)
            # Only users who have greetings here: a made-up id never grows the cache.
            if not self.path(LineKind.PERSONAL, user_id).parent.is_dir():
                return None
        line = rest.partition("-")[0]
        if line not in {str(k) for k in LineKind}:
            return None
        greeting = self.current(LineKind(line), user_id)
        return greeting if greeting is not None and greeting.name == name else None

    def save(
        self, line: LineKind, wav: bytes, info: dict[str, Any], user_id: int | None = None
    ) -> Greeting:
        """Make ``wav`` the greeting of ``line`` (``user_id``'s own, else the install's): in
        the bucket first (when there is one; :class:`~ringback.storage.StorageUnavailable`
        then changes nothing), then here."""
        slot: Slot = (line, user_id)
        digest = hashlib.sha256(wav).hexdigest()
        meta = {**info, "digest": digest, "uploaded_at": datetime.now(UTC).isoformat()}
        sidecar = json.dumps(meta, indent=2).encode()
        if self.store is not None:
            try:
                self.store.put_bytes(self._key(slot, "wav"), wav, content_type="audio/wav")
                self.store.put_bytes(self._key(slot, "json"), sidecar)
            except StorageError as exc:
                raise GreetingError(
                    f"the greeting was not changed: the recording store did not take it "
                    f"({exc}); try again in a minute"
                ) from exc
            sidecar = json.dumps({**meta, "in_store": True}, indent=2).encode()
        self._write(slot, wav, sidecar)
        return Greeting(line, self.path(line, user_id), digest, user_id)

    def _write(self, slot: Slot, wav: bytes, sidecar: bytes) -> None:
        folder = self.path(*slot).parent
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self._sidecar(slot), sidecar, folder)
        write_atomic(self.path(*slot), wav, folder)
        self._forget(slot)

    def _forget(self, slot: Slot) -> None:
        self._cache.pop(slot, None)
        self._checked.pop(slot, None)

    def _meta(self, slot: Slot) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads(self._sidecar(slot).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return meta

    def _pull(self, slot: Slot) -> None:
        """Bring the cached copy in line with the bucket (a greeting saved on another
        machine, or removed there); one that predates the bucket is put in it."""
        assert self.store is not None
        path = self.path(*slot)
        try:
            if not self.store.exists(self._key(slot, "json")):
                if path.is_file() and not self._meta(slot).get("in_store"):
                    self._push_cached(slot)
                elif path.is_file():
                    self._drop(slot)  # removed on another machine
                return
            with self.store.open(self._key(slot, "json")) as body:
                meta = json.loads(body.read())
            if meta.get("digest") == self._meta(slot).get("digest") and path.is_file():
                return
            with self.store.open(self._key(slot, "wav")) as body:
                wav = body.read()
            self._write(slot, wav, json.dumps({**meta, "in_store": True}, indent=2).encode())
        except (StorageError, OSError, ValueError) as exc:
            log.warning(
                "greeting %s: the store did not answer (%s); the cached one plays",
                greeting_stem(*slot),
                exc,
            )

    def _push_cached(self, slot: Slot) -> None:
        assert self.store is not None
        meta = {**self._meta(slot), "in_store": True}
        self.store.put_bytes(self._key(slot, "wav"), self.path(*slot).read_bytes())
        sidecar = json.dumps(meta, indent=2).encode()
        self.store.put_bytes(self._key(slot, "json"), sidecar)
        write_atomic(self._sidecar(slot), sidecar, self.path(*slot).parent)

    def info(self, line: LineKind, user_id: int | None = None) -> dict[str, Any] | None:
        greeting = self.current(line, user_id)
        if greeting is None:
            return None
        meta = {k: v for k, v in self._meta((line, user_id)).items() if k != "in_store"}
        return {**meta, "line": str(line), "path": str(greeting.path), "name": greeting.name}

    def remove(self, line: LineKind, user_id: int | None = None) -> bool:
        slot: Slot = (line, user_id)
        found = self.path(*slot).exists()
        if self.store is not None:
            found = found or self.store.exists(self._key(slot, "wav"))
            self.store.delete(self._key(slot, "json"))
            self.store.delete(self._key(slot, "wav"))
        self._drop(slot)
        return found

    def _drop(self, slot: Slot) -> None:
        self.path(*slot).unlink(missing_ok=True)
        self._sidecar(slot).unlink(missing_ok=True)
        self._forget(slot)
