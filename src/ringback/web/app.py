"""The FastAPI app: the web app's pages, Twilio's webhooks, the greetings Twilio plays,
and the API.

Public routes are exactly the ones Twilio calls, and each of those checks
``X-Twilio-Signature`` first: a missing or wrong signature is answered 403, logged, and
nothing is read further or stored. The greeting files are public by necessity (Twilio
fetches them to play to every caller) under content-hashed names. Everything else needs
a signed-in user or an API token (:mod:`ringback.web.auth`); the pages are one router
per area in :mod:`ringback.web.pages`. No docs or schema routes are served.

The voice webhook is on the hot path of every call: no database round trip, TwiML built
from settings held in memory, the greeting looked up by a stat of its file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ringback.db.session import checkpoint, defer_checkpoints
from ringback.telephony import twiml
from ringback.telephony.download import RecordingDownloader
from ringback.telephony.greetings import GreetingStore
from ringback.telephony.lines import LineKind, line_kind
from ringback.telephony.signature import Params, is_valid
from ringback.telephony.worker import JobQueue, ProcessJobQueue
from ringback.web import signin
from ringback.web.auth import require_login
from ringback.web.limits import guarded_app, is_media_type
from ringback.web.pages import calls, coach, contacts, inbox, stats, today
from ringback.web.pages import settings as settings_page
from ringback.web.shell import install_shell

if TYPE_CHECKING:
    from ringback.config import Settings

log = logging.getLogger("ringback.web")

MAX_BODY = 64 * 1024  # Twilio's parameters are a few hundred bytes
MAX_LIST = 500  # rows one API list answers at most
XML = "text/xml; charset=utf-8"
FORM = ("application/x-www-form-urlencoded",)  # what Twilio posts; exactly that, no look-alike


@dataclass(frozen=True)
class Incoming:
    """A verified webhook request: its parameters and the base URL to answer with."""

    params: Params
    base_url: str


class TwilioWebhooks:
    """Request → checked parameters → TwiML; holds what the handlers share.

    Reads what it needs straight from the ASGI scope in one pass over the headers: the
    voice webhook is answered for every call, and Starlette's URL and header objects
    cost more than the signature check itself.
    """

    def __init__(self, settings: Settings, greetings: GreetingStore) -> None:
        self.settings = settings
        self.greetings = greetings
        token = settings.twilio_auth_token
        self.token = token.get_secret_value() if token else ""
        self._plans: dict[tuple[LineKind, str, str | None], twiml.CallPlan] = {}

    async def verified(self, request: Request) -> Incoming:
        """The POST parameters, once the signature checks out; else 403 (or 413/415)."""
        scope = request.scope
        host = ctype = signature = sig_settings = length = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"content-type":
                ctype = value.decode("latin-1")
            elif name == b"x-twilio-signature":
                signature = value.decode("latin-1")
            elif name == b"x-twilio-webhooks-signature-settings":
                sig_settings = value.decode("latin-1")
            elif name == b"content-length":
                length = value.decode("latin-1")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            raise HTTPException(413, "request body too large")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(413, "request body too large")
        if body and not is_media_type(ctype, FORM):
            raise HTTPException(415, "expected application/x-www-form-urlencoded")
        params = Params(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        public = self.settings.public_url
        if public:
            base = public
            url = public + path + (f"?{query}" if query else "")
        else:
            origin = f"{scope.get('scheme', 'http')}://{host or 'localhost'}"
            base = origin + scope.get("root_path", "")
            url = origin + path + (f"?{query}" if query else "")
        if not self.token:
            log.error(
                "refused %s: RINGBACK_TWILIO_AUTH_TOKEN is not set, nothing can be verified", path
            )
            raise HTTPException(403, "webhook signature cannot be checked: no auth token set")
        if not is_valid(self.token, url, params, signature, sig_settings):
            client = scope.get("client") or ("?",)
            log.warning(
                "refused %s from %s: %s X-Twilio-Signature (checked against %s)",
                path,
                client[0],
                "wrong" if signature else "missing",
                twiml.loggable_url(url),  # the call's facts are in its query: masked
            )
            raise HTTPException(403, "invalid or missing X-Twilio-Signature")
        return Incoming(params, base)

    def plan(self, base: str, line: LineKind) -> twiml.CallPlan:
        greeting = self.greetings.current(line)
        name = greeting.name if greeting else None
        key = (line, base, name)
        plan = self._plans.get(key)
        if plan is None:
            s = self.settings
            prospect = line is LineKind.PROSPECT
            plan = twiml.CallPlan(
                line=line,
                base_url=base,
                owner_name=s.owner_name,
                owner_company=s.owner_company,
                greeting_url=f"{base}{twiml.GREETINGS_PATH}/{name}" if name else None,
                ring_first=s.prospect_forward_to if prospect else s.twilio_ring_first,
                ring_seconds=s.twilio_ring_seconds,
                max_length=s.twilio_max_length,
                play_beep=s.twilio_play_beep,
                silence_timeout=s.twilio_silence_timeout,
                gather_speech=prospect and s.prospect_gather_speech,
            )
            if len(self._plans) > 64:  # a host header per request must not grow it forever
                self._plans.clear()
            self._plans[key] = plan
        return plan


def _follow_up_once(settings: Settings) -> None:
    from ringback.db.base import utcnow
    from ringback.db.session import transaction
    from ringback.tracking.sequences import run_due

    with transaction(settings.effective_database_url) as session:
        report = run_due(session, settings=settings, now=utcnow())
    if report.started or report.drafted or report.sent or report.tasks:
        log.info(
            "follow-ups: %d started, %d drafted, %d sent, %d call tasks",
            len(report.started),
            len(report.drafted),
            len(report.sent),
            len(report.tasks),
        )


CHECKPOINT_SECONDS = 10.0


async def _checkpoint_forever(url: str) -> None:
    """SQLite's WAL checkpoints, off the request path (see db.session.defer_checkpoints)."""
    while True:
        await asyncio.sleep(CHECKPOINT_SECONDS)
        try:
            await run_in_threadpool(checkpoint, url)
        except Exception:  # a locked or vanished database: try again next time
            log.exception("WAL checkpoint failed; trying again later")


