"""The REST API under ``/api/v1`` (issue 16 §3): one router per resource, thin routes over
the domains' keyword-only service functions, pydantic bodies, pages with a ``next`` link,
``updated_since`` for syncing, one error body (:mod:`.errors`), idempotency keys on
creates, and its own OpenAPI document and docs page (:mod:`.spec`).

Every route needs an account: a personal API token (``Authorization: Bearer``) or a
signed-in session (whose unsafe requests carry the CSRF token); each opens its database
session acting for that user (:mod:`.common`).
"""

from __future__ import annotations

from fastapi import APIRouter

from ringback.web.api import calls, coach, contacts, followups, voicemails
from ringback.web.api.errors import PREFIX


def v1_router() -> APIRouter:
    """Every ``/api/v1`` route but the upload (see :func:`v1_uploads`)."""
    router = APIRouter(prefix=PREFIX)
    for area in (
        contacts.router,
        voicemails.router,
        calls.router,
        followups.router,
        coach.router,
        coach.stats_router,
    ):
        router.include_router(area)
    return router


def v1_uploads() -> APIRouter:
    """The routes that take a recording: included with the upload body limit."""
    router = APIRouter(prefix=PREFIX)
    router.include_router(calls.uploads)
    return router
