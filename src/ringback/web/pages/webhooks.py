"""The Webhooks block of the Settings page (issue 16 §3): the signed-in user's webhooks
with how each last delivery went, adding one (its secret shown on the page that answers,
once, never in a cookie or a redirect: that route is the Settings page's own, in
:mod:`ringback.web.pages.settings`), removing one, sending a test ping.

Everything goes through :mod:`ringback.outbound.service` and the sender, as ``ringback
webhooks add / remove / test`` do. The forms are POSTs with the CSRF token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.web.auth import CurrentUser, signed_in_router
from ringback.web.render import redirect_with_flash

if TYPE_CHECKING:
    from ringback.accounts.service import UserView
    from ringback.outbound.records import AddedEndpoint, EndpointView

router = signed_in_router()


def _url(request: Request) -> str:
    return str(request.app.state.settings.effective_database_url)


def webhooks_view(request: Request, user: UserView | None) -> dict[str, Any]:
    """What the block shows: the user's endpoints and the events one may choose."""
    from ringback.accounts.scope import acting_transaction
    from ringback.outbound.service import EVENTS, list_endpoints
    from ringback.timefmt import format_when

    tz = request.app.state.settings.tz
    found: list[EndpointView] = []
    if user is not None:
        with acting_transaction(_url(request), user) as session:
            found = list_endpoints(session, user_id=user.id)
    return {
        "endpoints": found,
        "events": EVENTS,
        "when": lambda moment: format_when(moment, tz) if moment else "",
    }


def add_for(request: Request, user: UserView, url: str, events: list[str]) -> AddedEndpoint:
    """A new webhook for ``user`` (WebhookError: a refused URL or event)."""
    from ringback.accounts.scope import acting_transaction
    from ringback.outbound.service import add_endpoint

    with acting_transaction(_url(request), user) as session:
        return add_endpoint(session, user_id=user.id, url=url, events=events)


def private_note(request: Request, url: str) -> str:
    """What a just-added webhook on the user's own network needs before anything reaches
    it (empty when private addresses are allowed or the host is public)."""
    from ringback.outbound.sender import private_warning

    if request.app.state.settings.webhook_allow_private:
        return ""
    refused = private_warning(url)
    return f"Nothing will reach it yet: {refused}." if refused else ""


def _remove(request: Request, user: UserView, endpoint_id: int) -> str:
    from ringback.accounts.scope import acting_transaction
    from ringback.outbound.service import remove_endpoint

    with acting_transaction(_url(request), user) as session:
        return remove_endpoint(session, user_id=user.id, endpoint_id=endpoint_id).url


def _test(request: Request, user: UserView, endpoint_id: int) -> tuple[str, str]:
    from ringback.accounts.scope import acting_transaction
    from ringback.outbound.sender import sender_for
    from ringback.outbound.service import enqueue_ping

    with acting_transaction(_url(request), user) as session:
        delivery_id = enqueue_ping(session, user_id=user.id, endpoint_id=endpoint_id)
    sent = sender_for(request.app.state.settings).run_once(only=[delivery_id])
    if sent and sent[0].status == "delivered":
        return (
            f"Test ping delivered to webhook {endpoint_id} (HTTP {sent[0].http_status}).",
            "success",
        )
    reason = sent[0].error if sent else "it is queued"
    later = "It is retried." if not sent or sent[0].status == "pending" else "It is not retried."
    return (
        f"The test ping to webhook {endpoint_id} was not delivered: {reason}. {later}",
        "error",
    )


async def _act(request: Request, action: Any, *args: Any) -> Response:
    """Run ``action`` (one that returns a flash message and level) in a thread, then back
    to the Webhooks block with its message; 404 for a webhook that is not the user's."""
    from fastapi import HTTPException

    from ringback.outbound.service import WebhookNotFound

    try:
        said: tuple[str, str] = await run_in_threadpool(action, request, *args)
    except WebhookNotFound:
        raise HTTPException(404, "no such webhook") from None
    return redirect_with_flash(request, "/settings#webhooks", *said)


def _removed(request: Request, user: UserView, endpoint_id: int) -> tuple[str, str]:
    return f"Webhook {endpoint_id} removed ({_remove(request, user, endpoint_id)}).", "success"


@router.post("/settings/webhooks/{endpoint_id}/remove")
async def remove_webhook(request: Request, user: CurrentUser, endpoint_id: int) -> Response:
    """Remove one of the user's webhooks (another user's is not found: 404)."""
    return await _act(request, _removed, user, endpoint_id)


@router.post("/settings/webhooks/{endpoint_id}/test")
async def test_webhook(request: Request, user: CurrentUser, endpoint_id: int) -> Response:
    """Send a signed ping now and say how it went."""
    return await _act(request, _test, user, endpoint_id)
