"""What every mail transport promises, and the one error they raise."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Protocol, runtime_checkable


class MailDeliveryError(Exception):
    """A message was not accepted.

    ``permanent`` means retrying the same message cannot help (the server refused it
    with a 5xx reply); the outbox parks such messages in ``failed/`` at once instead of
    retrying them, but still keeps them. ``unreachable`` means the failure is not about this
    message (server down, login refused, no STARTTLS), so a flush stops instead of
    waiting out the same failure for every queued message. Messages never carry secrets: transports build them from host, port
    and user only.
    """

    def __init__(self, message: str, *, permanent: bool = False, unreachable: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable


class MailConfigError(ValueError):
    """The mail settings cannot work (e.g. an SMTP host but nobody to send to)."""


@runtime_checkable
class Mailer(Protocol):
    """Hands one finished message to somewhere that keeps it.

    The message arrives as the exact bytes spooled in the outbox (CRLF line ends, 7-bit
    clean), so what was made durable is what gets delivered, and a 10 MB attachment is
    not parsed and re-serialised on every attempt. ``send`` returns only once the
    destination has accepted responsibility for the message (SMTP 250 after DATA, or
    the file renamed into a Maildir); anything else raises :class:`MailDeliveryError`.
    """

    @property
    def description(self) -> str:
        """Where mail goes, for logs and status output (never includes secrets)."""
        ...

    def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> None: ...


def message_bytes(message: EmailMessage) -> bytes:
    """The wire form: CRLF line ends, as SMTP requires (bare LFs get mail rejected)."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def envelope(headers: Message) -> tuple[str, list[str]]:
    """Envelope sender and recipients from the From/To/Cc headers."""
    senders = [addr for _, addr in getaddresses([str(headers.get("From", ""))]) if addr]
    if not senders:
        raise MailDeliveryError(
            "message has no From address (set RINGBACK_SMTP_FROM)", permanent=True
        )
    fields = [str(v) for name in ("To", "Cc") for v in headers.get_all(name, [])]
    recipients = [addr for _, addr in getaddresses(fields) if addr]
    if not recipients:
        raise MailDeliveryError("message has no recipients (set RINGBACK_SMTP_TO)", permanent=True)
    return senders[0], recipients


def send_message(mailer: Mailer, message: EmailMessage) -> None:
    """Send an in-memory message directly (no outbox): ``ringback mail test`` uses it."""
    sender, recipients = envelope(message)
    mailer.send(message_bytes(message), sender=sender, recipients=recipients)


def key_digest(key: str) -> str:
    """A stable hex digest of an idempotency key, safe for file names and Message-IDs."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


_DOMAIN_OK = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def message_id_for(key: str, domain: str = "ringback.invalid") -> str:
    """``<voicemail-42.3f1c…@example.com>``: the same key always yields the same Message-ID.

    Mail clients (and Gmail) collapse messages with one Message-ID, so even the rare
    duplicate that SMTP cannot rule out (connection lost after the server queued the
    message but before it said so) shows up once.
    """
    if not _DOMAIN_OK.match(domain):
        domain = "ringback.invalid"
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", key).strip("-.")[:40] or "mail"
    return f"<{slug}.{key_digest(key)[:24]}@{domain}>"


HEADER_END = re.compile(rb"\r?\n\r?\n")


def parse_headers(raw: bytes) -> Message:
    """Parse only the header block (the parser would otherwise read the whole body)."""
    end = HEADER_END.search(raw)
    return BytesHeaderParser(policy=default_policy).parsebytes(raw[: end.end()] if end else raw)


def sender_domain(message: EmailMessage) -> str:
    """The From address's domain, for the Message-ID (``ringback.invalid`` without one)."""
    for _, addr in getaddresses([str(message.get("From", ""))]):
        if "@" in addr:
            return addr.rsplit("@", 1)[1]
    return "ringback.invalid"