async def _follow_up_forever(settings: Settings) -> None:
    """While the server runs, take due follow-up steps every ``followup_sweep_minutes``
    (what `ringback sequence run` does), so nobody needs a cron job for it."""
    while True:
        try:
            await run_in_threadpool(_follow_up_once, settings)
        except Exception:  # one bad run (SMTP down, a lock) must not end the loop
            log.exception("follow-up run failed; trying again next time")
        await asyncio.sleep(settings.followup_sweep_minutes * 60)


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
    url = settings.effective_database_url
    greetings = GreetingStore(settings.data_dir)
    hooks = TwilioWebhooks(settings, greetings)
    # The pipeline runs in a worker process: in a thread it would hold the GIL against
    # the event loop and slow every webhook answer while a message is transcribed.
    queue: JobQueue = jobs or ProcessJobQueue(service.RecordingJob(settings, downloader))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prepare_database:
            from ringback.db.migrate import ensure_current

            await run_in_threadpool(ensure_current, url)
        if not hooks.token:
            log.warning("RINGBACK_TWILIO_AUTH_TOKEN is not set: every webhook will be refused")
        queue.start()
        # Whatever a previous server accepted but did not finish is picked up again.
        for sid in await run_in_threadpool(service.pending, settings):
            queue.submit(sid)
        sweeper = None
        if settings.followup_sweep_minutes > 0:
            sweeper = asyncio.create_task(_follow_up_forever(settings))
        # A webhook's commit must not do a WAL checkpoint's fsyncs (SQLite): a thread does.
        defer_checkpoints()
        checkpoints = asyncio.create_task(_checkpoint_forever(url))
        yield
        checkpoints.cancel()
        if sweeper is not None:
            sweeper.cancel()
        queue.stop(timeout=5.0)
        await run_in_threadpool(checkpoint, url)
        defer_checkpoints(False)

    app = guarded_app(settings, lifespan)
    app.state.jobs = queue
    app.state.greetings = greetings
    install_shell(app)  # static files, error pages, security headers
    app.include_router(signin.router)
    app.include_router(signin.account)
    app.include_router(today.router)
    app.include_router(contacts.router)
    app.include_router(inbox.router)
    app.include_router(calls.router)
    app.include_router(coach.router)
    app.include_router(stats.router)
    app.include_router(settings_page.router)

    # The webhooks are plain Starlette routes: no FastAPI dependency solving per call.
    async def voice(request: Request) -> Response:
        incoming = await hooks.verified(request)
        params = incoming.params
        to_number = params.get("To")
        body = twiml.voice_response(
            hooks.plan(incoming.base_url, line_kind(to_number, settings)),
            from_number=params.get("From"),
            to_number=to_number,
            caller_name=params.get("CallerName"),
            dial_status=params.get("DialCallStatus"),
        )
        return Response(body, media_type=XML)

    async def intake(request: Request) -> Response:
        incoming = await hooks.verified(request)
        params = incoming.params
        to_number = params.get("To")
        body = twiml.intake_response(
            hooks.plan(incoming.base_url, line_kind(to_number, settings)),
            from_number=params.get("From"),
            to_number=to_number,
            caller_name=params.get("CallerName"),
            speech=params.get("SpeechResult"),
        )
        return Response(body, media_type=XML)

    async def recorded(request: Request) -> Response:
        await hooks.verified(request)
        return Response(twiml.hangup_response(), media_type=XML)

    async def recording(request: Request) -> Response:
        params = (await hooks.verified(request)).params
        try:
            event = service.parse_recording_callback(params, dict(request.query_params), settings)
        except service.MissingParams as exc:
            log.warning("recording callback refused: %s", exc)
            return JSONResponse({"error": str(exc)}, status_code=400)
        _, created = await run_in_threadpool(service.accept, event, url)
        if created:
            queue.submit(event.recording_sid)
            log.info("recording %s accepted (%s line)", event.recording_sid, event.line)
        else:
            log.info("recording %s already known: nothing to do", event.recording_sid)
        return JSONResponse(
            {
                "recording_sid": event.recording_sid,
                "status": "accepted" if created else "duplicate",
            }
        )

    def log_status(params: Params) -> str:
        from ringback.db.session import transaction
        from ringback.tracking.twilio import record_call_status

        with transaction(url) as session:
            return record_call_status(session, params, settings=settings).reason

    async def status(request: Request) -> Response:
        # Always 200 once verified: an ignored status (unknown number, not final yet) is
        # not an error, and anything else makes Twilio retry for nothing.
        params = (await hooks.verified(request)).params
        reason = await run_in_threadpool(log_status, params)
        log.info("call status %s: %s", params.get("CallSid", "?"), reason)
        return JSONResponse({"status": reason})

    for path, endpoint in (
        (twiml.STATUS_PATH, status),
        (twiml.VOICE_PATH, voice),
        (twiml.INTAKE_PATH, intake),
        (twiml.RECORDED_PATH, recorded),
        (twiml.RECORDING_PATH, recording),
    ):
        app.router.add_route(path, endpoint, methods=["POST"], include_in_schema=False)

    @app.get(twiml.GREETINGS_PATH + "/{name}")
    async def greeting(name: str) -> Response:
        found = greetings.by_name(name)
        if found is None:
            raise HTTPException(404, "no such greeting")
        return FileResponse(
            found.path,
            media_type="audio/wav",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/telephony/recordings", dependencies=[Depends(require_login)])
    async def recordings(
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    ) -> dict[str, Any]:
        # Bounded by Query: a negative LIMIT lifts the cap on SQLite and fails on PostgreSQL.
        rows = await run_in_threadpool(service.list_recordings, settings, limit=limit)
        return {"recordings": rows}

    return app
