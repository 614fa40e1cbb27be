"""A consume folder: drop recordings in, they are ingested, then moved out of the way.

Rules, each there for a reason:

* A file is taken only when its size and mtime are the same on two polls in a
  row: a copy or an upload in progress keeps changing, so it is left alone.
  An empty file must also be older than ``empty_grace`` seconds, because many
  copiers create the file first and write it a moment later.
* Hidden and temporary files (``.x``, ``*.part``, ``*.tmp``, ``*~``...) are
  never taken: they are someone else's work in progress.
* The original is moved only after ingest has returned, i.e. after its bytes
  are in the content-addressed store and its row is committed. If the process
  dies in between, the file is still there and is ingested again on restart;
  its sha256 ``source_key`` makes that a no-op that just finishes the move.
* Processed files go to ``archive/``; rejected or failed ones to ``failed/``
  with a ``<name>.reason.txt`` next to them. Nothing is ever deleted.
* Only regular files inside the folder are taken. A symbolic link (which could
  point at ``/etc/shadow``), a FIFO, socket, device or subfolder is left alone,
  with its reason reported once (not on every poll). The check is ``lstat`` on
  the scan and ``O_NOFOLLOW`` + ``fstat`` on the open, and the opened file must be
  the one scanned, so swapping a link in between cannot win.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from ringback.durable import fsync_dir
from ringback.safe_open import NotRegularFile, kind_of, open_regular
from ringback.voicemail.pipeline.context import VoicemailResult
from ringback.voicemail.pipeline.stages import Stage

log = logging.getLogger("ringback.voicemail.watch")

ARCHIVE = "archive"
FAILED = "failed"
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".filepart", ".swp", ".lock")
EMPTY_GRACE_SECONDS = 30.0

# Called with the path (for its name) and the file already opened safely: read the
# handle, never reopen the path (it may have been swapped for a link meanwhile).
IngestFn = Callable[[Path, BinaryIO], VoicemailResult]
# (size, mtime_ns, device, inode) from lstat: the inode ties the open to what was scanned.
Signature = tuple[int, int, int, int]


@dataclass(frozen=True)
class WatchOutcome:
    path: Path  # where the file was found
    moved_to: Path | None  # None when it was left in place (ingest raised, or refused)
    result: VoicemailResult | None
    error: str | None = None
    refused: bool = False  # not a regular file: never read, nothing stored


def is_candidate(path: Path) -> bool:
    name = path.name
    if name.startswith(".") or name.startswith("~") or name.endswith("~"):
        return False
    return not name.lower().endswith(TEMP_SUFFIXES)


def _unique(directory: Path, name: str) -> Path:
    target = directory / name
    stem, suffix = os.path.splitext(name)
    n = 1
    while target.exists():
        target = directory / f"{stem}.{n}{suffix}"
        n += 1
    return target


class ConsumeFolder:
    """The polling state machine; call :meth:`poll` once per tick (tests drive it directly)."""

    def __init__(
        self,
        directory: Path,
        ingest: IngestFn,
        *,
        clock: Callable[[], float] = time.time,
        empty_grace: float = EMPTY_GRACE_SECONDS,
    ) -> None:
        self.directory = Path(directory)
        self.ingest = ingest
        self.clock = clock
        self.empty_grace = empty_grace
        self._last: dict[Path, Signature] = {}
        self._refused: dict[Path, tuple[int, int]] = {}  # reported once: (inode, file type)

    def _scan(self) -> tuple[dict[Path, Signature], list[WatchOutcome]]:
        found: dict[Path, Signature] = {}
        refused: list[WatchOutcome] = []
        seen_odd: dict[Path, tuple[int, int]] = {}
        with os.scandir(self.directory) as entries:
            for entry in entries:
                path = Path(entry.path)
                if not is_candidate(path) or entry.name in (ARCHIVE, FAILED):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)  # lstat: a link is a link
                except FileNotFoundError:  # gone between listing and stat
                    continue
                kind = kind_of(st.st_mode)
                if kind is None:
                    found[path] = (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
                    continue
                seen_odd[path] = (st.st_ino, stat.S_IFMT(st.st_mode))
                if self._refused.get(path) != seen_odd[path]:
                    refused.append(self._refuse(path, NotRegularFile(path, kind)))
        self._refused = seen_odd  # a refused entry that goes away is forgotten
        return found, refused

    def _refuse(self, path: Path, exc: Exception) -> WatchOutcome:
        log.warning("%s: not taken: %s", path, exc)
        return WatchOutcome(path, None, None, str(exc), refused=True)

    def pending(self) -> list[Path]:
        """Files seen but not yet taken (still changing, or seen only once so far)."""
        return sorted(self._last)

    def poll(self) -> list[WatchOutcome]:
        """Take the files that are ready; also report, once each, entries that are refused."""
        current, refused = self._scan()
        ready: list[tuple[Path, Signature]] = []
        for path, signature in sorted(current.items()):
            if self._last.get(path) != signature:
                continue
            size, mtime_ns = signature[:2]
            if size == 0 and self.clock() - mtime_ns / 1e9 < self.empty_grace:
                continue  # an empty file is usually a copy that has not started writing yet
            ready.append((path, signature))
        taken = {path for path, _ in ready}
        self._last = {p: s for p, s in current.items() if p not in taken}
        return refused + [self._take(path, signature) for path, signature in ready]

    def _open(self, path: Path, signature: Signature) -> BinaryIO:
        handle = open_regular(path, follow_symlinks=False)
        st = os.fstat(handle.fileno())
        if (st.st_dev, st.st_ino) != signature[2:]:
            handle.close()
            raise NotRegularFile(path, "a file that was replaced while being taken")
        return handle

    def _take(self, path: Path, signature: Signature) -> WatchOutcome:
        try:
            handle = self._open(path, signature)
        except NotRegularFile as exc:
            self._refused[path] = (signature[3], stat.S_IFREG)
            return self._refuse(path, exc)
        except FileNotFoundError:
            return WatchOutcome(path, None, None, "gone before it could be taken")
        try:
            with handle:
                result = self.ingest(path, handle)
        except Exception as exc:
            # Not committed, so the file stays exactly where it is and is tried again later.
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            if _database_down(exc):  # one line per try, not a traceback every poll
                log.warning("could not ingest %s, left in place: %s", path, first)
            else:
                log.exception("could not ingest %s; left in place", path)
            return WatchOutcome(path, None, None, f"{exc.__class__.__name__}: {first}")
        return self._move(path, result)

    def _move(self, path: Path, result: VoicemailResult) -> WatchOutcome:
        bad = result.status in ("rejected", "failed")
        target_dir = self.directory / (FAILED if bad else ARCHIVE)
        target_dir.mkdir(exist_ok=True)
        target = _unique(target_dir, path.name)
        if bad:
            reason = target.with_name(target.name + ".reason.txt")
            reason.write_text(
                f"status: {result.status}\nreason: {result.status_reason}\n"
                f"voicemail: {result.id}\nfile: {path.name}\n"
                f"when: {datetime.now(UTC).isoformat(timespec='seconds')}\n",
                encoding="utf-8",
            )
        try:
            os.replace(path, target)
            fsync_dir(target_dir)
        except OSError as exc:
            log.error(
                "%s ingested as voicemail %s but could not be moved: %s", path, result.id, exc
            )
            return WatchOutcome(path, None, result, f"not moved: {exc}")
        log.info("%s → voicemail %s (%s), moved to %s", path.name, result.id, result.status, target)
        return WatchOutcome(path, target, result)


def run_watch(
    directory: Path,
    *,
    once: bool,
    url: str,
    data_dir: Path,
    stages: Sequence[Stage] | None = None,
    poll_interval: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    stop: Callable[[], bool] | None = None,
    resume: bool = True,
    on_outcome: Callable[[WatchOutcome], None] | None = None,
    **ingest_kwargs: Any,
) -> list[WatchOutcome]:
    """Watch ``directory``; with ``once`` take what is ready now (two polls) and return.

    Without ``once`` it polls until ``stop()`` is true (forever by default) and
    returns an empty list; use ``on_outcome`` to follow progress. With
    ``resume`` (and stages) it also finishes messages a previous run left, once the
    files ready at start have been taken.
    """
    from ringback.voicemail.pipeline import ingest, resume_pending

    folder_path = Path(directory)
    if not folder_path.is_dir():
        raise NotADirectoryError(f"not a directory: {folder_path}")
    to_resume = resume and stages is not None

    def ingest_file(path: Path, handle: BinaryIO) -> VoicemailResult:
        received = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, UTC)
        return ingest(
            handle,
            source="watch",
            url=url,
            data_dir=data_dir,
            stages=stages,
            received_at=received,
            filename=path.name,
            sleep=sleep,
            **ingest_kwargs,
        )

    folder = ConsumeFolder(folder_path, ingest_file, clock=clock)
    collected: list[WatchOutcome] = []
    polls = 0
    while True:
        outcomes = folder.poll()
        polls += 1
        for outcome in outcomes:
            if on_outcome is not None:
                on_outcome(outcome)
            # A run cut short (the database went away mid-pipeline) leaves its message
            # unfinished: it is resumed once the database answers again.
            to_resume = to_resume or (stages is not None and _unfinished(outcome))
        if to_resume and polls >= 2 and stages is not None:
            # New files first: a message an earlier run left behind (maybe the very one
            # that stopped it) must never keep new ones waiting.
            to_resume = not _resumed(
                lambda: resume_pending(url, stages, sleep=sleep, data_dir=data_dir)
            )
        if once:
            collected.extend(outcomes)
            if polls >= 2:
                if folder.pending():
                    log.info("still changing, left for next time: %s", folder.pending())
                return collected
        elif stop is not None and stop():
            return []
        sleep(poll_interval)


def _unfinished(outcome: WatchOutcome) -> bool:
    """Did this file's run stop short of a final status (an error, or a message found
    still in progress)?"""
    if outcome.refused:
        return False
    return outcome.result is None or outcome.result.status in ("received", "processing")


def _resumed(resume: Callable[[], object]) -> bool:
    """Run ``resume``; False (try again next poll) when the database does not answer, so
    that an outage pauses the watch instead of ending it."""
    try:
        resume()
    except Exception as exc:
        if not _database_down(exc):
            raise
        log.warning("could not resume unfinished messages yet: %s", str(exc).splitlines()[0])
        return False
    return True


def _database_down(exc: BaseException) -> bool:
    """A lost or refused database connection (the server stopped, restarted, unreachable)."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))
