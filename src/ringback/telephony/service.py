"""From a provider's recording callback to a voicemail in the inbox, exactly once.

``accept`` (:mod:`ringback.telephony.callbacks`) runs inside the webhook and only records
the callback (a unique row per RecordingSid) so the webhook can answer at once;
``process``, here, runs in the background: download (retried), store durably through the
inbox's ``ingest`` with source ``twilio`` and the RecordingSid as idempotency key, then
the inbox pipeline (transcribe, extract, email, callback task). A replayed RecordingSid
finds its row and nothing is done twice; a download that keeps failing leaves the row
``failed`` with every bit of metadata and emails the owner that a voicemail could not be
fetched. Also here: what is waiting (``pending``), a retry, and the list of recordings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ringback.db.session import transaction
from ringback.hosts import host_patterns
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
    Runner(url, build_stages(settings, url), data_dir=settings.data_dir).run(voicemail_id)


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
