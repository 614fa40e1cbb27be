"""Background work for the webhooks: the job queue behind a small Protocol.

The recording webhook must answer Twilio at once, so the download and the pipeline
(minutes of transcription) run elsewhere. In ``ringback serve`` that is a thread pool in
the server process (:class:`ThreadJobQueue`); anything with ``submit`` fits, so a Celery or
RQ queue can replace it without touching the web layer. Jobs are idempotent (keyed by
RecordingSid), so a queue that delivers twice does no harm.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable

log = logging.getLogger("ringback.telephony.worker")


@runtime_checkable
class JobQueue(Protocol):
    def submit(self, recording_sid: str) -> None:
        """Schedule processing of one accepted recording; must return at once."""
        ...

    def start(self) -> None: ...

    def stop(self, timeout: float | None = None) -> None: ...


class ThreadJobQueue:
    """``workers`` threads taking SIDs off an in-memory queue; a SID queued or running
    is not queued again. Unfinished work survives a restart through the database (the
    server re-submits :func:`ringback.telephony.service.pending` at start)."""

    def __init__(self, handler: Callable[[str], object], *, workers: int = 1) -> None:
        self.handler = handler
        self.workers = max(1, workers)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Condition(self._lock)

    def start(self) -> None:
        if self._threads:
            return
        for n in range(self.workers):
            thread = threading.Thread(
                target=self._loop, name=f"ringback-telephony-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def submit(self, recording_sid: str) -> None:
        with self._lock:
            if recording_sid in self._active:
                return
            self._active.add(recording_sid)
        self._queue.put(recording_sid)

    def stop(self, timeout: float | None = None) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or running (tests, the benchmark); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._active, timeout)

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._active)

    def _loop(self) -> None:
        while True:
            sid = self._queue.get()
            if sid is None:
                return
            try:
                self.handler(sid)
            except Exception:
                log.exception("recording %s: processing failed", sid)
            finally:
                with self._idle:
                    self._active.discard(sid)
                    self._idle.notify_all()
