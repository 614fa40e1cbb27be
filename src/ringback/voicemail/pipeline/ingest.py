"""The one entry point every source calls (upload, consume folder, Asterisk, Twilio).

It performs the pipeline's first stage, 'store', then hands the message to the runner
for the rest of the list. Order matters and is the point of this module: the original
is written to the content-addressed store and its row committed *before* any processing, so a
crash, a bad decoder or a full disk later can never lose a message. The
``source_key`` makes ingest idempotent: the same recording (same bytes, same
Asterisk msg_id, same Twilio RecordingSid) is a single voicemail however often
it arrives.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringback.accounts.lines import is_prospect_line, line_owner
from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.lines import LineKind
from ringback.voicemail.models import (
    StageStatus,
    Voicemail,
    VoicemailSource,
    VoicemailStage,
    VoicemailStatus,
)
from ringback.voicemail.pipeline.context import VoicemailResult
from ringback.voicemail.pipeline.records import load_result
from ringback.voicemail.pipeline.runner import STORE_STAGE, RetryPolicy, Runner
from ringback.voicemail.pipeline.stages import Stage
from ringback.voicemail.store import (
    MAX_UPLOAD_MB,
    StoredFile,
    TooLarge,
    sha256_of,
    store_original,
)

log = logging.getLogger("ringback.voicemail.pipeline")


def _find(url: str, source_key: str) -> int | None:
    with transaction(url) as session:
        return session.scalar(select(Voicemail.id).where(Voicemail.source_key == source_key))


def _insert(
    keeping: Keeping, values: Mapping[str, Any], store_output: Mapping[str, Any]
) -> int | None:
    """Insert the voicemail and its 'store' stage row; None if the key won a race elsewhere.
    The number dialled is read as the user's region's (``keeping.region``) when written
    without +country: a UK line written "020 7946 0018" is still that rep's."""
    url, region = keeping.url, keeping.region
    try:
        with transaction(url) as session:
            row = Voicemail(**values)
            # The dialled line's user; else whom it was added for; else the first owner.
            dialled = values.get("to_number")
            owner = line_owner(session, dialled, region=region, fallback=row.owner_id is None)
            if owner is not None:
                row.owner_id = owner.id
            _record_line(session, row, region)
            session.add(row)
            session.flush()
            now = utcnow()
            session.add(
                VoicemailStage(
                    voicemail_id=row.id,
                    stage=STORE_STAGE,
                    position=0,
                    status=StageStatus.DONE,
                    attempts=1,
                    started_at=now,
                    finished_at=now,
                    duration_ms=int(store_output.get("duration_ms", 0)),
                    output=dict(store_output),
                )
            )
            return row.id
    except IntegrityError:
        if _find(url, values["source_key"]) is None:
            raise  # not the unique key: a real constraint violation, say so
        return None


def _record_line(session: Session, row: Voicemail, region: str) -> None:
    """A call to a team's prospect line is recorded as one with the message (its
    ``source_meta["line"]``): the stages, which never read the database, act on it."""
    if is_prospect_line(session, row.to_number, region=region):
        row.source_meta = {**(row.source_meta or {}), "line": str(LineKind.PROSPECT)}


@dataclass(frozen=True)
class Incoming:
    """One recording as a source hands it over, and what the source knows about it.

    ``source_key`` makes ingest idempotent (None: the recording's SHA-256 is its key).
    """

    recording: Path | bytes | BinaryIO
    source: VoicemailSource
    source_key: str | None = None
    source_meta: Mapping[str, Any] | None = None
    from_number: str | None = None
    caller_name: str | None = None
    to_number: str | None = None
    received_at: datetime | None = None
    filename: str | None = None
    owner_id: int | None = None  # whose, when the number called is no user's line

    def row_values(self) -> dict[str, Any]:
        """The voicemail row's columns that come from the source."""
        return {
            "owner_id": self.owner_id,
            "source": self.source,
            "source_meta": dict(self.source_meta) if self.source_meta else None,
            "original_filename": self.filename,
            "from_number": self.from_number,
            "caller_name": self.caller_name,
            "to_number": self.to_number,
            "received_at": self.received_at or utcnow(),
        }


class About(TypedDict, total=False):
    """:class:`Incoming`'s fields as :func:`ingest` takes them (keywords)."""

    source_key: str | None
    source_meta: Mapping[str, Any] | None
    from_number: str | None
    caller_name: str | None
    to_number: str | None
    received_at: datetime | None
    filename: str | None
    owner_id: int | None


