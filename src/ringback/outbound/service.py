"""Webhook endpoints and the deliveries queued for them: what the CLI, the web app and
the domains that raise events (voicemail, calls, tracking) call.

Keyword-only functions that take a Session and never commit; they return frozen views,
never rows, and a view never carries an endpoint's secret (only :func:`add_endpoint`
returns it, once). Queuing (:func:`enqueue_event`) is a row insert in the caller's
transaction: whoever raises an event never waits for a receiver. ``sender.py`` sends.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ringback.accounts.scope import actor_of
from ringback.accounts.service import first_owner_id
from ringback.db.base import utcnow
from ringback.errors import HintedError
from ringback.outbound.models import WebhookDelivery, WebhookEndpoint
from ringback.outbound.records import (
    SECRET_PREFIX,
    AddedEndpoint,
    DeliveryView,
    EndpointView,
    delivery_view,
    endpoint_view,
)
from ringback.redact import mask_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

VOICEMAIL_PROCESSED = "voicemail.processed"
CALL_REVIEWED = "call.reviewed"
ATTEMPT_RETURNED = "attempt.returned"
PING = "ping"
EVENTS = (VOICEMAIL_PROCESSED, CALL_REVIEWED, ATTEMPT_RETURNED)
MAX_URL = 2000


class Status(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookError(HintedError):
    """A refused webhook operation: the message says why, the hint what to do."""


class WebhookNotFound(LookupError):
    """No such endpoint or delivery for this user (another user's is not found either)."""


def check_url(url: str) -> str:
    """``url`` when it can receive webhooks (http or https, with a host, no password in
    it); else WebhookError saying why."""
    value = url.strip()
    if len(value) > MAX_URL:
        raise WebhookError(f"the URL is longer than {MAX_URL} characters", "use a shorter URL")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise WebhookError(
            "the URL has a space or a control character in it",
            "copy the URL again; a space is written %20",
        )
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as exc:
        raise WebhookError(
            f"not a URL: {exc}", "give a URL like https://crm.example.com/hook"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(
            f"not an http(s) URL: {mask_url(value)[:80]!r}",
            "give a URL like https://crm.example.com/hook",
        )
    if parts.username or parts.password:
        raise WebhookError(
            "the URL carries a user name or password",
            "leave credentials out: every request is signed with the endpoint's secret",
        )
    return value


def check_events(events: Iterable[str] | None) -> tuple[str, ...]:
    """The events asked for (all of them when none is named), in their usual order."""
    wanted = {e.strip() for e in events or () if e.strip()}
    unknown = sorted(wanted - set(EVENTS))
    if unknown:
        raise WebhookError(f"unknown event {unknown[0]!r}", f"choose from {', '.join(EVENTS)}")
    return tuple(e for e in EVENTS if e in wanted) or EVENTS


def acting_user_id(session: Session) -> int:
    """The user whose webhooks a command manages: the session's actor, else the first
    owner; WebhookError when there is no user yet."""
    actor = actor_of(session)
    if actor is not None:
        return actor.id
    owner = first_owner_id(session)
    if owner is None:
        raise WebhookError(
            "there is no user to own webhooks yet", "add one: ringback users add EMAIL"
        )
    return owner


def owner_of_event(session: Session, row: object) -> int | None:
    """Whose event a row raises (whose webhooks hear of it): the row's ``owner_id`` when
    it has one, else the first owner. The one place "whose event" is decided."""
    owner = getattr(row, "owner_id", None)
    if owner is not None:
        return int(owner)
    return first_owner_id(session)


def _last_deliveries(session: Session, endpoint_ids: list[int]) -> dict[int, WebhookDelivery]:
    """Each endpoint's newest delivery (one query)."""
    if not endpoint_ids:
        return {}
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id.in_(endpoint_ids))
        .order_by(WebhookDelivery.endpoint_id, WebhookDelivery.id.desc())
    )
    newest: dict[int, WebhookDelivery] = {}
    for row in rows:
        newest.setdefault(row.endpoint_id, row)
    return newest


def add_endpoint(
    session: Session, *, user_id: int, url: str, events: Iterable[str] | None = None
) -> AddedEndpoint:
    """A new endpoint for ``user_id`` with a new secret (returned this once); WebhookError
    when the user already has one sending to this URL (one URL would get each event twice,
    signed with two secrets)."""
    url = check_url(url)
    same = session.scalar(
        select(WebhookEndpoint.id).where(
            WebhookEndpoint.user_id == user_id, WebhookEndpoint.url == url
        )
    )
    if same is not None:
        raise WebhookError(
            f"webhook {same} already sends to {mask_url(url)[:200]}",
            f"to change its events, remove webhook {same} and add the URL again",
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = WebhookEndpoint(
        user_id=user_id,
        url=url,
        secret=secret,
        events=",".join(check_events(events)),
        active=True,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return AddedEndpoint(endpoint_view(row, None), secret)


def list_endpoints(session: Session, *, user_id: int) -> list[EndpointView]:
    """The user's endpoints, oldest first, each with how its newest delivery went."""
    rows = list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.user_id == user_id)
            .order_by(WebhookEndpoint.id)
        )
    )
    last = _last_deliveries(session, [r.id for r in rows])
    return [endpoint_view(r, last.get(r.id)) for r in rows]


