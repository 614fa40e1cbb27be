"""Wiring from settings: which mailer, which outbox, and the two calls the rest of
Ringback needs (deliver a voicemail email, flush the outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ringback.config import Settings
from ringback.mail.compose import build_voicemail_email
from ringback.mail.maildir import MaildirMailer
from ringback.mail.model import VoicemailEmailInput
from ringback.mail.outbox import DeliveryResult, FlushReport, Outbox
from ringback.mail.protocol import MailConfigError, Mailer
from ringback.mail.results import DeliveryStatus
from ringback.mail.smtp import SmtpMailer


def mailer_from_settings(settings: Settings) -> Mailer:
    """SMTP when a host is set; otherwise a Maildir in the data directory, so the
    default install delivers somewhere real without any server.

    Raises :class:`MailConfigError` when SMTP is set up but cannot address a message:
    better to stop the pipeline's notify stage (which retries) than to queue mail with
    a placeholder address that a real server would refuse.
    """
    if settings.smtp_host:
        if not (settings.smtp_to.strip() or settings.owner_email.strip()):
            raise MailConfigError(
                "RINGBACK_SMTP_HOST is set but there is nobody to send to: "
                "set RINGBACK_SMTP_TO (or RINGBACK_OWNER_EMAIL)"
            )
        if not (settings.smtp_from.strip() or settings.owner_email.strip()):
            raise MailConfigError(
                "RINGBACK_SMTP_HOST is set but there is no sender address: "
                "set RINGBACK_SMTP_FROM (or RINGBACK_OWNER_EMAIL)"
            )
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )
    return MaildirMailer(settings.data_dir / "mail")


def withdraw(settings: Settings, keys: Iterable[str], *, dry_run: bool = False) -> int:
    """How many of the messages spooled under ``keys`` are still in the outbox unsent
    (queued, or parked as failed); unless ``dry_run`` they are dropped now: mail about
    something deleted is never sent after it (:meth:`Outbox.cancel`). Works while the mail
    settings are broken too: only sending needs them, and the spool stays on disk."""
    outbox = Outbox(settings.data_dir / "outbox", MaildirMailer(settings.data_dir / "mail"))
    if not dry_run:
        return sum(outbox.cancel(key) for key in keys)
    waiting = (DeliveryStatus.QUEUED, DeliveryStatus.FAILED)
    return sum(1 for k in keys if (known := outbox.status(k)) and known.status in waiting)


#: What "sent" means when no SMTP server is set: the mail is in a folder on this machine,
#: not in anyone's inbox, and the user must not be told otherwise.
LOCAL_MAILBOX = "saved to the local mailbox (no SMTP server set)"


def delivery_words(settings: Settings, status: str | None) -> str:
    """What happened to an email, in the words a person reads: ``sent`` only when an SMTP
    server took it; :data:`LOCAL_MAILBOX` when it went to the local Maildir."""
    if status in ("sent", "already_sent"):
        return "sent" if settings.smtp_host else LOCAL_MAILBOX
    if status == "queued":
        return "queued, will be retried (see `ringback mail status`)"
    return status or "handed over"


def outbox_from_settings(settings: Settings, mailer: Mailer | None = None) -> Outbox:
    return Outbox(
        settings.data_dir / "outbox",
        mailer or mailer_from_settings(settings),
        max_attempts=settings.mail_max_attempts,
        base_delay=settings.mail_retry_seconds,
    )


def deliver_voicemail(
    vm: VoicemailEmailInput, *, settings: Settings, mailer: Mailer | None = None
) -> DeliveryResult:
    """Build, spool and try to send the email for one voicemail.

    Safe to call again for the same voicemail (after a crash, on a re-run): the
    idempotency key makes the second call a no-op. A QUEUED result is not an error:
    the message is on disk and :func:`flush_outbox` will deliver it.
    """
    outbox = outbox_from_settings(settings, mailer)
    known = outbox.status(vm.idempotency_key)
    if known is not None:  # don't build (and base64 the audio) for nothing
        return outbox.attempt_if_due(known)
    return outbox.deliver(vm.idempotency_key, build_voicemail_email(vm, settings=settings))


def spool_voicemail(
    vm: VoicemailEmailInput, *, settings: Settings, mailer: Mailer | None = None
) -> DeliveryResult:
    """Build and spool the email for one voicemail without sending it: a mail worker
    delivers it (:func:`deliver_spooled`). Idempotent like :func:`deliver_voicemail`."""
    outbox = outbox_from_settings(settings, mailer)
    known = outbox.status(vm.idempotency_key)
    if known is not None:
        return known
    return outbox.submit(vm.idempotency_key, build_voicemail_email(vm, settings=settings))


def deliver_spooled(
    key: str, *, settings: Settings, mailer: Mailer | None = None
) -> DeliveryResult | None:
    """Try to send the spooled message ``key`` now (unless it is backing off); None when
    the outbox has never seen it. Sent or parked messages are returned as they stand, so
    a job delivered twice sends one email."""
    outbox = outbox_from_settings(settings, mailer)
    known = outbox.status(key)
    if known is None:
        return None
    try:
        return outbox.attempt_if_due(known)
    except FileNotFoundError:
        # Withdrawn between the two looks (its contact or voicemail deleted just then):
        # there is nothing to send, as if it had never been queued; not a failure to retry.
        return None


def flush_outbox(
    settings: Settings, *, mailer: Mailer | None = None, force: bool = False
) -> FlushReport:
    """Retry queued mail that is due (all of it with ``force``)."""
    return outbox_from_settings(settings, mailer).flush(force=force)


@dataclass(frozen=True)
class TestMessage:
    """A test message sent: to whom, and through what (``mailer.description``)."""

    to: str
    via: str


def mail_destination(settings: Settings) -> str:
    """Where Ringback's mail goes, in words: the SMTP server, or the local mailbox."""
    if settings.smtp_host:
        port = f":{settings.smtp_port}" if settings.smtp_port else ""
        return f"the SMTP server {settings.smtp_host}{port}"
    return f"the local mailbox (no SMTP server set): {settings.data_dir / 'mail'}"


def send_test_message(settings: Settings, *, to: str | None = None) -> TestMessage:
    """Send a short test message now, bypassing the outbox (so an error is seen at once).
    Raises MailConfigError (settings cannot address mail) or MailDeliveryError."""
    from datetime import UTC, datetime
    from email.message import EmailMessage

    from ringback.mail.compose import recipients, sender
    from ringback.mail.protocol import send_message

    mailer = mailer_from_settings(settings)
    msg = EmailMessage()
    msg["Subject"] = "Ringback test message"
    msg["From"] = sender(settings)
    msg["To"] = to or recipients(settings)
    msg["Date"] = datetime.now(UTC)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("If you can read this, Ringback can deliver voicemail emails to you.\n")
    send_message(mailer, msg)
    return TestMessage(str(msg["To"]), mailer.description)
