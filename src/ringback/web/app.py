"""The FastAPI app: the web app's pages, Twilio's webhooks, the greetings Twilio plays,
and the API.

Built from one router per area: :mod:`ringback.web.webhooks` (the routes Twilio posts to,
each checking ``X-Twilio-Signature`` first: a missing or wrong signature is answered 403,
logged, and nothing is read further or stored), :mod:`ringback.web.routes` (health, the
greeting files Twilio fetches — public by necessity, under content-hashed names — and
``/api/``), the sign-in pages (:mod:`ringback.web.signin`) and one router per page area
in :mod:`ringback.web.pages`, all of which need a signed-in user or an API token
(:mod:`ringback.web.auth`). :mod:`ringback.web.background` runs what happens between
requests and :mod:`ringback.web.limits` sets the size limits around it all. The REST API
is :mod:`ringback.web.api` (``/api/v1``), with its own spec and docs page behind sign-in;
the app-wide ``/openapi.json`` and docs routes stay off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.telephony.greetings import GreetingStore
from ringback.telephony.worker import JobQueue, ProcessJobQueue
from ringback.web import signin
from ringback.web.api import spec as api_spec
from ringback.web.api import v1_router, v1_uploads
from ringback.web.background import ServerJob, lifespan
from ringback.web.limits import guarded_app
from ringback.web.metrics import WebhookTimer, metrics_registry, metrics_router
from ringback.web.pages import (
    call_delete,
    calls,
    coach,
    contact_delete,
    contacts,
    inbox,
    stats,
    today,
    webhooks,
)
from ringback.web.pages import settings as settings_page
from ringback.web.routes import api_router, greetings_router, health_router
from ringback.web.shell import install_shell
from ringback.web.webhooks import TwilioWebhooks, telephony_router

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ringback.config import Settings
    from ringback.telephony.download import RecordingDownloader


def recording_queue(settings: Settings, downloader: RecordingDownloader | None) -> JobQueue:
    """Where accepted recordings go: the Celery workers (RINGBACK_QUEUE=celery), or a
    worker process of this server (which also resumes messages that stopped moving)."""
    from ringback.jobs import CeleryBackend, CeleryJobQueue, JobKind, uses_celery
    from ringback.telephony import service
    from ringback.voicemail.jobs import VoicemailJob

    if uses_celery(settings):
        return CeleryJobQueue(CeleryBackend(settings), JobKind.RECORDING)
    return ProcessJobQueue(
        ServerJob(service.RecordingJob(settings, downloader), VoicemailJob(settings))
    )


def create_app(
    settings: Settings | None = None,
    *,
    jobs: JobQueue | None = None,
    downloader: RecordingDownloader | None = None,
    prepare_database: bool = True,
) -> FastAPI:
    """The web app for ``settings``. ``jobs`` runs recordings in the background (default:
    a worker process started with the first recording); ``downloader`` fetches them
    (default: HTTP with the Twilio credentials; must be picklable for the worker process).
    """
    from ringback.config import get_settings

    settings = settings or get_settings()
    greetings = GreetingStore.for_settings(settings)
    hooks = TwilioWebhooks(settings, greetings)
    # The pipeline runs in a worker process: in a thread it would hold the GIL against
    # the event loop and slow every webhook answer while a message is transcribed.
    queue: JobQueue = jobs or recording_queue(settings, downloader)

    app = guarded_app(
        settings,
        lifespan(settings, queue, prepare_database=prepare_database, token_set=bool(hooks.token)),
    )
    app.state.jobs = queue
    app.state.greetings = greetings
    install_shell(app)  # static files, error pages, security headers
    app.include_router(telephony_router(settings, hooks, queue))
    app.include_router(greetings_router(greetings))
    app.include_router(health_router(settings))
    app.include_router(api_router(settings))
    registry, webhook_seconds = metrics_registry(settings)
    app.include_router(metrics_router(registry))
    app.add_middleware(WebhookTimer, histogram=webhook_seconds)
    app.include_router(v1_router())
    app.include_router(api_spec.router)
    app.include_router(signin.router)
    app.include_router(signin.account)
    areas = (
        today,
        contacts,
        contact_delete,
        inbox,
        calls,
        call_delete,
        coach,
        stats,
        settings_page,
        webhooks,
    )
    for area in areas:
        app.include_router(area.router)
    # Recordings are uploaded to these routes only: they take up to web_max_upload_mb,
    # every other route keeps the app's small body limit.
    upload_limit = settings.web_max_upload_mb * 1024 * 1024
    for area_uploads in (contacts.uploads, coach.uploads, settings_page.uploads, v1_uploads()):
        app.include_router(area_uploads, max_body_size=upload_limit)
    return app