def _own_endpoint(session: Session, user_id: int, endpoint_id: int) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None or row.user_id != user_id:
        raise WebhookNotFound(f"no webhook {endpoint_id}")
    return row


def remove_endpoint(session: Session, *, user_id: int, endpoint_id: int) -> EndpointView:
    """Delete one of the user's endpoints and its deliveries; returns what it was."""
    row = _own_endpoint(session, user_id, endpoint_id)
    view = endpoint_view(row, None)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id))
    session.delete(row)
    session.flush()
    return view


def _insert_delivery(
    session: Session,
    *,
    endpoint_id: int,
    event: str,
    event_id: str,
    body: str,
    now: datetime,
    contact_id: int | None = None,
) -> int | None:
    """A pending delivery, or None if this event is already queued for this endpoint."""
    existing = session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.event == event,
            WebhookDelivery.event_id == event_id,
        )
    )
    if existing is not None:
        return None
    row = WebhookDelivery(
        endpoint_id=endpoint_id,
        event=event,
        event_id=event_id,
        payload=body,
        contact_id=contact_id,
        status=Status.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent writer queued it first: one delivery
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def enqueue_event(
    session: Session,
    *,
    event: str,
    event_id: str | int,
    owner_id: int | None,
    data: Mapping[str, Any],
    contact_id: int | None,
    now: datetime | None = None,
) -> tuple[int, ...]:
    """Queue ``event`` for each of ``owner_id``'s active endpoints that subscribe to it,
    in the caller's transaction; the same event for the same endpoint is queued once.
    ``contact_id``: the contact ``data`` names (deleting them erases it), or None.
    Returns the ids of the deliveries created (none: nobody listens, or queued before)."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if owner_id is None:
        return ()
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.user_id == owner_id, WebhookEndpoint.active.is_(True)
        )
    )
    now = now or utcnow()
    body = json.dumps(dict(data), ensure_ascii=False, default=str)
    created = []
    for endpoint in endpoints:
        if event in endpoint.events.split(","):
            found = _insert_delivery(
                session,
                endpoint_id=endpoint.id,
                event=event,
                event_id=str(event_id),
                body=body,
                now=now,
                contact_id=contact_id,
            )
            if found is not None:
                created.append(found)
    return tuple(created)


def enqueue_ping(
    session: Session, *, user_id: int, endpoint_id: int, now: datetime | None = None
) -> int:
    """A ``ping`` delivery to one of the user's endpoints (``webhooks test``)."""
    endpoint = _own_endpoint(session, user_id, endpoint_id)
    now = now or utcnow()
    body = json.dumps({"message": "Ringback says hello", "endpoint_id": endpoint.id})
    found = _insert_delivery(
        session,
        endpoint_id=endpoint.id,
        event=PING,
        event_id=f"ping-{secrets.token_hex(8)}",
        body=body,
        now=now,
    )
    assert found is not None
    return found


def list_deliveries(
    session: Session, *, user_id: int, failed: bool = False, limit: int = 50
) -> list[DeliveryView]:
    """The user's deliveries, newest first (``failed``: only those that gave up)."""
    query = (
        select(WebhookDelivery, WebhookEndpoint.url)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.user_id == user_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if failed:
        query = query.where(WebhookDelivery.status == Status.FAILED.value)
    return [delivery_view(row, url) for row, url in session.execute(query)]


def get_delivery(session: Session, *, user_id: int, delivery_id: int) -> DeliveryView:
    row = session.get(WebhookDelivery, delivery_id)
    endpoint = session.get(WebhookEndpoint, row.endpoint_id) if row else None
    if row is None or endpoint is None or endpoint.user_id != user_id:
        raise WebhookNotFound(f"no webhook delivery {delivery_id}")
    return delivery_view(row, endpoint.url)


def retry_delivery(
    session: Session, *, user_id: int, delivery_id: int, now: datetime | None = None
) -> DeliveryView:
    """Send a delivery again at the next run: due now, with a fresh count of attempts."""
    get_delivery(session, user_id=user_id, delivery_id=delivery_id)  # yours, or not found
    row = session.get(WebhookDelivery, delivery_id)
    assert row is not None
    if row.status == Status.DELIVERED:
        raise WebhookError(
            f"webhook delivery {delivery_id} was delivered already",
            "send a test instead: ringback webhooks test ENDPOINT_ID",
        )
    row.status, row.attempts, row.next_attempt_at = Status.PENDING.value, 0, now or utcnow()
    row.claimed_by = row.claimed_until = None
    session.flush()
    return get_delivery(session, user_id=user_id, delivery_id=delivery_id)
