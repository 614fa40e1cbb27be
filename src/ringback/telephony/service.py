"""From a provider's recording callback to a voicemail in the inbox, exactly once.

``accept`` runs inside the webhook and only records the callback (a unique row per
RecordingSid) so the webhook can answer at once; ``process`` runs in the background:
download (retried), store durably through the inbox's ``ingest`` with source ``twilio`` and
the RecordingSid as idempotency key, then the inbox pipeline (transcribe, extract, email,
callback task). A replayed RecordingSid finds its row and nothing is done twice; a download
that keeps failing leaves the row ``failed`` with every bit of metadata and emails the
owner that a voicemail could not be fetched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.hosts import host_patterns
from ringback.lines import LineKind, line_kind
from ringback.telephony.download import (
    DownloadError,
    HttpRecordingDownloader,
    RecordingDownloader,
    RecordingTooLarge,
)
from ringback.telephony.models import UNFINISHED, RecordingStatus, TelephonyRecording

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

log = logging.getLogger("ringback.telephony")

SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
REQUIRED = ("RecordingSid", "RecordingUrl")


class MissingParams(ValueError):
    """The callback lacks what is needed to fetch the recording (answered 400)."""


@dataclass(frozen=True)
class RecordingEvent:
    """A RecordingStatusCallback, parsed: Twilio's parameters plus what our URL carried."""

    recording_sid: str
    recording_url: str
    provider_status: str = "completed"
    call_sid: str | None = None
    account_sid: str | None = None
    duration: int | None = None
    from_number: str | None = None
    to_number: str | None = None
    caller_name: str | None = None
    line: LineKind = LineKind.PERSONAL
    intake: str | None = None
    started_at: datetime | None = None
    params: Mapping[str, str] = field(default_factory=dict)


def _clean(value: str | None, limit: int) -> str | None:
    text = " ".join((value or "").split())[:limit]
    return text or None


def parse_recording_callback(
    params: Mapping[str, str], query: Mapping[str, str], settings: Settings
) -> RecordingEvent:
    """The event, or :class:`MissingParams` naming what is missing or malformed."""
    missing = [name for name in REQUIRED if not (params.get(name) or "").strip()]
    if missing:
        raise MissingParams(f"missing {', '.join(missing)}")
    sid = params["RecordingSid"].strip()
    if not SID.match(sid):
        raise MissingParams(f"RecordingSid {sid[:40]!r} is not a recording SID")
    url = params["RecordingUrl"].strip()
    if not url.startswith(("https://", "http://")) or len(url) > 1024:
        raise MissingParams("RecordingUrl is not an http(s) URL")
    duration_text = (params.get("RecordingDuration") or "").strip()
    started = None
    if params.get("RecordingStartTime"):
        try:
            started = parsedate_to_datetime(params["RecordingStartTime"])
        except (TypeError, ValueError):
            started = None
        if started is not None and started.tzinfo is None:
            started = None
    to_number = _clean(query.get("to") or params.get("To"), 40)
    line = line_kind(to_number, settings) if to_number else _line(query.get("line"))
    return RecordingEvent(
        recording_sid=sid,
        recording_url=url,
        provider_status=(params.get("RecordingStatus") or "completed").strip().lower()[:20],
        call_sid=_clean(params.get("CallSid"), 64),
        account_sid=_clean(params.get("AccountSid"), 64),
        duration=int(duration_text) if duration_text.isdigit() else None,
        from_number=_clean(query.get("from") or params.get("From"), 40),
        to_number=to_number,
        caller_name=_clean(query.get("caller") or params.get("CallerName"), 200),
        line=line,
        intake=_clean(query.get("intake"), 2000),
        started_at=started,
        params=dict(params),
    )


def _line(value: str | None) -> LineKind:
    try:
        return LineKind(value or "personal")
    except ValueError:
        return LineKind.PERSONAL