@dataclass(frozen=True)
class Keeping:
    """Where a message is kept and how its stages run (the same for every message);
    ``region``: how a number written without +country is read (the user's
    ``default_region``)."""

    url: str
    data_dir: Path
    region: str
    stages: Sequence[Stage] | None = None
    max_bytes: int | None = MAX_UPLOAD_MB << 20
    retry: RetryPolicy | None = None
    sleep: Callable[[float], None] = time.sleep
    on_stage: Callable[[str], None] | None = None
    on_progress: Callable[[float], None] | None = None  # the transcription's, 0..1


def ingest(
    recording: Path | str | bytes | BinaryIO,
    *,
    source: str | VoicemailSource,
    url: str,
    data_dir: Path,
    region: str,
    stages: Sequence[Stage] | None = None,
    max_bytes: int | None = MAX_UPLOAD_MB << 20,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    **about: Unpack[About],
) -> VoicemailResult:
    """Store the recording durably, record it, then run ``stages`` (if given) on it.

    The keyword form of :func:`ingest_incoming` (``about``: the rest of :class:`Incoming`);
    ``region`` is the user's ``default_region``, which
    :func:`~ringback.voicemail.service.ingest_kwargs` passes with the rest of the settings.
    """
    if isinstance(recording, str):
        recording = Path(recording)
    if about.get("filename") is None and isinstance(recording, Path):
        about["filename"] = recording.name
    keeping = Keeping(url, data_dir, region, stages, max_bytes, retry, sleep, on_stage, on_progress)
    return ingest_incoming(Incoming(recording, VoicemailSource(source), **about), keeping)


def ingest_incoming(incoming: Incoming, keeping: Keeping) -> VoicemailResult:
    """Store the recording durably, record it, then run the stages (if any) on it.

    Without stages the message is only stored and recorded (status 'received');
    :func:`resume_pending` processes it later. Re-ingesting a known ``source_key``
    returns the existing voicemail as it stands and runs nothing: it may be in progress
    in another process (a webhook retried while the first delivery is still
    transcribing). Interrupted ones are the job of :func:`resume_pending`, which every
    long-running entry point calls at start.
    """
    url = keeping.url
    if incoming.source_key is not None and (known := _find(url, incoming.source_key)) is not None:
        # Known already (Asterisk re-scan, Twilio retrying its webhook): touch nothing.
        return load_result(url, known)
    t0 = time.perf_counter()
    try:
        stored = store_original(
            incoming.recording,
            keeping.data_dir,
            filename=incoming.filename,
            max_bytes=keeping.max_bytes,
        )
    except TooLarge as exc:
        return _record_refused(incoming, keeping, exc)
    key = incoming.source_key or f"sha256:{stored.sha256}"
    if incoming.source_key is None and (known := _find(url, key)) is not None:
        return load_result(url, known)
    values = {**incoming.row_values(), **_stored_values(stored, key)}
    new_id = _insert(keeping, values, _store_output(stored, t0))
    if new_id is None:  # another process recorded the same key between our check and insert
        return load_result(url, _must(url, key))
    log.info("voicemail %s stored at %s (%d bytes)", new_id, stored.path, stored.size)
    if keeping.stages is None:
        return load_result(url, new_id, created=True)
    runner = Runner(
        url,
        keeping.stages,
        retry=keeping.retry,
        sleep=keeping.sleep,
        data_dir=keeping.data_dir,
        on_stage=keeping.on_stage,
        on_progress=keeping.on_progress,
    )
    return runner.run(new_id, created=True)


def _stored_values(stored: StoredFile, key: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "source_key": key,
        "original_path": str(stored.path),
        "original_sha256": stored.sha256,
        "original_size": stored.size,
        "mime": stored.mime,
    }
    if stored.size == 0:
        values.update(status=VoicemailStatus.REJECTED, status_reason="empty file")
    return values


def _store_output(stored: StoredFile, t0: float) -> dict[str, Any]:
    """The 'store' stage's record."""
    return {
        "path": str(stored.path),
        "sha256": stored.sha256,
        "size": stored.size,
        "already_stored": not stored.created,
        "duration_ms": int((time.perf_counter() - t0) * 1000),
    }


