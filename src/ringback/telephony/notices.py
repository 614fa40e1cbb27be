"""The email that says a voicemail exists but could not be fetched (or was refused).

Sent through the same durable outbox as voicemail emails, once per recording (the key
names the RecordingSid), to the owner, and for a prospect line to its address as well.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

from ringback.lines import LineKind, notify_recipients

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.telephony.models import TelephonyRecording


def failure_key(recording_sid: str) -> str:
    """The notice's outbox key. Twilio's RecordingSid, not a database id: Twilio assigns it
    once for all time, so a new database on the same data directory never mistakes another
    recording's notice for this one, and the same recording is never announced twice."""
    return f"twilio-recording-failed-{recording_sid}"


def build_fetch_failure(
    row: TelephonyRecording, settings: Settings, reason: str, *, now: datetime | None = None
) -> EmailMessage:
    from ringback.mail.compose import one_line, recipients, sender
    from ringback.mail.protocol import message_id_for
    from ringback.mail.render import local_time
    from ringback.phones import pretty

    caller = pretty(row.from_number) if row.from_number else "an unknown caller"
    if row.caller_name:
        caller = f"{one_line(row.caller_name)} ({caller})"
    prospect = row.line == LineKind.PROSPECT
    subject = ("[Prospect] " if prospect else "") + (
        f"A voicemail could not be fetched: call from {caller}"
    )
    # The owner always hears of it; a prospect line's own address too.
    to = list(
        dict.fromkeys([*recipients(settings).split(", "), *notify_recipients(settings, row.line)])
    )
    from_header = sender(settings)
    msg = EmailMessage()
    msg["Subject"] = one_line(subject)[:200]
    msg["From"] = from_header
    msg["To"] = ", ".join(to)
    msg["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(settings.tz))
    domain = (
        from_header.rsplit("@", 1)[-1].rstrip(">") if "@" in from_header else "ringback.invalid"
    )
    msg["Message-ID"] = message_id_for(failure_key(row.recording_sid), domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["Importance"] = "high"
    msg["X-Priority"] = "1"
    lines = [
        "Someone left you a voicemail, but Ringback could not fetch the recording from Twilio.",
        "",
        f"Why:        {one_line(reason)}",
        f"Caller:     {caller}",
        f"Line:       {row.line}" + (f" ({pretty(row.to_number)})" if row.to_number else ""),
        f"Received:   {local_time(row.received_at, settings.tz)}",
        f"Length:     {row.duration} s" if row.duration is not None else "Length:     unknown",
        f"Recording:  {row.recording_sid}",
        f"Call:       {row.call_sid or 'unknown'}",
        f"Audio URL:  {row.recording_url or 'unknown'}",
        f"Attempts:   {row.attempts}",
        "",
        "The details are kept. Listen to it in the Twilio console, or fetch it again with:",
        f"  ringback telephony retry {row.recording_sid}",
    ]
    if row.from_number:
        lines[2:2] = [f"Call back:  tel:{row.from_number}", ""]
    msg.set_content("\n".join(lines) + "\n", cte="quoted-printable")
    return msg


def send_fetch_failure(row: TelephonyRecording, settings: Settings, reason: str) -> str:
    """Spool and try to send the notice; returns its outbox key (idempotent per SID)."""
    from ringback.mail import outbox_from_settings

    key = failure_key(row.recording_sid)
    outbox = outbox_from_settings(settings)
    known = outbox.status(key)
    if known is not None:
        outbox.attempt_if_due(known)
        return key
    outbox.deliver(key, build_fetch_failure(row, settings, reason))
    return key
