"""The one runner: per-stage records, retries with backoff, resume, progress.

It runs the list :func:`~ringback.voicemail.pipeline.stages.default_stages` builds, in
its order; ``on_stage`` hears each stage's name as it starts (a spinner, a benchmark),
``on_progress`` how far the transcription has got (0..1, a progress bar).

Stages never touch the database. The runner writes a ``voicemail_stages`` row
before and after every attempt, each in its own short transaction, so that a
long transcription holds no lock and a process killed at any point leaves an
exact record of where it stopped. Attempts are counted in the database, so a
stage that keeps killing the process (say, out of memory) ends as failed when it
is found interrupted a second time, and one that raises the same error twice in a
row is parked as failed at once: neither loops, nor holds up newer messages. An attempt
cut short by an error the runner caught (the database gone: the process lives on) is no
interruption; :mod:`~ringback.voicemail.pipeline.cutshort` says how it is told apart.

This module holds the run loop and the retry policy; the writes themselves (the claim,
the stage rows, the final status) are :class:`~.bookkeeping.StageBook`'s, which
:class:`Runner` extends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from ringback.db.base import utcnow
from ringback.storage import StorageUnavailable
from ringback.voicemail.models import StageStatus, VoicemailStatus
from ringback.voicemail.pipeline.bookkeeping import StageBook
from ringback.voicemail.pipeline.context import (
    PermanentError,
    Reject,
    VoicemailContext,
    VoicemailResult,
)
from ringback.voicemail.pipeline.records import (
    error_text,
    jsonable,
    load_result,
    record_done,
    summary,
)
from ringback.voicemail.pipeline.stages import Stage, StoreStage

log = logging.getLogger("ringback.voicemail.pipeline")

STORE_STAGE = StoreStage.name  # recorded by ingest(), always first
# What a stage row says when its attempt was found cut short (the process died in it).
INTERRUPTED = "interrupted: the process stopped while this stage was running"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 60.0
    # A store that is down (StorageUnavailable) is waited for this many attempts (~6 min
    # with the delays above), then the message waits as 'received' for `inbox resume`.
    storage_attempts: int = 12

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.base_delay * self.factor ** max(0, attempt - 1)))


class Runner(StageBook):
    """Runs a voicemail's stages in order, with retries and resume (see the module
    docstring); what it writes to the database, and how, is :class:`StageBook`'s."""

    def __init__(
        self,
        url: str,
        stages: Sequence[Stage],
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.perf_counter,
        lease: timedelta = timedelta(hours=1),
        data_dir: Path | None = None,
        on_stage: Callable[[str], None] | None = None,
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        # Storing comes first whether the list says so or not: ingest() has done it.
        stages = [*stages] if stages and stages[0].name == STORE_STAGE else [StoreStage(), *stages]
        names = [s.name for s in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique and {STORE_STAGE!r} first: {names}")
        # data_dir: where a note of an attempt cut short outlives this process (cutshort).
        super().__init__(url, stages, lease, data_dir)
        self.on_stage = on_stage
        self.on_progress = on_progress
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock

    # -- the run itself -----------------------------------------------------------------

    def run(self, voicemail_id: int, *, created: bool = False) -> VoicemailResult:
        """Run the stages not done yet on one voicemail and return how it stands."""
        self.busy_elsewhere = False
        try:
            prepared = self._prepare(voicemail_id)
        except BaseException:
            # The claim may have been committed before the error (the database gone at
            # that moment): released, or given up like any other run's end.
            self._release_or_abandon(voicemail_id)
            raise
        if prepared is None:
            return load_result(self.url, voicemail_id, created=created)
        ctx, snapshot = prepared
        ctx = replace(ctx, on_progress=self.on_progress)
        log.info("voicemail %s: pipeline starts (%s)", voicemail_id, ctx.source_key)
        try:
            for stage in self.stages:
                state = snapshot[stage.name]
                if state["status"] == StageStatus.DONE:
                    ctx = stage.restore(ctx, state["output"] or {})
                    continue
                if state["status"] == StageStatus.SKIPPED:
                    continue
                if not stage.applies(ctx):
                    self._update_stage(voicemail_id, stage.name, status=StageStatus.SKIPPED)
                    log.info("voicemail %s: stage %s skipped", voicemail_id, stage.name)
                    continue
                outcome = self._run_stage(stage, ctx, state)
                if isinstance(outcome, VoicemailContext):
                    ctx = outcome
                    continue
                status, reason = outcome
                # A rejected input never goes further; a failed stage may be retried later.
                rest = stage.name if status == VoicemailStatus.REJECTED else None
                self._finish(ctx, status, reason, skip_rest_after=rest)
                return load_result(self.url, voicemail_id, created=created)
            if ctx.no_message:
                speech = ctx.speech_seconds or 0.0
                self._finish(
                    ctx, VoicemailStatus.NO_MESSAGE, f"no message: {speech:.1f} s of speech"
                )
            else:
                self._finish(ctx, VoicemailStatus.DONE, None)
            log.info("voicemail %s: pipeline finished", voicemail_id)
            return load_result(self.url, voicemail_id, created=created)
        except Exception as exc:
            # Caught here, so the process lives on (the database gone, most often): the
            # stage it cut short is no kill. A kill, or an Interrupt, never comes by here.
            self._cut_short(exc)
            raise
        finally:
            self._wind_up(ctx)

    def _wind_up(self, ctx: VoicemailContext) -> None:
        """After a run, however it ended: what finished recorded, the message freed for
        resume (normally a no-op: the final write released the claim), stages cleaned."""
        self._release_or_abandon(ctx.voicemail_id)
        self._open = None  # closed, noted as cut short, or left to read as a kill
        # Stages may hold temp files or big buffers; they release them whatever happened.
        for stage in self.stages:
            try:
                stage.cleanup(ctx)
            except Exception:
                log.exception("voicemail %s: cleanup of %s failed", ctx.voicemail_id, stage.name)

    def _after_interruption(
        self, stage: Stage, vid: int, state: dict[str, Any]
    ) -> str | tuple[VoicemailStatus, str] | None:
        """How the stage's previous attempt ended: None (cleanly), INTERRUPTED, or a stop.

        A RUNNING row with attempts means the process was killed mid-stage (OOM, kill -9,
        timeout); killed twice, the message is parked rather than tried forever. An
        attempt cut short while the process lived on (the database gone) is put back
        'pending' and not counted (:mod:`.cutshort`); a kill before it still counts.
        """
        attempts: int = state["attempts"]
        last = summary(state["error"])
        if not (state["status"] == StageStatus.RUNNING and attempts):
            return INTERRUPTED if attempts and last == INTERRUPTED else None
        if attempts >= self.retry.max_attempts or last == INTERRUPTED:
            reason = f"{stage.name}: interrupted {attempts} times; giving up"
            self._update_stage(vid, stage.name, status=StageStatus.FAILED, error=reason)
            log.error("voicemail %s: %s", vid, reason)
            return VoicemailStatus.FAILED, reason
        return INTERRUPTED

    def _after_failure(
        self, stage: Stage, vid: int, exc: Exception, attempts: int, last: str | None
    ) -> str | tuple[VoicemailStatus, str] | None:
        """After a failed attempt: a stop (final status, reason), or the failure's summary
        once the back-off before the next attempt has passed."""
        if isinstance(exc, StorageUnavailable):
            return self._wait_for_storage(stage, vid, exc, attempts)
        now = summary(error_text(exc))
        if now == last:
            reason = f"{stage.name} failed the same way twice: {now}"
            log.error("voicemail %s: %s; parked", vid, reason)
            return VoicemailStatus.FAILED, reason
        if isinstance(exc, PermanentError) or attempts >= self.retry.max_attempts:
            reason = (
                f"{stage.name} failed after {attempts} attempt"
                f"{'s' if attempts != 1 else ''}: {exc.__class__.__name__}: {exc}"
            )
            log.error("voicemail %s: %s", vid, reason)
            return VoicemailStatus.FAILED, reason
        delay = self.retry.delay(attempts)
        log.warning(
            "voicemail %s: stage %s attempt %d failed (%s); retrying in %.1f s",
            vid,
            stage.name,
            attempts,
            exc,
            delay,
        )
        self.sleep(delay)
        return now

    def _wait_for_storage(
        self, stage: Stage, vid: int, exc: StorageUnavailable, attempts: int
    ) -> tuple[VoicemailStatus, str] | None:
        """The store is down: wait and try again (nothing is lost meanwhile: the spool or
        the store keeps the original); past the wait, the message is left 'received'."""
        if attempts >= self.retry.storage_attempts:
            reason = f"waiting for storage ({stage.name}): {exc}"
            log.warning("voicemail %s: %s; `ringback inbox resume` tries again", vid, reason)
            return VoicemailStatus.RECEIVED, reason
        delay = self.retry.delay(attempts)
        log.warning("voicemail %s: %s: %s; waiting %.1f s", vid, stage.name, exc, delay)
        self.sleep(delay)
        return None

    def _run_stage(
        self, stage: Stage, ctx: VoicemailContext, state: dict[str, Any]
    ) -> VoicemailContext | tuple[VoicemailStatus, str]:
        """Run one stage with retries: the new context, or (final status, reason) to stop.

        A stage that fails the same way twice in a row is parked as failed at once: a
        retry that can only repeat the failure (a recording that exhausts memory, or kills
        the process each time) would otherwise hold up every message behind it.
        """
        vid = ctx.voicemail_id
        last = self._after_interruption(stage, vid, state)
        if isinstance(last, tuple):
            return last
        while True:
            started = utcnow()
            # Until it finishes, the row says how the previous attempt ended (or, if this
            # one is killed, that the one before was interrupted too).
            attempts = self._update_stage(
                vid,
                stage.name,
                attempt=True,
                status=StageStatus.RUNNING,
                started_at=started,
                finished_at=None,
                **({"error": INTERRUPTED} if last == INTERRUPTED else {}),
            )
            if self.on_stage is not None:
                self.on_stage(stage.name)
            t0 = self.clock()
            try:
                new_ctx = stage.run(ctx)
                output = jsonable(stage.output(new_ctx))
            except Reject as exc:
                ms = int((self.clock() - t0) * 1000)
                self._update_stage(
                    vid,
                    stage.name,
                    status=StageStatus.FAILED,
                    error=exc.reason,
                    finished_at=utcnow(),
                    duration_ms=ms,
                )
                log.warning("voicemail %s: rejected at %s: %s", vid, stage.name, exc.reason)
                return VoicemailStatus.REJECTED, exc.reason
            except Exception as exc:
                ms = int((self.clock() - t0) * 1000)
                self._update_stage(
                    vid,
                    stage.name,
                    status=StageStatus.FAILED,
                    error=error_text(exc),
                    finished_at=utcnow(),
                    duration_ms=ms,
                )
                outcome = self._after_failure(stage, vid, exc, attempts, last)
                if isinstance(outcome, tuple):
                    return outcome
                last = outcome
                continue
            ms = int((self.clock() - t0) * 1000)
            self._deferred.append(
                partial(
                    record_done,
                    vid=vid,
                    name=stage.name,
                    output=output,
                    ms=ms,
                    finished=utcnow(),
                    ctx=new_ctx,
                )
            )
            log.info("voicemail %s: stage %s done in %d ms", vid, stage.name, ms)
            return new_ctx
