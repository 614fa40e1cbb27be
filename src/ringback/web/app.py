"""The FastAPI app: Twilio's webhooks, the greetings Twilio plays, and a login-only API.

Built from one router per area: :mod:`ringback.web.webhooks` (the routes Twilio posts to,
each checking ``X-Twilio-Signature`` first), :mod:`ringback.web.routes` (health,
greetings, ``/api/``), with :mod:`ringback.web.background` running what happens between
requests and :mod:`ringback.web.limits` the size limits around it all. No docs or schema
routes are served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.telephony.greetings import GreetingStore
from ringback.telephony.worker import JobQueue, ProcessJobQueue
from ringback.web.background import lifespan
from ringback.web.limits import guarded_app
from ringback.web.routes import api_router, greetings_router, health_router
from ringback.web.webhooks import TwilioWebhooks, telephony_router

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ringback.config import Settings
    from ringback.telephony.download import RecordingDownloader


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
    from ringback.telephony import service

    settings = settings or get_settings()
    greetings = GreetingStore(settings.data_dir)
    hooks = TwilioWebhooks(settings, greetings)
    # The pipeline runs in a worker process: in a thread it would hold the GIL against
    # the event loop and slow every webhook answer while a message is transcribed.
    queue: JobQueue = jobs or ProcessJobQueue(service.RecordingJob(settings, downloader))

    app = guarded_app(
        settings,
        lifespan(settings, queue, prepare_database=prepare_database, token_set=bool(hooks.token)),
    )
    app.state.jobs = queue
    app.state.greetings = greetings
    app.include_router(telephony_router(settings, hooks, queue))
    app.include_router(greetings_router(greetings))
    app.include_router(health_router())
    app.include_router(api_router(settings))
    return app
