"""The inbox as the CLI sees it: the assembled pipeline, adding a file, listing, showing.

``build_stages(settings, url)`` is the one place the real collaborators are wired in;
every entry point (``inbox add``, ``watch``, ``import-asterisk``, ``externnotify``,
``resume``) runs the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.voicemail.facts import MessageFacts
from ringback.voicemail.pipeline.stages import Stage

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.contacts.models import FollowUp
    from ringback.jobs import JobBackend
    from ringback.voicemail.models import Voicemail
    from ringback.voicemail.pipeline.context import VoicemailResult


class VoicemailNotFound(LookupError):
    pass


def build_stages(settings: Settings, url: str | None = None) -> list[Stage]:
    """The pipeline's list (:func:`~ringback.voicemail.pipeline.stages.default_stages`)
    with the real collaborators: Whisper, the extractor (with the audio), email, and the
    callback task, and the ``voicemail.processed`` webhook queued last."""
    from ringback.jobs import uses_celery
    from ringback.voicemail.adapters import EmailNotifier, FactsExtractor, WhisperTranscriber
    from ringback.voicemail.announce import WebhooksStage
    from ringback.voicemail.followup import FollowUpStage
    from ringback.voicemail.pipeline import default_stages

    url = url or settings.effective_database_url
    transcriber = WhisperTranscriber(settings)
    # On Celery the email is spooled here and delivered by a mail worker (queue 'mail').
    later = MailJob(settings) if uses_celery(settings) else None
    return default_stages(
        transcriber=transcriber,
        extractor=FactsExtractor(settings, transcriber.engine),
        notifier=EmailNotifier(settings, url, deliver_later=later),
        follow_up=FollowUpStage(url, settings),
        archive=archive_stage(settings),
        webhooks=WebhooksStage(url, region=settings.default_region),
        min_speech_seconds=settings.min_speech_seconds,
        notify_no_message=settings.notify_no_message,
        max_seconds=settings.max_voicemail_minutes * 60,
    )


class MailJob:
    """Queues the delivery of a spooled email (outbox key) for a mail worker."""

    def __init__(self, settings: Settings) -> None:
        from ringback.jobs import backend_from_settings

        self.backend = backend_from_settings(settings)

    def __call__(self, key: str) -> None:
        """The email is already spooled in the outbox: a broker that cannot take its job
        now costs no failure (the voicemail is done); a worker's recovery sweep queues
        the delivery once the email is overdue (:mod:`ringback.workers.sweep`)."""
        import logging

        from ringback.jobs import Job, JobKind, QueueUnavailable

        try:
            self.backend.submit(Job(JobKind.MAIL, key))
        except QueueUnavailable as exc:
            logging.getLogger("ringback.voicemail").warning(
                "%s; the email waits in the outbox and is queued again later", exc
            )


def archive_stage(settings: Settings) -> Stage | None:
    """The 'archive' step when recordings go to an object store, else None."""
    from ringback.storage import LocalStorage, storage_from_settings
    from ringback.voicemail.pipeline.archive import ArchiveStage

    store = storage_from_settings(settings)
    return ArchiveStage(store, LocalStorage(settings.data_dir)) if store.remote else None


def archive_before_handing_over(settings: Settings, voicemail_id: int) -> bool:
    """Put a just-ingested original in the object store from this machine, before a
    worker on another machine processes it (see
    :func:`~ringback.voicemail.pipeline.archive.archive_now`). True when there is nothing
    to do (the data folder is the store) or it is done."""
    from ringback.voicemail.pipeline.archive import ArchiveStage, archive_now

    stage = archive_stage(settings)
    if not isinstance(stage, ArchiveStage):
        return True
    return archive_now(settings.effective_database_url, voicemail_id, stage)


def hand_over(settings: Settings, voicemail_id: int, backend: JobBackend) -> None:
    """Queue a stored voicemail's pipeline on ``backend`` (a job queue), its original put
    in the object store first when there is one: a worker on another machine cannot read
    this machine's spool. Every place that takes a message in and leaves it to the
    workers calls this, so none can forget the copy."""
    from ringback.jobs import Job, JobKind

    archive_before_handing_over(settings, voicemail_id)
    backend.submit(Job(JobKind.VOICEMAIL, str(voicemail_id)))


def ingest_kwargs(settings: Settings) -> dict[str, Any]:
    """What every entry point passes to ingest(): where, the size cap, and how a number
    written without +country is read, from Settings."""
    return {
        "url": settings.effective_database_url,
        "data_dir": settings.data_dir,
        "region": settings.default_region,
        "max_bytes": settings.max_upload_mb << 20,
    }


def add_file(
    path: Path,
    settings: Settings,
    *,
    from_number: str | None = None,
    to_number: str | None = None,
    received_at: datetime | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    owner_id: int | None = None,
) -> VoicemailResult:
    """Store one recording and run the whole pipeline on it, email included; the message is
    the dialled line's user's, else ``owner_id``'s, else the first owner's.

    ``on_stage`` hears each stage's name as it starts, ``on_progress`` the fraction of
    the transcription done (0..1): a terminal's progress bar, or nothing."""
    from ringback.voicemail.pipeline import ingest

    kwargs = ingest_kwargs(settings)
    return ingest(
        path,
        source="upload",
        stages=build_stages(settings, kwargs["url"]),
        on_stage=on_stage,
        on_progress=on_progress,
        from_number=from_number,
        to_number=to_number,
        received_at=received_at,
        owner_id=owner_id,
        **kwargs,
    )


