"""Attempts cut short while the process lived on: an outage, not a kill.

On resume, a stage row left 'running' reads as "the process died in this stage", and a
second death parks the message (see ``Runner._after_interruption``), so that a recording
that kills the process every time (out of memory) cannot loop. A database that goes away
while a stage runs leaves the same row: the worker catches the error and lives on, but
cannot say so while the database is gone. It says so here meanwhile: the runner notes the
attempt (:class:`Notes`: in memory, and in the data directory), and once the database
answers again (the runner's own last write, or the next claim of that message) the row is
put back as 'pending', with the attempt not counted. A real kill leaves no note, and
still counts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.voicemail.models import StageStatus, VoicemailStage

log = logging.getLogger("ringback.voicemail.pipeline")


@dataclass(frozen=True)
class CutShort:
    """One attempt at ``stage`` that ended on an error this process caught."""

    stage: str
    attempts: int  # the row's count with this attempt in it: the attempt not to count
    started: str  # when it started (ISO 8601): with the count, which attempt it was
    reason: str


# Voicemail uid -> the attempt waiting to be put back, in this process.
_MEMORY: dict[str, CutShort] = {}
_LOCK = threading.Lock()
_SAFE = re.compile(r"[0-9A-Za-z_-]{1,64}")


class Notes:
    """Where a runner keeps its notes: this process's memory and, given a data directory,
    a small file each (``pipeline-notes/UID.json``), for a process that exits before
    the database is back (`inbox add`): the next process to take the message up there
    finds it. Keyed by the voicemail's uid, which no other database hands out again."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.directory = data_dir / "pipeline-notes" if data_dir is not None else None

    def _file(self, uid: str) -> Path | None:
        if self.directory is None or not _SAFE.fullmatch(uid):
            return None
        return self.directory / f"{uid}.json"

    def add(self, uid: str, cut: CutShort) -> None:
        with _LOCK:
            _MEMORY[uid] = cut
        path = self._file(uid)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_suffix(".part")
            part.write_text(json.dumps(asdict(cut)))
            os.replace(part, path)
        except OSError as exc:  # a full disk: the note lives on in memory only
            log.warning("could not keep the note of %s %s: %s", cut.stage, uid, exc)

    def find(self, uid: str) -> CutShort | None:
        with _LOCK:
            found = _MEMORY.get(uid)
        path = self._file(uid)
        if found is not None or path is None:
            return found
        try:
            return CutShort(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None  # none (the usual case), or unreadable: as if there were none

    def drop(self, uid: str) -> None:
        with _LOCK:
            _MEMORY.pop(uid, None)
        path = self._file(uid)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def uncount(session: Session, voicemail_id: int, cut: CutShort) -> bool:
    """Put the cut-short attempt's row back as 'pending' and not counted, if it still
    stands as that attempt left it (False when someone has run the stage since).

    Its error is kept: it says how the attempt before ended, so a kill before the outage
    still counts towards parking the message.
    """
    record = session.scalars(
        select(VoicemailStage).where(
            VoicemailStage.voicemail_id == voicemail_id, VoicemailStage.stage == cut.stage
        )
    ).one_or_none()
    if (
        record is None
        or record.status != StageStatus.RUNNING
        or record.attempts != cut.attempts
        or record.started_at is None
        or record.started_at != datetime.fromisoformat(cut.started)
    ):
        return False
    record.status = StageStatus.PENDING
    record.attempts -= 1
    return True
