"""Twilio's webhooks: each request's signature checked, then TwiML or a recording accepted.

Every route here checks ``X-Twilio-Signature`` first: a missing or wrong signature is
answered 403, logged, and nothing is read further or stored.

The voice webhook is on the hot path of every call: no database round trip, TwiML built
from settings held in memory, the greeting looked up by a stat of its file. Who answers
each line (its user, whose recorded greeting plays, or whose name the spoken fallback
says) is read from the database
at most every ``SPEAKERS_TTL`` seconds and held in memory too. The routes are
plain Starlette routes (no FastAPI dependency solving per call) that call
:mod:`ringback.telephony.callbacks` and :mod:`ringback.tracking.twilio`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ringback.lines import LineKind, line_kind
from ringback.telephony import twiml
from ringback.telephony.greetings import GreetingStore
from ringback.telephony.signature import Params, is_valid
from ringback.telephony.worker import JobQueue
from ringback.web.limits import is_media_type

if TYPE_CHECKING:
    from ringback.accounts.profile import LineSpeakers
    from ringback.accounts.speaker import Speaker
    from ringback.config import Settings

log = logging.getLogger("ringback.web")

MAX_BODY = 64 * 1024  # Twilio's parameters are a few hundred bytes
XML = "text/xml; charset=utf-8"
FORM = ("application/x-www-form-urlencoded",)  # what Twilio posts; exactly that, no look-alike
# How long the lines' speakers are held: a profile or line change is heard within this.
SPEAKERS_TTL = 15.0


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
        self._plans: dict[tuple[LineKind, str, str | None, str, str], twiml.CallPlan] = {}
        self._speakers: LineSpeakers | None = None
        self._speakers_at = 0.0

    async def lines(self) -> LineSpeakers:
        """The team's lines (who answers each, which are prospect lines), read at most
        once a TTL: the voice webhook never waits on the database per call."""
        now = time.monotonic()
        if self._speakers is None or now - self._speakers_at > SPEAKERS_TTL:
            read = await run_in_threadpool(self._read_speakers)
            # The database away: the last known speakers (or the settings') until the
            # next try, a TTL later, so a call is never kept waiting on it twice.
            self._speakers = read or self._speakers or self._settings_only()
            self._speakers_at = now
        return self._speakers

    def _settings_only(self) -> LineSpeakers:
        from ringback.accounts.profile import LineSpeakers
        from ringback.accounts.speaker import Speaker

        return LineSpeakers({}, Speaker.from_settings(self.settings))

    def _read_speakers(self) -> LineSpeakers | None:
        """The lines' speakers from the database; None when it cannot be read."""
        from sqlalchemy.exc import SQLAlchemyError

        from ringback.accounts.profile import line_speakers
        from ringback.db.session import transaction

        try:
            with transaction(self.settings.effective_database_url) as session:
                return line_speakers(session, settings=self.settings)
        except SQLAlchemyError as exc:
            log.warning("lines' speakers not read, greeting as before: %s", exc)
            return None

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
                # the call's facts are in its query: masked
                twiml.loggable_url(url, region=self.settings.default_region),
            )
            raise HTTPException(403, "invalid or missing X-Twilio-Signature")
        return Incoming(params, base)

    def plan(self, base: str, line: LineKind, speaker: Speaker) -> twiml.CallPlan:
        # The called line's user's own recording, else the install's (as the name said).
        greeting = self.greetings.playing(line, speaker.greetings_of)
        name = greeting.name if greeting else None
        key = (line, base, name, speaker.name, speaker.company)
        plan = self._plans.get(key)
        if plan is None:
            s = self.settings
            prospect = line is LineKind.PROSPECT
            plan = twiml.CallPlan(
                line=line,
                base_url=base,
                owner_name=speaker.name,
                owner_company=speaker.company,
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


Endpoint = Callable[[Request], Awaitable[Response]]


def telephony_router(settings: Settings, hooks: TwilioWebhooks, queue: JobQueue) -> APIRouter:
    """The routes Twilio posts to: the call's TwiML, the recording, the call's status."""
    router = APIRouter()
    for path, endpoint in (
        (twiml.STATUS_PATH, _status_endpoint(settings, hooks)),
        (twiml.VOICE_PATH, _twiml_endpoint(settings, hooks, _voice)),
        (twiml.INTAKE_PATH, _twiml_endpoint(settings, hooks, _intake)),
        (twiml.RECORDED_PATH, _recorded_endpoint(hooks)),
        (twiml.RECORDING_PATH, _recording_endpoint(settings, hooks, queue)),
    ):
        router.add_route(path, endpoint, methods=["POST"], include_in_schema=False)
    return router


def _twiml_endpoint(
    settings: Settings, hooks: TwilioWebhooks, answer: Callable[[twiml.CallPlan, Params], str]
) -> Endpoint:
    """A webhook answered with TwiML from the call's plan (the line it came in on)."""

    async def endpoint(request: Request) -> Response:
        incoming = await hooks.verified(request)
        to_number = incoming.params.get("To")
        lines = await hooks.lines()
        line = line_kind(to_number, settings, lines.prospects)
        speaker = lines.answering(to_number, settings.default_region)
        body = answer(hooks.plan(incoming.base_url, line, speaker), incoming.params)
        return Response(body, media_type=XML)

    return endpoint


def _call(params: Params) -> twiml.CallFacts:
    """The call as Twilio posts it, under the names the TwiML builders take."""
    return twiml.CallFacts(
        from_number=params.get("From"),
        to_number=params.get("To"),
        caller_name=params.get("CallerName"),
    )


def _voice(plan: twiml.CallPlan, params: Params) -> str:
    return twiml.voice_response(plan, dial_status=params.get("DialCallStatus"), **_call(params))


def _intake(plan: twiml.CallPlan, params: Params) -> str:
    return twiml.intake_response(plan, speech=params.get("SpeechResult"), **_call(params))


def _recorded_endpoint(hooks: TwilioWebhooks) -> Endpoint:
    async def recorded(request: Request) -> Response:
        await hooks.verified(request)
        return Response(twiml.hangup_response(), media_type=XML)

    return recorded


def _recording_endpoint(settings: Settings, hooks: TwilioWebhooks, queue: JobQueue) -> Endpoint:
    from ringback.telephony import callbacks

    url = settings.effective_database_url

    async def recording(request: Request) -> Response:
        params = (await hooks.verified(request)).params
        query, prospects = dict(request.query_params), (await hooks.lines()).prospects
        try:
            event = callbacks.parse_recording_callback(params, query, settings, prospects)
        except callbacks.MissingParams as exc:
            log.warning("recording callback refused: %s", exc)
            return JSONResponse({"error": str(exc)}, status_code=400)
        _, created = await run_in_threadpool(callbacks.accept, event, url)
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

    return recording


def _log_status(params: Params, settings: Settings) -> str:
    from ringback.db.session import transaction
    from ringback.tracking.twilio import record_call_status

    with transaction(settings.effective_database_url) as session:
        return record_call_status(session, params, settings=settings).reason


def _status_endpoint(settings: Settings, hooks: TwilioWebhooks) -> Endpoint:
    async def status(request: Request) -> Response:
        # Always 200 once verified: an ignored status (unknown number, not final yet) is
        # not an error, and anything else makes Twilio retry for nothing.
        params = (await hooks.verified(request)).params
        reason = await run_in_threadpool(_log_status, params, settings)
        log.info("call status %s: %s", params.get("CallSid", "?"), reason)
        return JSONResponse({"status": reason})

    return status
