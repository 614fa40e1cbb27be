"""Sending queued webhook deliveries: claimed, signed, POSTed, retried, given up on.

A run claims the due deliveries with a lease (a compare-and-swap UPDATE, like the
voicemail pipeline's claims: two senders, in two processes or on two machines, never
send the same delivery at once), sends each outside any transaction, and records the
outcome: delivered on a 2xx; otherwise the next try after an exponential backoff with
jitter, until ``webhook_max_attempts`` tries have failed and the delivery is ``failed``
with the reason. Redirects are not followed (a 3xx is a failure that says so), only
http(s) URLs to public addresses are sent to (``webhook_allow_private`` opens loopback and
private networks), and a POST waits ``webhook_timeout_seconds`` at most for each step.

Nothing here logs a secret, a signature or a URL's path (a CRM's hook URL often carries
a token in it): the log names the delivery, the event and the host.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ringback import __version__
from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.outbound.models import WebhookDelivery, WebhookEndpoint
from ringback.outbound.service import Status
from ringback.outbound.signing import HEADER, signature
from ringback.redact import redact
from ringback.timefmt import plural

if TYPE_CHECKING:
    from ringback.config import Settings

log = logging.getLogger("ringback.outbound")

MAX_BACKOFF_SECONDS = 6 * 3600.0


class DeliveryFailed(Exception):
    """One POST that did not reach the receiver (refused, timed out, unreadable);
    ``permanent``: trying again cannot help (the address is not allowed)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _blocked(address: str) -> bool:
    """Loopback, private, link-local (a cloud's metadata service) or otherwise not a
    public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def check_destination(url: str) -> None:
    """Refuse (permanently) a URL whose host resolves to an address that is not public.

    The host is resolved again when connecting, so a name that changes its answer in
    between (DNS rebinding) can still slip through: the check keeps honest mistakes and
    casual probing out, not a determined attacker who controls a DNS server."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname or "", port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DeliveryFailed(f"cannot resolve {parts.hostname}: {exc}") from None
    if any(_blocked(str(info[4][0])) for info in found):
        raise DeliveryFailed(
            f"{parts.hostname} is a loopback or private-network address; set "
            "RINGBACK_WEBHOOK_ALLOW_PRIVATE=true to send to your own network",
            permanent=True,
        )


def private_warning(url: str) -> str | None:
    """Why every delivery to ``url`` would be refused while private addresses are (its
    host is loopback or on a private network), or None (public, or not resolvable now)."""
    try:
        check_destination(url)
    except DeliveryFailed as exc:
        return str(exc) if exc.permanent else None
    return None


class Transport(Protocol):
    """Posts one body; returns the HTTP status, or raises DeliveryFailed."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int: ...


_posting = threading.local()


class _HideHookUrls(logging.Filter):
    """httpx logs every request's full URL (INFO "HTTP Request: POST https://..."); a
    CRM's hook URL often holds its token in the path: while a webhook is posted, the
    URLs in httpx's records are cut to their host."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(_posting, "active", False) and isinstance(record.args, tuple):
            record.args = tuple(_host_only(a) for a in record.args)
        return True


def _host_only(value: object) -> object:
    import httpx

    if isinstance(value, httpx.URL):
        return f"{value.scheme}://{value.host}/…"
    return value


_FILTER = _HideHookUrls()


@dataclass(frozen=True)
class HttpTransport:
    """The real one: httpx, redirects not followed; connecting, sending and each read
    bounded by ``timeout``; only public addresses unless ``allow_private``."""

    allow_private: bool = False

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        import httpx

        if urlsplit(url).scheme not in ("http", "https"):
            raise DeliveryFailed("only http and https URLs are sent to", permanent=True)
        if not self.allow_private:
            check_destination(url)
        logging.getLogger("httpx").addFilter(_FILTER)  # once: a filter is added only once
        _posting.active = True
        try:
            with httpx.Client(timeout=timeout, follow_redirects=False) as client:
                return client.post(url, content=body, headers=dict(headers)).status_code
        except httpx.TimeoutException:
            raise DeliveryFailed(f"no answer within {timeout:g} s") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise DeliveryFailed(f"not a URL to send to: {exc}"[:300], permanent=True) from None
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {redact(str(exc))}"[:300]) from None
        finally:
            _posting.active = False