def _record_refused(incoming: Incoming, keeping: Keeping, exc: TooLarge) -> VoicemailResult:
    """Too big to keep: there is no original to store, but the refusal itself is recorded."""
    url = keeping.url
    digest = _digest_unstored(incoming.recording)
    key = incoming.source_key or f"sha256:{digest}"
    if (known := _find(url, key)) is not None:
        return load_result(url, known)
    values = {
        **incoming.row_values(),
        "source_key": key,
        "original_sha256": digest,
        "original_size": exc.size,
        "status": VoicemailStatus.REJECTED,
        "status_reason": str(exc),
    }
    new_id = _insert(keeping, values, {"stored": False, "reason": str(exc)})
    log.warning("voicemail refused: %s", exc)
    return load_result(url, new_id or _must(url, key), created=bool(new_id))


def _must(url: str, key: str) -> int:
    found = _find(url, key)
    if found is None:
        raise RuntimeError(f"voicemail {key!r} vanished while being recorded")
    return found


def _digest_unstored(source: Path | bytes | BinaryIO) -> str:
    if isinstance(source, Path):
        return sha256_of(source)
    if isinstance(source, bytes | bytearray | memoryview):
        return hashlib.sha256(source).hexdigest()
    if source.seekable():
        # An open file (the consume folder hands one over): hash it whole, so that the
        # same refused file is recognised as already recorded when it comes back.
        source.seek(0)
        digest = hashlib.sha256()
        while chunk := source.read(1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    # A stream already consumed up to the cap cannot be hashed whole; name it by time instead.
    return hashlib.sha256(f"unstored-stream-{time.time_ns()}".encode()).hexdigest()


@dataclass(frozen=True)
class ResumeReport:
    """What :func:`resume_all` did: the messages it ran, and those another live worker
    holds (claimed with a lease not yet expired), left alone and not counted as resumed."""

    results: list[VoicemailResult] = field(default_factory=list)
    elsewhere: list[int] = field(default_factory=list)


class ResumeOptions(TypedDict, total=False):
    """How :func:`resume_all` runs: ``include_failed`` also gives failed messages a fresh
    set of attempts at the stage that failed; ``data_dir`` is where an attempt cut short
    by the database in an earlier process left its note (not to be counted as a kill)."""

    include_failed: bool
    retry: RetryPolicy | None
    sleep: Callable[[float], None]
    data_dir: Path | None


def resume_pending(
    url: str, stages: Sequence[Stage], **options: Unpack[ResumeOptions]
) -> list[VoicemailResult]:
    """Continue every voicemail a previous process left unfinished (call this at start-up).

    Each continues from its first stage not done; finished stages' outputs are
    reloaded, so nothing is transcribed or sent twice (options: :class:`ResumeOptions`).
    Messages another live worker is processing are skipped (see :func:`resume_all`).
    """
    return resume_all(url, stages, **options).results


def resume_all(
    url: str,
    stages: Sequence[Stage],
    *,
    include_failed: bool = False,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    data_dir: Path | None = None,
) -> ResumeReport:
    """:func:`resume_pending`, also saying which messages were in progress elsewhere."""
    ids = _unfinished(url, include_failed)
    runner = Runner(url, stages, retry=retry, sleep=sleep, data_dir=data_dir)
    report = ResumeReport()
    for voicemail_id in ids:
        log.info("voicemail %s: resuming", voicemail_id)
        result = runner.run(voicemail_id)
        if runner.busy_elsewhere:
            report.elsewhere.append(voicemail_id)
        else:
            report.results.append(result)
    return report


def _unfinished(url: str, include_failed: bool) -> list[int]:
    wanted = [VoicemailStatus.RECEIVED, VoicemailStatus.PROCESSING]
    if include_failed:
        wanted.append(VoicemailStatus.FAILED)
    with transaction(url) as session:
        ids = list(
            session.scalars(
                select(Voicemail.id).where(Voicemail.status.in_(wanted)).order_by(Voicemail.id)
            )
        )
        if include_failed:
            for row in session.scalars(
                select(VoicemailStage)
                .join(Voicemail)
                .where(
                    Voicemail.status == VoicemailStatus.FAILED,
                    VoicemailStage.status.in_([StageStatus.FAILED, StageStatus.RUNNING]),
                )
            ):
                row.status = StageStatus.PENDING
                row.attempts = 0
            for vm in session.scalars(
                select(Voicemail).where(Voicemail.status == VoicemailStatus.FAILED)
            ):
                vm.status = VoicemailStatus.PROCESSING
    return ids
