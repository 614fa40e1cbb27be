"""Between the pipeline's frozen values and its rows: building, syncing, reporting."""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.db.session import transaction
from ringback.voicemail.facts import as_facts
from ringback.voicemail.models import StageStatus, Voicemail, VoicemailStage
from ringback.voicemail.pipeline.context import StageResult, VoicemailContext, VoicemailResult


def jsonable(value: Mapping[str, Any]) -> dict[str, Any]:
    # Round-trip so that what is stored is exactly what restore() will read back later.
    result: dict[str, Any] = json.loads(json.dumps(dict(value), default=str))
    return result


def summary(error: str | None) -> str | None:
    """The first line of a stored error (``Class: message``), to tell failures apart."""
    return error.split("\n\n", 1)[0].strip() if error else None


def error_text(exc: BaseException) -> str:
    head = f"{exc.__class__.__name__}: {exc}"
    return (head + "\n\n" + "".join(traceback.format_exception(exc)))[:8000]


def context_from_row(row: Voicemail) -> VoicemailContext:
    return VoicemailContext(
        voicemail_id=row.id,
        source=str(row.source),
        source_key=row.source_key,
        original_path=Path(local_path(row.original_path) or ""),
        original_filename=row.original_filename,
        mime=row.mime,
        from_number=row.from_number,
        caller_name=row.caller_name,
        to_number=row.to_number,
        received_at=row.received_at,
        source_meta=row.source_meta,
        voicemail_uid=row.uid,
        location=row.original_path or "",
    )


def local_path(location: str | None) -> str | None:
    """A location that is a path on this machine (not ``s3://…``), else None."""
    return location if location and "://" not in location else None


def sync_row(row: Voicemail, ctx: VoicemailContext) -> None:
    """Copy what the stages found onto the voicemail row (the stage rows keep the detail)."""
    if ctx.duration is not None:
        row.duration = ctx.duration
    if ctx.transcript is not None:
        row.transcript = ctx.transcript.text
        row.language = ctx.transcript.language
        row.words = [w.to_json() for w in ctx.transcript.words]
    if ctx.facts is not None:
        row.facts = jsonable(ctx.facts.to_json())
    if ctx.email_key is not None:
        row.email_key = ctx.email_key
    if ctx.location and ctx.location != row.original_path:
        row.original_path = ctx.location  # the archive stage moved it to the object store


def record_done(
    session: Session,
    *,
    vid: int,
    name: str,
    output: dict[str, Any],
    ms: int,
    finished: datetime,
    ctx: VoicemailContext,
) -> None:
    # Stage row and voicemail row in one commit: never 'done' without its result.
    record = session.scalars(
        select(VoicemailStage).where(
            VoicemailStage.voicemail_id == vid, VoicemailStage.stage == name
        )
    ).one()
    record.status = StageStatus.DONE
    record.output = output
    record.error = None
    record.finished_at = finished
    record.duration_ms = ms
    row = session.get(Voicemail, vid)
    assert row is not None
    sync_row(row, ctx)


def load_result(url: str, voicemail_id: int, *, created: bool = False) -> VoicemailResult:
    with transaction(url) as session:
        row = session.get(Voicemail, voicemail_id)
        if row is None:
            raise LookupError(f"no voicemail {voicemail_id}")
        stages = tuple(
            StageResult(s.stage, str(s.status), s.attempts, s.duration_ms, s.error)
            for s in row.stages
        )
        return VoicemailResult(
            id=row.id,
            status=str(row.status),
            status_reason=row.status_reason,
            source_key=row.source_key,
            created=created,
            original_path=Path(found) if (found := local_path(row.original_path)) else None,
            location=row.original_path,
            duration=row.duration,
            language=row.language,
            transcript=row.transcript,
            facts=as_facts(row.facts),
            email_key=row.email_key,
            stages=stages,
        )
