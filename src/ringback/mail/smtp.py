"""Sending through an SMTP server with smtplib: plain, STARTTLS or implicit TLS."""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence

from pydantic import SecretStr

from ringback.mail.protocol import MailDeliveryError

log = logging.getLogger("ringback.mail.smtp")

SECURITIES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class SmtpMailer:
    """One connection per message: voicemails are rare enough that keeping a session
    open would only add stale-connection failures."""

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        security: str = "starttls",
        user: str = "",
        password: SecretStr | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if security not in SECURITIES:
            raise ValueError(f"unknown SMTP security {security!r}; use none, starttls or ssl")
        if not host:
            raise ValueError("SMTP host is empty")
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.user = user
        # Kept as SecretStr so that repr(), logging and tracebacks show '**********'.
        self._password = password
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._local_hostname = local_hostname

    def __repr__(self) -> str:
        return f"SmtpMailer({self.description})"

    @property
    def description(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"smtp://{who}{self.host}:{self.port} ({self.security})"

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
        )

    def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> None:
        recipients = list(recipients)
        where = f"{self.host}:{self.port}"
        try:
            smtp = self._connect()
        except ConnectionRefusedError:
            raise MailDeliveryError(
                f"cannot connect to SMTP server {where}: connection refused "
                "(is it running? check RINGBACK_SMTP_HOST and RINGBACK_SMTP_PORT)",
                unreachable=True,
            ) from None
        except ssl.SSLError as exc:
            raise MailDeliveryError(
                f"TLS handshake with SMTP server {where} failed: {exc.reason or exc} "
                "(does the port speak implicit TLS? RINGBACK_SMTP_SECURITY=ssl needs one that does)",
                unreachable=True,
            ) from None
        except TimeoutError:
            raise MailDeliveryError(
                f"SMTP server {where} did not answer within {self.timeout:g} s",
                unreachable=True,
            ) from None
        except socket.gaierror as exc:
            raise MailDeliveryError(
                f"cannot resolve SMTP host {self.host!r}: {exc}", unreachable=True
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailDeliveryError(
                f"cannot connect to SMTP server {where}: {exc}", unreachable=True
            ) from None
        try:
            with smtp:
                self._secure_and_login(smtp, where)
                refused = smtp.sendmail(sender, recipients, raw)
        except MailDeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailDeliveryError(
                f"SMTP server {where} refused every recipient: "
                + "; ".join(
                    f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items()
                ),
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise MailDeliveryError(
                f"SMTP server {where} refused the message: {exc.smtp_code} {_text(exc.smtp_error)}",
                permanent=exc.smtp_code >= 500,
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailDeliveryError(f"SMTP conversation with {where} failed: {exc}") from None
        if refused:
            # Some recipients took it: the message is delivered and must not be resent
            # (that would duplicate it for the others), so only warn.
            log.warning(
                "SMTP server %s refused some recipients: %s", where, ", ".join(sorted(refused))
            )
        log.info("SMTP server %s accepted mail for %s", where, ", ".join(recipients))

    def _secure_and_login(self, smtp: smtplib.SMTP, where: str) -> None:
        smtp.ehlo()
        if self.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise MailDeliveryError(
                    f"SMTP server {where} does not offer STARTTLS; use RINGBACK_SMTP_SECURITY=ssl "
                    "for an implicit-TLS port, or =none only on a trusted network",
                    unreachable=True,
                )
            try:
                smtp.starttls(context=self._context())
            except ssl.SSLError as exc:
                raise MailDeliveryError(
                    f"STARTTLS with SMTP server {where} failed: {exc.reason or exc}",
                    unreachable=True,
                ) from None
            smtp.ehlo()
        if not self.user:
            return
        if not smtp.has_extn("auth"):
            hint = " before STARTTLS" if self.security == "none" else ""
            raise MailDeliveryError(
                f"SMTP server {where} does not offer login (AUTH){hint}; "
                "check RINGBACK_SMTP_SECURITY, or leave RINGBACK_SMTP_USER empty",
                unreachable=True,
            )
        password = self._password.get_secret_value() if self._password else ""
        try:
            smtp.login(self.user, password)
        except smtplib.SMTPAuthenticationError as exc:
            # Not permanent: the fix is in the settings, and after it the queued mail
            # should go out on the next flush without anyone re-queueing it.
            raise MailDeliveryError(
                f"SMTP server {where} rejected the login for user {self.user!r}: "
                f"{exc.smtp_code} {_text(exc.smtp_error)} "
                "(check RINGBACK_SMTP_USER and RINGBACK_SMTP_PASSWORD)",
                unreachable=True,
            ) from None
        except smtplib.SMTPException as exc:
            raise MailDeliveryError(
                f"login to SMTP server {where} as {self.user!r} failed: {exc}",
                unreachable=True,
            ) from None


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
