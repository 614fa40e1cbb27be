"""Email delivery: compose the voicemail email, spool it, send it (SMTP or Maildir).

The pipeline's notify stage needs one call::

    result = deliver_voicemail(VoicemailEmailInput(...), settings=settings)

It is idempotent per ``vm.idempotency_key``: call it again after a crash or on a re-run
and no second email goes out. The key must be unique for all time (the pipeline's holds
the voicemail's random uid): the outbox outlives any one database, whose ids start over. ``result.status``:
SENT / ALREADY_SENT (done), QUEUED (spooled on disk; a later ``flush_outbox`` sends
it), FAILED (parked in outbox/failed, kept; ``ringback mail retry-failed``).
A worker loop calls ``flush_outbox(settings)``; ``Outbox.next_due()`` says when.
"""

from ringback.mail.compose import build_voicemail_email
from ringback.mail.maildir import MaildirMailer
from ringback.mail.model import AudioFile, MentionedDate, VoicemailEmailInput
from ringback.mail.outbox import Outbox
from ringback.mail.protocol import MailConfigError, MailDeliveryError, Mailer, message_id_for
from ringback.mail.results import DeliveryResult, DeliveryStatus, FlushReport
from ringback.mail.service import (
    deliver_spooled,
    deliver_voicemail,
    flush_outbox,
    mailer_from_settings,
    outbox_from_settings,
    spool_voicemail,
)
from ringback.mail.smtp import SmtpMailer

__all__ = [
    "AudioFile",
    "DeliveryResult",
    "DeliveryStatus",
    "FlushReport",
    "MailConfigError",
    "MailDeliveryError",
    "MaildirMailer",
    "Mailer",
    "MentionedDate",
    "Outbox",
    "SmtpMailer",
    "VoicemailEmailInput",
    "build_voicemail_email",
    "deliver_spooled",
    "deliver_voicemail",
    "flush_outbox",
    "mailer_from_settings",
    "message_id_for",
    "outbox_from_settings",
    "spool_voicemail",
]