def _upsert_insert(dialect: str, table: Any) -> Any:
    """The dialect's INSERT with ON CONFLICT support (SQLite and PostgreSQL spell it alike)."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table)


def accept(event: RecordingEvent, url: str) -> tuple[int, bool]:
    """Record the callback; (row id, created). A known RecordingSid changes nothing."""
    values: dict[str, Any] = {
        "provider": "twilio",
        "recording_sid": event.recording_sid,
        "call_sid": event.call_sid,
        "account_sid": event.account_sid,
        "recording_url": event.recording_url,
        "provider_status": event.provider_status,
        "duration": event.duration,
        "from_number": event.from_number,
        "to_number": event.to_number,
        "caller_name": event.caller_name,
        "line": str(event.line),
        "intake": event.intake,
        "params": dict(event.params),
        "status": RecordingStatus.RECEIVED,
        "attempts": 0,
        "received_at": event.started_at or utcnow(),
    }
    # One statement, no read first: INSERT ... ON CONFLICT DO NOTHING. The webhook waits on
    # this write (the SID must be durable before Twilio hears 2xx), so it is kept short.
    table = TelephonyRecording.__table__
    with transaction(url) as session:
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            values.setdefault("updated_at", utcnow())
            statement = (
                _upsert_insert(dialect, table)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["recording_sid"])
                .returning(table.c.id)
            )
            new_id = session.execute(statement).scalar()
            if new_id is not None:
                return int(new_id), True
        else:  # any other backend: the plain way
            try:
                with session.begin_nested():
                    row = TelephonyRecording(**values)
                    session.add(row)
                    session.flush()
                    return row.id, True
            except IntegrityError:
                pass
        known = session.scalar(
            select(TelephonyRecording.id).where(
                TelephonyRecording.recording_sid == event.recording_sid
            )
        )
    if known is None:
        raise RuntimeError(f"recording {event.recording_sid} vanished while being recorded")
    return known, False


@dataclass(frozen=True)
class RecordingJob:
    """The background job for one RecordingSid: a picklable callable, so it runs the same
    in a worker thread, a worker process, or a task queue."""

    settings: Settings
    downloader: RecordingDownloader | None = None

    def __call__(self, recording_sid: str) -> str:
        return process(recording_sid, self.settings, self.downloader)


def default_downloader(settings: Settings) -> RecordingDownloader:
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    return HttpRecordingDownloader(
        settings.twilio_account_sid,
        token,
        api_hosts=host_patterns(settings.twilio_api_hosts),
        attempts=settings.twilio_download_attempts,
        timeout=settings.twilio_download_timeout,
        backoff=settings.twilio_download_backoff,
        max_bytes=settings.max_upload_mb << 20,
    )


def _voicemail_owner(url: str, voicemail_id: int) -> int | None:
    """Whose the message is (its line's user, given by the pipeline): the recording's too."""
    from ringback.voicemail.models import Voicemail

    with transaction(url) as session:
        return session.scalar(select(Voicemail.owner_id).where(Voicemail.id == voicemail_id))


def _set(url: str, row_id: int, **values: Any) -> None:
    with transaction(url) as session:
        row = session.get(TelephonyRecording, row_id)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)


def _load(url: str, recording_sid: str) -> TelephonyRecording | None:
    with transaction(url) as session:
        return session.scalars(
            select(TelephonyRecording).where(TelephonyRecording.recording_sid == recording_sid)
        ).first()


def process(
    recording_sid: str,
    settings: Settings,
    downloader: RecordingDownloader | None = None,
) -> str:
    """Fetch, store and run the pipeline for one accepted recording; returns its status.

    Safe to call again for the same SID (after a crash, from a restarted server): finished
    rows are left alone, and an ingested one only has its pipeline resumed.
    """
    url = settings.effective_database_url
    row = _load(url, recording_sid)
    if row is None:
        raise LookupError(f"no recording {recording_sid}")
    if row.status is RecordingStatus.INGESTED:
        if row.voicemail_id is not None:
            _run_pipeline(row.voicemail_id, settings)
        return str(row.status)
    if row.status not in UNFINISHED:
        return str(row.status)
    if row.provider_status not in (None, "completed"):
        # Twilio has no audio for it: hung up before the beep ("absent"), or its own failure.
        if row.provider_status == "absent":
            _set(url, row.id, status=RecordingStatus.ABSENT, error="no audio: caller hung up")
            return str(RecordingStatus.ABSENT)
        reason = f"the provider reports the recording {row.provider_status}"
        _set(url, row.id, status=RecordingStatus.FAILED, error=reason)
        _notify_failure(row.id, settings, reason)
        return str(RecordingStatus.FAILED)

    _set(url, row.id, status=RecordingStatus.DOWNLOADING, attempts=row.attempts + 1)
    dest = settings.data_dir / "telephony" / "incoming" / f"{recording_sid}.wav"
    fetcher = downloader or default_downloader(settings)
    try:
        fetched = fetcher.fetch(row.recording_url or "", dest)
    except RecordingTooLarge as exc:
        log.warning("recording %s refused: %s", recording_sid, exc)
        _set(url, row.id, status=RecordingStatus.REJECTED, error=str(exc))
        _notify_failure(row.id, settings, str(exc))
        return str(RecordingStatus.REJECTED)
    except DownloadError as exc:
        log.error("recording %s could not be fetched: %s", recording_sid, exc)
        _set(
            url,
            row.id,
            status=RecordingStatus.FAILED,
            error=str(exc),
            attempts=row.attempts + exc.attempts,
        )
        _notify_failure(row.id, settings, str(exc))
        return str(RecordingStatus.FAILED)

    voicemail_id = _store(row, fetched.path, settings)
    _set(
        url,
        row.id,
        status=RecordingStatus.INGESTED,
        voicemail_id=voicemail_id,
        owner_id=_voicemail_owner(url, voicemail_id),
        error=None,
        attempts=row.attempts + fetched.attempts,
    )
    fetched.path.unlink(missing_ok=True)  # the inbox's store keeps the original now
    _run_pipeline(voicemail_id, settings)
    return str(RecordingStatus.INGESTED)


def source_key(recording_sid: str) -> str:
    return f"twilio:{recording_sid}"


def _store(row: TelephonyRecording, path: Path, settings: Settings) -> int:
    """Durably into the inbox (no processing yet): the voicemail row exists from here on."""
    from ringback.voicemail.pipeline import ingest
    from ringback.voicemail.service import ingest_kwargs

    meta = {
        "provider": "twilio",
        "recording_sid": row.recording_sid,
        "call_sid": row.call_sid,
        "recording_url": row.recording_url,
        "duration": row.duration,
        "line": row.line,
    }
    if row.intake:
        meta["intake"] = row.intake
    result = ingest(
        path,
        source="twilio",
        stages=None,
        source_key=source_key(row.recording_sid),
        source_meta=meta,
        from_number=row.from_number,
        caller_name=row.caller_name,
        to_number=row.to_number,
        received_at=row.received_at,
        filename=f"{row.recording_sid}.wav",
        **ingest_kwargs(settings),
    )
    return result.id


def _run_pipeline(voicemail_id: int, settings: Settings) -> None:
    from ringback.jobs import backend_from_settings, uses_celery
    from ringback.voicemail.models import FINAL_STATUSES, Voicemail
    from ringback.voicemail.pipeline import Runner
    from ringback.voicemail.service import build_stages, hand_over

    url = settings.effective_database_url
    with transaction(url) as session:
        vm = session.get(Voicemail, voicemail_id)
        if vm is None or vm.status in FINAL_STATUSES:
            return
    if uses_celery(settings):
        # The download ran as its own task: the pipeline is a job on the transcribe queue.
        hand_over(settings, voicemail_id, backend_from_settings(settings))
        return
    Runner(url, build_stages(settings, url)).run(voicemail_id)


def _notify_failure(row_id: int, settings: Settings, reason: str) -> None:
    """Email the owner (once per recording) that a voicemail could not be fetched."""
    from ringback.telephony.notices import send_fetch_failure

    url = settings.effective_database_url
    with transaction(url) as session:
        row = session.get(TelephonyRecording, row_id)
        assert row is not None
        session.expunge(row)
    try:
        key = send_fetch_failure(row, settings, reason)
    except Exception:  # the row keeps everything; the notice must not hide the failure
        log.exception("could not send the failure notice for %s", row.recording_sid)
        return
    _set(url, row_id, notice_key=key)


def pending(settings: Settings) -> list[str]:
    """SIDs a restarted server should pick up again: unfinished downloads, and ingested
    recordings whose pipeline did not finish."""
    from ringback.voicemail.models import FINAL_STATUSES, Voicemail

    with transaction(settings.effective_database_url) as session:
        rows = session.execute(
            select(TelephonyRecording.recording_sid, TelephonyRecording.status, Voicemail.status)
            .outerjoin(Voicemail, Voicemail.id == TelephonyRecording.voicemail_id)
            .where(TelephonyRecording.status.in_([*UNFINISHED, RecordingStatus.INGESTED]))
            .order_by(TelephonyRecording.id)
        ).all()
    return [
        sid
        for sid, status, vm_status in rows
        if status in UNFINISHED or (vm_status is not None and vm_status not in FINAL_STATUSES)
    ]


def retry(session: Session, *, recording_sid: str) -> bool:
    """Put a failed or rejected recording back to be fetched again; False if there is no
    such recording that the session's acting user may see (another rep's is not found)."""
    row = session.scalars(
        select(TelephonyRecording).where(TelephonyRecording.recording_sid == recording_sid)
    ).first()
    if row is None:
        return False
    if row.status in (RecordingStatus.FAILED, RecordingStatus.REJECTED):
        row.status = RecordingStatus.RECEIVED
        row.provider_status = "completed"
    return True


def recording_dict(row: TelephonyRecording) -> dict[str, Any]:
    return {
        "recording_sid": row.recording_sid,
        "call_sid": row.call_sid,
        "status": str(row.status),
        "line": row.line,
        "from_number": row.from_number,
        "to_number": row.to_number,
        "duration": row.duration,
        "attempts": row.attempts,
        "error": row.error,
        "voicemail_id": row.voicemail_id,
        "received_at": row.received_at.isoformat(timespec="seconds"),
        "notice_key": row.notice_key,
    }


def recordings_seen(session: Session, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest recordings the session's user may see (``ringback.accounts.scope``)."""
    rows = session.scalars(
        select(TelephonyRecording).order_by(TelephonyRecording.id.desc()).limit(limit)
    ).all()
    return [recording_dict(r) for r in rows]


def list_recordings(settings: Settings, *, limit: int = 50) -> list[dict[str, Any]]:
    with transaction(settings.effective_database_url) as session:
        return recordings_seen(session, limit=limit)