# -- reading the inbox ------------------------------------------------------------------


def duration_label(seconds: float | None) -> str:
    """``0:27`` (:func:`ringback.timefmt.format_duration`); empty when unknown."""
    from ringback.timefmt import format_duration

    return format_duration(seconds)


def caller_label(row: Voicemail, region: str, contact_name: str | None = None) -> str:
    from ringback.voicemail.followup import display_name

    return display_name(row, region, contact_name) or "unknown caller"


def local_iso(value: datetime | None, settings: Settings) -> str | None:
    """A stored time as ISO 8601 in the user's timezone (None stays None)."""
    return value.astimezone(settings.tz).isoformat(timespec="seconds") if value else None


@dataclass(frozen=True)
class CallbackTask:
    """A message's callback task as the inbox shows it and capturing reports it: its due
    time as ISO 8601 in the user's timezone."""

    id: int
    title: str
    due_at: str | None
    done: bool

    @classmethod
    def of(cls, task: FollowUp, settings: Settings) -> CallbackTask:
        return cls(task.id, task.title, local_iso(task.due_at, settings), task.done_at is not None)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "due_at": self.due_at, "done": self.done}


def get_voicemail(session: Session, voicemail_id: int) -> Voicemail:
    from ringback.voicemail.models import Voicemail

    row = session.get(Voicemail, voicemail_id)
    if row is None:
        raise VoicemailNotFound(f"no voicemail #{voicemail_id}")
    return row


def email_status(settings: Settings, key: str | None) -> str | None:
    """sent / queued / failed for a voicemail's email, as the outbox knows it.

    The key is the voicemail's own (unique for all time), so a sent marker under it means
    this voicemail's email was delivered, just now or on an earlier run: "sent" either way.
    The outbox's "already_sent" only says that this particular call added nothing."""
    from ringback.mail import DeliveryStatus, MailConfigError, outbox_from_settings

    if not key:
        return None
    try:
        known = outbox_from_settings(settings).status(key)
    except MailConfigError:
        return None
    if known is None:
        return None
    return str(DeliveryStatus.SENT if known.status is DeliveryStatus.ALREADY_SENT else known.status)


def results_json(results: Sequence[VoicemailResult]) -> list[dict[str, Any]]:
    return [result_json(r) for r in results]


def result_json(result: VoicemailResult) -> dict[str, Any]:
    facts = result.facts or MessageFacts()
    return {
        "id": result.id,
        "status": result.status,
        "status_reason": result.status_reason,
        "created": result.created,
        "original_path": result.location or None,
        "duration": result.duration,
        "language": result.language,
        "transcript": result.transcript,
        "callback_number": facts.callback_number,
        "callback_extension": facts.callback_extension,
        "caller_name": facts.caller_name,
        "summary": facts.summary if result.facts is not None else None,
        "email_key": result.email_key,
        "stages": [
            {"name": s.name, "status": s.status, "attempts": s.attempts, "ms": s.duration_ms}
            for s in result.stages
        ],
    }
