"""The pipeline runner's database side: every write one short transaction.

:class:`StageBook` claims a voicemail, keeps its ``voicemail_stages`` rows (one per
stage, written before and after every attempt) and its final status, and renews the
claim with every write, so that a long transcription holds no lock and a process killed
at any point leaves an exact record of where it stopped. Its own room apart from the
run loop and retry policy of :mod:`ringback.voicemail.pipeline.runner` (whose
:class:`~ringback.voicemail.pipeline.runner.Runner` is a StageBook): what is recorded,
and how, read on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.voicemail.models import (
    FINAL_STATUSES,
    StageStatus,
    Voicemail,
    VoicemailStage,
    VoicemailStatus,
)
from ringback.voicemail.pipeline import claims, cutshort
from ringback.voicemail.pipeline.context import VoicemailContext
from ringback.voicemail.pipeline.records import context_from_row, error_text, summary, sync_row
from ringback.voicemail.pipeline.stages import Stage

log = logging.getLogger("ringback.voicemail.pipeline")


class StageBook:
    """A runner's records of one voicemail at a time: the claim, the stage rows, the
    final status; each method one short transaction."""

    def __init__(
        self, url: str, stages: Sequence[Stage], lease: timedelta, data_dir: Path | None = None
    ) -> None:
        self.url = url
        self.stages = stages
        # A finished stage's record is written together with the next write (the next
        # stage's 'running', or the final status): one commit instead of two per stage,
        # with no work in between, so a kill cannot land between them any more than before.
        self._deferred: list[Callable[[Session], object]] = []
        self.owner = claims.new_owner()
        self.lease = lease
        # Owners given up without a release (the database gone): read by every process
        # on this host that shares data_dir, so a sibling takes the message up at once.
        self.abandoned = claims.Abandoned(data_dir)
        self._held: int | None = None  # the voicemail this runner has claimed, if any
        self._uid = ""  # ... and its uid, which names its note if an attempt is cut short
        self.notes = cutshort.Notes(data_dir)
        # (voicemail, stage, attempts, started) of the attempt whose row says 'running' and
        # is not closed yet (its result may wait in _deferred): what an error cuts short.
        self._open: tuple[int, str, int, datetime] | None = None
        # Set by run(): the message was left alone because another live worker holds it.
        self.busy_elsewhere = False

    @contextmanager
    def _write(self) -> Iterator[Session]:
        # What is deferred closes the open attempt (its result, or its cut-short record).
        closing = self._open if self._deferred else None
        with transaction(self.url) as session:
            while self._deferred:
                self._deferred.pop(0)(session)
            if self._held is not None:
                claims.renew(session, self._held, self.owner, utcnow(), self.lease)
            yield session
        if closing is not None:  # committed: nothing left to put back later
            self._open = None
            self.notes.drop(self._uid)

    def _flush_and_release(self) -> None:
        if self._deferred or self._held is not None:
            with self._write() as session:
                if self._held is not None:
                    claims.release(session, self._held, self.owner)
            self._held = None

    def _release_or_abandon(self, voicemail_id: int) -> None:
        """After a run: what finished recorded and the claim released; with the database
        gone too, the claim is given up (:class:`~.claims.Abandoned`), free at once to
        whichever process on this host takes the message up once the database is back,
        and this runner goes on as a new owner. The caller's error is the one to report."""
        try:
            self._flush_and_release()
        except Exception:
            # The attempt cut short waits in cutshort's note until the database is back.
            log.exception("voicemail %s: could not release its claim", voicemail_id)
            self._deferred.clear()
            self._held = None
            self.abandoned.add(self.owner)
            self.owner = claims.new_owner()

    def _cut_short(self, exc: Exception) -> None:
        """The run stopped on an error this process caught (most often the database gone)
        while a stage row said 'running': not a kill. Noted at once (the database may not
        answer), and written with the release when it does: see :mod:`.cutshort`."""
        if self._open is None:
            return
        vid, name, attempts, started = self._open
        reason = summary(error_text(exc)) or ""
        cut = cutshort.CutShort(name, attempts, started.isoformat(), reason)
        self.notes.add(self._uid, cut)
        log.warning(
            "voicemail %s: %s attempt %d cut short by an error this process caught "
            "(%s); not counted as the process killed",
            vid,
            name,
            attempts,
            cut.reason,
        )
        if not self._deferred:  # else the stage's own result is waiting: it finished
            self._deferred.append(partial(cutshort.uncount, voicemail_id=vid, cut=cut))

    def _stage_rows(self, session: Session, voicemail_id: int) -> dict[str, VoicemailStage]:
        rows = session.scalars(
            select(VoicemailStage).where(VoicemailStage.voicemail_id == voicemail_id)
        ).all()
        return {r.stage: r for r in rows}

    def _prepare(
        self, voicemail_id: int
    ) -> tuple[VoicemailContext, dict[str, dict[str, Any]]] | None:
        """Claim the voicemail, mark it processing, create missing stage rows, snapshot them.

        None when there is nothing to do: already final, or another live worker has it.
        """
        with transaction(self.url) as session:
            status = session.scalar(select(Voicemail.status).where(Voicemail.id == voicemail_id))
            if status is None:
                raise LookupError(f"no voicemail {voicemail_id}")
            if status in FINAL_STATUSES:
                return None
            if not claims.try_claim(
                session, voicemail_id, self.owner, utcnow(), self.lease, self.abandoned
            ):
                log.info("voicemail %s: being processed by another worker", voicemail_id)
                self.busy_elsewhere = True
                return None
            self._held = voicemail_id
            row = session.get(Voicemail, voicemail_id)
            assert row is not None
            self._uid = row.uid
            cut = self.notes.find(row.uid)
            if cut is not None and cutshort.uncount(session, voicemail_id, cut):
                log.info(
                    "voicemail %s: %s attempt %d not counted", voicemail_id, cut.stage, cut.attempts
                )
            existing = self._stage_rows(session, voicemail_id)
            for position, stage in enumerate(self.stages):
                if stage.name not in existing:
                    record = VoicemailStage(
                        voicemail_id=voicemail_id, stage=stage.name, position=position
                    )
                    session.add(record)
                    existing[stage.name] = record
            row.status = VoicemailStatus.PROCESSING
            row.status_reason = None
            session.flush()
            snapshot = {
                name: {
                    "status": r.status,
                    "attempts": r.attempts,
                    "output": r.output,
                    "error": r.error,
                }
                for name, r in existing.items()
            }
            prepared = context_from_row(row), snapshot
        if cut is not None:
            self.notes.drop(self._uid)  # put back, or overtaken: used either way
        return prepared

    def _update_stage(self, voicemail_id: int, name: str, **values: Any) -> int:
        with self._write() as session:
            record = session.scalars(
                select(VoicemailStage).where(
                    VoicemailStage.voicemail_id == voicemail_id, VoicemailStage.stage == name
                )
            ).one()
            if values.pop("attempt", False):
                record.attempts += 1
            for key, value in values.items():
                setattr(record, key, value)
            attempts = record.attempts
        # Committed: the row now says this attempt is running, or that it has ended.
        if values.get("status") == StageStatus.RUNNING and "started_at" in values:
            self._open = (voicemail_id, name, attempts, values["started_at"])
        elif self._open is not None and self._open[:2] == (voicemail_id, name):
            self._open = None
        return attempts

    def _finish(
        self,
        ctx: VoicemailContext,
        status: VoicemailStatus,
        reason: str | None,
        *,
        skip_rest_after: str | None = None,
    ) -> None:
        with self._write() as session:
            row = session.get(Voicemail, ctx.voicemail_id)
            assert row is not None
            sync_row(row, ctx)
            row.status = status
            row.status_reason = reason
            claims.release(session, ctx.voicemail_id, self.owner)
            if skip_rest_after is not None:
                # Nothing after a rejection can run; say so instead of leaving them 'pending'.
                names = [s.name for s in self.stages]
                later = set(names[names.index(skip_rest_after) + 1 :])
                for record in self._stage_rows(session, ctx.voicemail_id).values():
                    if record.stage in later and record.status == StageStatus.PENDING:
                        record.status = StageStatus.SKIPPED
        # Only once committed: a final write the database never took leaves the claim to
        # be released (or abandoned) by the run's end, like any other failed write.
        self._held = None
