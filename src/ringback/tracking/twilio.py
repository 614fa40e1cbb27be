"""Twilio call status callbacks → logged calls.

A pure function for the web server's route (which verifies ``X-Twilio-Signature`` before
calling it): the form parameters go in, one logged call (or a reason it was ignored)
comes out. Idempotent on ``CallSid``: Twilio retries callbacks and sends one per status
change, and a call must count once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from ringback.tracking.models import EventSource, Outcome, Way

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.tracking.events import Logged

# Statuses after which nothing more happens to the call; earlier ones (queued, ringing,
# in-progress) are not outcomes yet.
FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Answering-machine detection says a machine picked up: our message went to voicemail.
MACHINE = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
)


@dataclass(frozen=True)
class StatusResult:
    logged: Logged | None
    reason: str  # "logged", "duplicate", or why nothing was logged


def outcome_for(status: str, answered_by: str) -> Outcome:
    if status == "completed":
        return Outcome.VOICEMAIL if answered_by in MACHINE else Outcome.CONNECTED
    return Outcome.NO_ANSWER  # busy, no-answer, failed, canceled: nobody was reached


def _when(params: Mapping[str, str]) -> datetime | None:
    raw = params.get("Timestamp", "").strip()  # RFC 2822, e.g. "Mon, 23 Nov 2026 14:02:11 +0000"
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else None


def record_call_status(
    session: Session, params: Mapping[str, str], *, settings: Settings
) -> StatusResult:
    """Log a finished call from Twilio's status callback parameters.

    Direction ``inbound`` matches the contact by ``From``, ``outbound-api`` /
    ``outbound-dial`` by ``To`` (E.164, read with the default region). Unknown numbers
    and unfinished statuses are ignored with a reason, never an error: the route should
    still answer 200, or Twilio retries for nothing.
    """
    from ringback.contacts.service import find_by_phone
    from ringback.db.base import utcnow
    from ringback.phones import to_e164
    from ringback.tracking.events import log_call

    sid = params.get("CallSid", "").strip()
    status = params.get("CallStatus", "").strip().lower()
    if not sid:
        return StatusResult(None, "no CallSid")
    if status not in FINAL:
        return StatusResult(None, f"status {status or 'missing'} is not final")
    raw_direction = params.get("Direction", "").strip().lower()
    if raw_direction == "inbound":
        direction, number = Way.INBOUND, params.get("From", "")
    elif raw_direction.startswith("outbound"):
        direction, number = Way.OUTBOUND, params.get("To", "")
    else:
        return StatusResult(None, f"unknown direction {raw_direction or 'missing'}")
    try:
        e164 = to_e164(number, settings.default_region)
    except ValueError:
        return StatusResult(None, "no usable phone number")
    contact = find_by_phone(session, numbers=[e164])
    if contact is None:
        return StatusResult(None, "unknown contact")
    outcome = outcome_for(status, params.get("AnsweredBy", "").strip().lower())
    logged = log_call(
        session,
        contact_id=contact.id,
        direction=direction,
        outcome=outcome,
        at=_when(params) or utcnow(),
        key=f"twilio:{sid}",
        source=EventSource.TWILIO,
        settings=settings,
    )
    return StatusResult(logged, "logged" if logged.created else "duplicate")


__all__ = ["FINAL", "StatusResult", "outcome_for", "record_call_status"]
