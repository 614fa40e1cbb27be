"""Work through a backlog of recordings: store every one first, then process them.

Storing comes first and is done here, one short transaction per file, so that whatever
happens to the processing later (a worker killed, the database gone) every recording
handed over is already kept and recorded; ``ringback inbox resume`` can always finish
them. Processing then runs N worker processes, each loading the model once
(``cpu_threads`` = cores / N, at least one) and taking messages from a shared queue
through the very same ``Runner`` and ``build_stages`` as ``ringback inbox add``.

A worker that dies (kill -9, out of memory) breaks the whole pool in
``concurrent.futures``; its message and the ones not yet started go to a fresh pool.
Their claims name a dead process, so the new workers take them over at once, and the
runner counts attempts in the database, so a message that kills every worker it meets
ends as failed instead of looping.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.voicemail.pipeline.context import VoicemailResult

_worker: dict[str, Any] = {}
# Fresh pools after a worker died: a message that kills its worker fails for good after
# the runner's attempts (4), so one more than that lets it end as failed, not pending.
MAX_POOL_STARTS = 5


class DatabaseUnavailable(Exception):
    """The database stopped answering mid-batch (a plain exception: it crosses processes)."""


@dataclass
class Stored:
    """One file of a batch after the store step: its voicemail, or why it is not stored."""

    path: Path
    result: VoicemailResult | None
    error: str | None = None


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Cores shared out between workers (at least one thread each)."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


@contextmanager
def database_errors() -> Iterator[None]:
    """A lost connection or an unreachable database becomes :class:`DatabaseUnavailable`
    whose text is the driver's first line."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseUnavailable(reason[0] if reason else exc.__class__.__name__) from None


def iter_store(
    paths: Sequence[Path | str], settings: Settings, *, url: str, source: str = "upload"
) -> Iterator[Stored]:
    """Store and record each file (nothing processed yet), yielding each as it is kept."""
    from ringback.voicemail.pipeline import ingest
    from ringback.voicemail.service import ingest_kwargs

    kwargs = {**ingest_kwargs(settings), "url": url}
    for p in paths:
        try:
            with database_errors():
                result = ingest(Path(p), source=source, stages=None, **kwargs)
        except OSError as exc:  # this file unreadable or the disk full: say so, go on
            yield Stored(Path(p), None, f"not stored: {exc.strerror or exc}")
            continue
        yield Stored(Path(p), result)


def _init(settings_json: dict[str, Any], url: str, worker: bool = True) -> None:
    from ringback.config import Settings
    from ringback.voicemail.service import build_stages

    settings = Settings(**settings_json)
    stages = build_stages(settings, url)
    _worker.update(settings=settings, url=url, stages=stages)
    if not worker:
        return  # here, the model loads with the first message that needs it
    # A worker's story is told by the batch report and each stage's row (`inbox show`);
    # its log records would reach the terminal as tracebacks, one per worker.
    logging.getLogger("ringback").addHandler(logging.NullHandler())
    logging.getLogger("ringback").propagate = False
    from ringback.voicemail.adapters import WhisperTranscriber

    # A missing model fails each message's transcribe stage, with the reason, in the
    # report; failing here would kill the worker and break the pool instead.
    with suppress(Exception):
        WhisperTranscriber(settings).warm()  # the same cached engine the stages use


def _process(voicemail_id: int) -> VoicemailResult:
    from ringback.voicemail.pipeline import Runner

    with database_errors():
        runner = Runner(_worker["url"], _worker["stages"], data_dir=_worker["settings"].data_dir)
        return runner.run(voicemail_id)


def process_stored(
    ids: Sequence[int],
    settings: Settings,
    *,
    workers: int = 1,
    url: str | None = None,
    on_result: Callable[[VoicemailResult], None] = lambda _: None,
    on_pool_lost: Callable[[int], None] = lambda _: None,
) -> dict[int, VoicemailResult]:
    """Run the pipeline on stored voicemails, ``workers`` processes at a time (1: here).

    A dead worker's messages are run again by a fresh pool (``on_pool_lost`` is told how
    many); after :data:`MAX_POOL_STARTS` pools, what is left stays for ``inbox resume``.
    Raises :class:`DatabaseUnavailable` if the database stops answering."""
    url = url or settings.effective_database_url
    done: dict[int, VoicemailResult] = {}
    if workers <= 1 or len(ids) <= 1:
        _init(settings.model_dump(), url, worker=False)
        for vid in ids:
            done[vid] = _process(vid)
            on_result(done[vid])
        return done
    fields = settings.model_dump()
    if not settings.whisper_cpu_threads:
        fields["whisper_cpu_threads"] = threads_per_worker(workers)
    pending = list(ids)
    for _ in range(MAX_POOL_STARTS):
        pending = _one_pool(pending, min(workers, len(pending)), fields, url, done, on_result)
        if not pending:
            break
        on_pool_lost(len(pending))
    return done


def _one_pool(
    ids: Sequence[int],
    workers: int,
    fields: dict[str, Any],
    url: str,
    done: dict[int, VoicemailResult],
    on_result: Callable[[VoicemailResult], None],
) -> list[int]:
    """Run ``ids`` in one pool; the ones it lost to a dead worker."""
    # spawn, not fork: a forked copy of a process with a loaded model (and its OpenMP
    # threads) or a running SMTP thread can deadlock.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init,
        initargs=(fields, url),
    )
    lost: list[int] = []
    try:
        futures: dict[Future[VoicemailResult], int] = {pool.submit(_process, v): v for v in ids}
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                lost.append(futures[future])
                continue
            done[result.id] = result
            on_result(result)
    finally:
        # On an error (database gone) nothing more is started; running ones finish.
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(lost)


def pending_ids(stored: Sequence[Stored]) -> list[int]:
    """The voicemails of a batch still to process, each once, in the order given."""
    from ringback.voicemail.models import FINAL_STATUSES

    ids = [s.result.id for s in stored if s.result and s.result.status not in FINAL_STATUSES]
    return list(dict.fromkeys(ids))


def process_backlog(
    paths: Sequence[Path | str],
    settings: Settings,
    *,
    workers: int = 1,
    url: str | None = None,
    source: str = "upload",
) -> list[VoicemailResult]:
    """Store every recording, then run the full pipeline on them with ``workers`` processes.

    Results come back in the order of ``paths``. The database must already be migrated.
    """
    url = url or settings.effective_database_url
    stored = list(iter_store(paths, settings, url=url, source=source))
    done = process_stored(pending_ids(stored), settings, workers=workers, url=url)
    return [final_result(s, done, url) for s in stored]


def final_result(stored: Stored, done: dict[int, VoicemailResult], url: str) -> VoicemailResult:
    """Where a stored file's voicemail stands after processing."""
    from ringback.voicemail.pipeline import load_result

    if stored.result is None:
        raise OSError(f"{stored.path}: {stored.error}")
    created = stored.result.created
    if stored.result.id in done:
        return replace(done[stored.result.id], created=created)
    return load_result(url, stored.result.id, created=created)
