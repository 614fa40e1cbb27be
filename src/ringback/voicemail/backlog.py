"""Work through a backlog of recordings with several worker processes, each with a warm model.

One process transcribing one message at a time leaves cores idle between stages (decode,
VAD, extraction, SQLite, SMTP are single-threaded) and CTranslate2 scales poorly across
threads for a model as small as tiny.en. ``process_backlog(paths, workers=N)`` runs N
processes instead, each loading the model once (``cpu_threads`` = cores / N, at least
one) and then taking recordings from a shared queue, each through the very same
``ingest`` + ``build_stages`` as ``ringback inbox add``. Idempotency is unchanged: the
content-addressed key still makes a recording that is already known a no-op.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.voicemail.pipeline.context import VoicemailResult

_worker: dict[str, Any] = {}


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Cores shared out between workers (at least one thread each)."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def _init(settings_json: dict[str, Any], url: str) -> None:
    from ringback.config import Settings
    from ringback.voicemail.service import build_stages

    settings = Settings(**settings_json)
    stages = build_stages(settings, url)
    from ringback.voicemail.adapters import WhisperTranscriber

    WhisperTranscriber(settings).warm()  # the same cached engine the stages use
    _worker.update(settings=settings, url=url, stages=stages)


def _one(path: str, source: str) -> VoicemailResult:
    from ringback.voicemail.pipeline import ingest
    from ringback.voicemail.service import ingest_kwargs

    settings: Settings = _worker["settings"]
    kwargs = ingest_kwargs(settings)
    kwargs["url"] = _worker["url"]
    return ingest(Path(path), source=source, stages=_worker["stages"], **kwargs)


def process_backlog(
    paths: Sequence[Path | str],
    settings: Settings,
    *,
    workers: int = 1,
    url: str | None = None,
    source: str = "upload",
) -> list[VoicemailResult]:
    """Ingest every recording through the full pipeline with ``workers`` processes.

    Results come back in the order of ``paths``. With ``workers=1`` the work is done
    here, in this process (no pool). The database must already be migrated.
    """
    return list(iter_backlog(paths, settings, workers=workers, url=url, source=source))


def iter_backlog(
    paths: Sequence[Path | str],
    settings: Settings,
    *,
    workers: int = 1,
    url: str | None = None,
    source: str = "upload",
) -> Iterator[VoicemailResult]:
    """As :func:`process_backlog`, yielding each result (in order) as soon as it is in,
    so that a caller can show progress."""
    url = url or settings.effective_database_url
    if workers <= 1 or len(paths) <= 1:
        _init(settings.model_dump(), url)
        for p in paths:
            yield _one(str(p), source)
        return
    fields = settings.model_dump()
    if not settings.whisper_cpu_threads:
        fields["whisper_cpu_threads"] = threads_per_worker(workers)
    # spawn, not fork: a forked copy of a process with a loaded model (and its OpenMP
    # threads) or a running SMTP thread can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(paths)),
        mp_context=context,
        initializer=_init,
        initargs=(fields, url),
    ) as pool:
        yield from pool.map(_one, [str(p) for p in paths], [source] * len(paths), chunksize=1)