def new_owner() -> str:
    """host:pid:token, as a voicemail claim's owner is written."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_due(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 50,
    only: Sequence[int] | None = None,
) -> list[int]:
    """Claim up to ``limit`` pending deliveries due at ``now`` for ``owner`` (in this
    transaction); a delivery another sender holds, and has not let expire, is skipped."""
    free = or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now)
    query = (
        select(WebhookDelivery.id, WebhookDelivery.claimed_by)
        .where(
            WebhookDelivery.status == Status.PENDING.value,
            WebhookDelivery.next_attempt_at <= now,
            free,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if only is not None:
        query = query.where(WebhookDelivery.id.in_(list(only)))
    won = []
    for delivery_id, held_by in session.execute(query).all():
        # Compare-and-swap on what was just read: a racing sender that got there first wins.
        same = (
            WebhookDelivery.claimed_by.is_(None)
            if held_by is None
            else WebhookDelivery.claimed_by == held_by
        )
        result = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == Status.PENDING.value,
                same,
                free,
            )
            .values(claimed_by=owner, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            won.append(delivery_id)
    return won


def backoff_seconds(attempts: int, base: float, rng: random.Random) -> float:
    """The wait after the ``attempts``-th failed try: ``base`` doubled each time, between
    half and one and a half of that (so receivers that failed together do not all get
    their retries at once), at most six hours."""
    return min(base * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS) * (0.5 + rng.random())


def request_body(row: WebhookDelivery) -> bytes:
    """What is POSTed: the event, its ids and time, and its ``data``."""
    envelope = {
        "id": str(row.id),
        "event": row.event,
        "event_id": row.event_id,
        "created_at": row.created_at.isoformat(),
        "data": json.loads(row.payload),
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Sent:
    """What one try did."""

    delivery_id: int
    event: str
    status: str  # delivered, pending (to be retried) or failed
    attempts: int
    http_status: int | None
    error: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.delivery_id,
            "event": self.event,
            "status": self.status,
            "attempts": self.attempts,
            "http_status": self.http_status,
            "error": self.error or None,
        }


@dataclass(frozen=True)
class _Prepared:
    url: str
    body: bytes
    secret: str
    event: str


@dataclass
class Sender:
    """Sends the due deliveries of the database at ``url``; ``clock``, ``rng`` and
    ``transport`` are what a test replaces."""

    url: str
    max_attempts: int = 8
    backoff: float = 30.0
    timeout: float = 5.0
    transport: Transport = field(default_factory=HttpTransport)
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)
    owner: str = field(default_factory=new_owner)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=max(60.0, self.timeout * 4))

    def run_once(self, *, only: Sequence[int] | None = None, limit: int = 50) -> list[Sent]:
        """Send every delivery due now (``only``: just these); what each try did."""
        with transaction(self.url) as session:
            ids = claim_due(
                session,
                owner=self.owner,
                now=self.clock(),
                lease=self.lease,
                limit=limit,
                only=only,
            )
        return [sent for delivery_id in ids if (sent := self._send(delivery_id))]

    def _prepare(self, delivery_id: int) -> _Prepared | None:
        with transaction(self.url) as session:
            row = session.get(WebhookDelivery, delivery_id)
            endpoint = session.get(WebhookEndpoint, row.endpoint_id) if row else None
            if row is None or endpoint is None or row.claimed_by != self.owner:
                return None
            return _Prepared(endpoint.url, request_body(row), endpoint.secret, row.event)

    def _send(self, delivery_id: int) -> Sent | None:
        prepared = self._prepare(delivery_id)
        if prepared is None:
            return None
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"Ringback-Webhooks/{__version__}",
            "Ringback-Event": prepared.event,
            "Ringback-Delivery": str(delivery_id),
            HEADER: signature(prepared.secret, prepared.body, int(self.clock().timestamp())),
        }
        status: int | None = None
        permanent = False
        try:
            status = self.transport.post(prepared.url, prepared.body, headers, self.timeout)
            error = "" if 200 <= status < 300 else _refused(status)
        except DeliveryFailed as exc:
            error, permanent = str(exc), exc.permanent
        except Exception as exc:  # one odd delivery must not stop the others (nor keep its lease)
            error = f"unexpected {type(exc).__name__}: {redact(str(exc))}"[:300]
        sent = self._record(delivery_id, status, error, permanent=permanent)
        if sent is None:
            return None
        host = urlsplit(prepared.url).hostname
        log.info(
            "webhook %s (delivery %d) to %s: %s%s",
            prepared.event,
            delivery_id,
            host,
            sent.status,
            f" ({error})" if error else "",
        )
        return sent

    def _record(
        self, delivery_id: int, status: int | None, error: str, *, permanent: bool = False
    ) -> Sent | None:
        now = self.clock()
        with transaction(self.url) as session:
            row = session.get(WebhookDelivery, delivery_id)
            if row is None or row.claimed_by != self.owner:
                # Its webhook was removed meanwhile, or the lease ran out and another
                # sender took it over: that one records its own try.
                return None
            row.attempts += 1
            row.last_status, row.last_error = status, error
            row.claimed_by = row.claimed_until = None
            if not error:
                row.status, row.delivered_at = Status.DELIVERED.value, now
            elif permanent:
                row.status = Status.FAILED.value
            elif row.attempts >= self.max_attempts:
                row.status = Status.FAILED.value
                row.last_error = f"gave up after {plural(row.attempts, 'try', 'tries')}: {error}"
            else:
                wait = backoff_seconds(row.attempts, self.backoff, self.rng)
                row.next_attempt_at = now + timedelta(seconds=wait)
            return Sent(delivery_id, row.event, row.status, row.attempts, status, row.last_error)


def sender_for(settings: Settings, **overrides: Any) -> Sender:
    """The sender the settings describe (``overrides``: a test's clock or transport)."""
    values: dict[str, Any] = {
        "transport": HttpTransport(allow_private=settings.webhook_allow_private),
        "max_attempts": settings.webhook_max_attempts,
        "backoff": settings.webhook_backoff_seconds,
        "timeout": settings.webhook_timeout_seconds,
    }
    return Sender(settings.effective_database_url, **{**values, **overrides})


def _refused(status: int) -> str:
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed (give the final URL)"
    return f"HTTP {status} from the receiver"
