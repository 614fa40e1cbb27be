"""The web app's routers besides Twilio's webhooks: health, the greetings Twilio plays, and
the login-only API.

The greeting files are public by necessity (Twilio fetches them to play to every caller)
under content-hashed names. Everything under ``/api/`` needs the web login
(:mod:`ringback.web.auth`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ringback.telephony import twiml
from ringback.web.auth import require_login, user_transaction

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.telephony.greetings import GreetingStore

MAX_LIST = 500  # rows one API list answers at most


def health_router(settings: Settings) -> APIRouter:
    """``/healthz``: the server is up (nothing else is asked). ``/readyz``: it can work,
    i.e. every check in :data:`ringback.ops.health.CHECKS` that applies passes (the
    database; the broker and the storage when configured); 503 names the ones that fail.
    Both are public, for load balancers and orchestrators, and say nothing secret."""
    from ringback.ops.health import readiness

    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        found = await run_in_threadpool(readiness, settings)
        return JSONResponse(
            found.as_json(),
            status_code=200 if found.ok else 503,
            headers={"Cache-Control": "no-store"},
        )

    return router


def greetings_router(greetings: GreetingStore) -> APIRouter:
    """The greeting files, by their content-hashed names, cached for good."""
    router = APIRouter()

    @router.get(twiml.GREETINGS_PATH + "/{name}")
    async def greeting(name: str) -> Response:
        found = greetings.by_name(name)
        if found is None:
            raise HTTPException(404, "no such greeting")
        return FileResponse(
            found.path,
            media_type="audio/wav",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    return router


def api_router(settings: Settings) -> APIRouter:
    """The JSON API; every route needs the web login."""
    from ringback.telephony import service

    router = APIRouter(prefix="/api", dependencies=[Depends(require_login)])

    @router.get("/telephony/recordings")
    async def recordings(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    ) -> dict[str, Any]:
        # Bounded by Query: a negative LIMIT lifts the cap on SQLite and fails on PostgreSQL.
        def read() -> list[dict[str, Any]]:
            with user_transaction(request) as session:
                return service.recordings_seen(session, limit=limit)

        return {"recordings": await run_in_threadpool(read)}

    return router
