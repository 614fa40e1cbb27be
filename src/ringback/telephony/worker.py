"""Background work for the webhooks: the job queue behind a small Protocol.

The recording webhook must answer Twilio at once, so the download and the pipeline
(minutes of transcription) run elsewhere. In ``ringback serve`` that is a worker process
(:class:`ProcessJobQueue`); :class:`ThreadJobQueue` runs the same jobs in threads of the
caller. Anything with ``submit`` fits, so a Celery or RQ queue can replace them without
touching the web layer. Jobs are idempotent (keyed by
RecordingSid), so a queue that delivers twice does no harm.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger("ringback.telephony.worker")


@runtime_checkable
class JobQueue(Protocol):
    def submit(self, recording_sid: str) -> None:
        """Schedule processing of one accepted recording; must return at once."""
        ...

    def start(self) -> None: ...

    def stop(self, timeout: float | None = None) -> None: ...


class _Outstanding:
    """The recordings queued or running in a job queue, shared by both queues: a SID
    outstanding is not queued again, and ``join`` waits until none is left."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active: set[str] = set()

    def _claim(self, recording_sid: str) -> bool:
        """Mark a SID outstanding (the caller holds ``_lock``); False if it already was."""
        if recording_sid in self._active:
            return False
        self._active.add(recording_sid)
        return True

    def _finished(self, recording_sid: str) -> None:
        with self._idle:
            self._active.discard(recording_sid)
            self._idle.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or running (tests, the benchmark); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._active, timeout)

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._active)


class ThreadJobQueue(_Outstanding):
    """``workers`` threads taking SIDs off an in-memory queue; a SID queued or running
    is not queued again. Unfinished work survives a restart through the database (the
    server re-submits :func:`ringback.telephony.service.pending` at start)."""

    def __init__(self, handler: Callable[[str], object], *, workers: int = 1) -> None:
        super().__init__()
        self.handler = handler
        self.workers = max(1, workers)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []

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
            if not self._claim(recording_sid):
                return
        self._queue.put(recording_sid)

    def stop(self, timeout: float | None = None) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

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
                self._finished(sid)


def _child_main(
    handler: Callable[[str], object], jobs: Any, done: Any
) -> None:  # pragma: no cover - runs in the worker process
    import logging
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us through the queue
    # Background work yields the CPU to the webhooks, which Twilio waits on.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    while True:
        sid = jobs.get()
        if sid is None:
            return
        try:
            handler(sid)
        except Exception:
            log.exception("recording %s: processing failed", sid)
        finally:
            done.put(sid)


class ProcessJobQueue(_Outstanding):
    """Like :class:`ThreadJobQueue`, but the work runs in a separate worker process.

    Transcription is CPU-bound Python and C++: in a thread of the server it would contend
    for the GIL with the event loop and delay every webhook answer by whole switch
    intervals. In its own process it cannot. The process starts on the first job (a
    server that only answers calls never pays for it); ``handler`` must be picklable.
    """

    def __init__(self, handler: Callable[[str], object]) -> None:
        super().__init__()
        self.handler = handler
        self._process: Any = None
        self._jobs: Any = None
        self._done: Any = None
        self._collector: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        """Nothing to do until there is work: the process starts with the first job."""

    def _ensure_process(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded event loop
        self._jobs = ctx.Queue()
        self._done = ctx.Queue()
        self._process = ctx.Process(
            target=_child_main,
            args=(self.handler, self._jobs, self._done),
            name="ringback-telephony-worker",
            daemon=True,
        )
        self._process.start()
        self._collector = threading.Thread(target=self._collect, daemon=True)
        self._collector.start()
        for sid in list(self._active):  # a restarted worker gets what was outstanding
            self._jobs.put(sid)

    def _collect(self) -> None:
        done, process = self._done, self._process
        while True:
            try:
                sid = done.get(timeout=0.5)
            except queue.Empty:
                if not process.is_alive():
                    if not self._stopping and self._active:
                        log.error("the worker process died; outstanding jobs are retried")
                        with self._lock:
                            self._ensure_process()
                    return
                continue
            self._finished(sid)

    def submit(self, recording_sid: str) -> None:
        with self._lock:
            if not self._claim(recording_sid):
                return
            self._ensure_process()
            self._jobs.put(recording_sid)

    def stop(self, timeout: float | None = None) -> None:
        self._stopping = True
        if self._process is None:
            return
        self._jobs.put(None)
        self._process.join(timeout)
        if self._process.is_alive():
            # Mid-transcription: what it was doing is resumed at the next start.
            self._process.terminate()
            self._process.join(5)
        if self._collector is not None:
            self._collector.join(2)
        self._process = None
