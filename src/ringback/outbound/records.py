"""What the outbound domain returns: frozen views of endpoints and deliveries, never rows,
and never an endpoint's secret (only its masked hint; :class:`AddedEndpoint` carries the
secret the one time it is shown). URLs are masked (:func:`ringback.redact.mask_url`): a
CRM's hook URL often carries a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ringback.outbound.models import WebhookDelivery, WebhookEndpoint
from ringback.redact import mask_url

SECRET_PREFIX = "whsec_"
PENDING = "pending"


@dataclass(frozen=True)
class EndpointView:
    """An endpoint as the CLI and the pages show it: its URL masked, its secret masked."""

    id: int
    user_id: int
    url: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime
    secret_hint: str
    last_status: str  # of its newest delivery: "", pending, delivered or failed
    last_error: str
    last_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "secret": self.secret_hint,
            "last_status": self.last_status or None,
            "last_error": self.last_error or None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
        }


@dataclass(frozen=True)
class AddedEndpoint:
    """A new endpoint and its secret, which is shown this once."""

    endpoint: EndpointView
    secret: str


@dataclass(frozen=True)
class DeliveryView:
    id: int
    endpoint_id: int
    url: str
    event: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None  # None once delivered or failed
    last_error: str
    last_status: int | None
    delivered_at: datetime | None
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "event": self.event,
            "event_id": self.event_id,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": iso(self.next_attempt_at),
            "last_error": self.last_error or None,
            "last_status": self.last_status,
            "delivered_at": iso(self.delivered_at),
            "created_at": iso(self.created_at),
        }


def mask_secret(secret: str) -> str:
    """``whsec_…a1b2``: enough to tell two secrets apart, nothing to sign with."""
    return f"{SECRET_PREFIX}…{secret[-4:]}"


def endpoint_view(row: WebhookEndpoint, last: WebhookDelivery | None) -> EndpointView:
    return EndpointView(
        id=row.id,
        user_id=row.user_id,
        url=mask_url(row.url),
        events=tuple(e for e in row.events.split(",") if e),
        active=row.active,
        created_at=row.created_at,
        secret_hint=mask_secret(row.secret),
        last_status=last.status if last else "",
        last_error=last.last_error if last else "",
        last_at=(last.delivered_at or last.created_at) if last else None,
    )


def delivery_view(row: WebhookDelivery, url: str) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        endpoint_id=row.endpoint_id,
        url=mask_url(url),
        event=row.event,
        event_id=row.event_id,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == PENDING else None,
        last_error=row.last_error,
        last_status=row.last_status,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )
