"""Who called, and the callback task every message that asks for one creates.

The task is made when the message is processed (the pipeline's last stage), not when the
user gets round to ``inbox capture``: "every message that asks for a call back creates a
callback task" is a promise about the message, and a task that only exists once the user
has read the message would be no reminder at all. A hang-up with a number (status
``no_message``) creates one too, titled as a missed call.

This stage writes contacts and tasks itself, unlike the media stages, because that is its
whole job; it is idempotent (the message links its task, ``callback_task_id``; the
contact is found again by number), so a resumed pipeline never makes a second task.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from ringback.voicemail.facts import MessageFacts, as_facts
from ringback.voicemail.pipeline.context import VoicemailContext
from ringback.voicemail.pipeline.stages import Stage

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.contacts.models import Contact, FollowUp
    from ringback.voicemail.models import Voicemail

CALLBACK_HOUR = 10  # default due time: 10:00 on the next business day, the user's timezone

_ASKS = re.compile(
    r"\b(?:call\s+(?:me|us|him|her)?\s*back|give\s+(?:me|us)\s+a\s+(?:call|ring|buzz)|"
    r"call\s+me|call\s+us|get\s+back\s+to\s+me|reach\s+me|return\s+my\s+call|ring\s+me|"
    r"hear\s+from\s+you|(?:my|the|our)\s+(?:number|cell|phone)\s+is|you\s+can\s+reach)\b",
    re.IGNORECASE,
)
_NO_CALLBACK = re.compile(
    r"\b(?:no\s+need\s+to\s+call(?:\s+me)?\s+back|don'?t\s+(?:need\s+to\s+)?call\s+(?:me\s+)?back|"
    r"you\s+don'?t\s+have\s+to\s+call)\b",
    re.IGNORECASE,
)


def facts_of(row: Voicemail) -> MessageFacts:
    """The stored facts of a message (empty for one with none: a hang-up, a rejection)."""
    return as_facts(row.facts) or MessageFacts()


def marker(voicemail_id: int) -> str:
    """How tasks and back-story items name the message they came from."""
    return f"voicemail #{voicemail_id}"


def asks_for_callback(text: str, *, spoken_number: bool) -> bool:
    """A request to call back, or a number left to call (which is the same request)."""
    if _NO_CALLBACK.search(text):
        return False
    return spoken_number or bool(_ASKS.search(text))


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def callback_due(
    callback_at: str | None,
    *,
    received_at: datetime,
    tz: tzinfo,
    urgent: bool = False,
) -> datetime:
    """When the callback task is due: at ``callback_at`` (the time the caller asked to be
    called back; a day alone is that day at 10:00, never before the message came in), and
    nothing else said in the message; without one, now when urgent, else the next business
    day at 10:00."""
    local = received_at.astimezone(tz)
    if callback_at:
        try:
            value = datetime.fromisoformat(callback_at)
        except ValueError:
            value = None  # a stored value we cannot read: the default below
        if value is not None and "T" in callback_at:
            return value if value.tzinfo else value.replace(tzinfo=tz)
        if value is not None:
            return max(datetime.combine(value.date(), time(CALLBACK_HOUR), tz), received_at)
    if urgent:
        return received_at
    return datetime.combine(next_business_day(local.date()), time(CALLBACK_HOUR), tz)


def caller_numbers(row: Voicemail, region: str) -> list[tuple[str, str]]:
    """(E.164, label) for the numbers this message came with: caller ID, then the spoken one."""
    from ringback.phones import e164_or_none

    out: list[tuple[str, str]] = []
    said = facts_of(row).callback_number
    for raw, label in ((row.from_number, "caller id"), (said, "callback")):
        number = e164_or_none(raw, region)
        if number and number not in [n for n, _ in out]:
            out.append((number, label))
    return out


def known_caller(
    url: str, numbers: Iterable[str | None], region: str
) -> tuple[str, str | None] | None:
    """(name, company) of the contact one of these numbers belongs to, the first number
    first (caller ID, then the number said), or None. Read-only."""
    from ringback.contacts.service import find_by_phone
    from ringback.db.session import session_factory
    from ringback.phones import e164_or_none

    wanted = [n for raw in numbers if (n := e164_or_none(raw, region))]
    if not wanted:
        return None
    with session_factory(url)() as session:
        found = find_by_phone(session, numbers=wanted)
        return (found.name, found.company) if found is not None else None


def display_name(row: Voicemail, region: str, contact_name: str | None = None) -> str | None:
    """The caller as a person would name them: said name, caller-ID name, the matched
    contact's name, company, number."""
    from ringback.phones import pretty

    facts = facts_of(row)
    said = (facts.caller_name, row.caller_name, contact_name, facts.company)
    for value in said:
        if value and str(value).strip():
            return str(value).strip()
    numbers = caller_numbers(row, region)
    return pretty(numbers[0][0]) if numbers else None


def contact_for(
    session: Session, row: Voicemail, *, region: str, lead: bool = False
) -> tuple[Contact | None, bool]:
    """The caller's contact, matched by number (E.164), else a new one (a Lead when ``lead``
    or the message reads as a prospect); (None, False) when there is nothing to know them
    by. Returns (contact, created)."""
    from ringback.contacts.models import Contact
    from ringback.contacts.service import get_or_create_by_phone

    if row.contact_id is not None:
        known = session.get(Contact, row.contact_id)
        if known is not None:
            return known, False
    numbers = caller_numbers(row, region)
    facts = facts_of(row)
    if not numbers and not facts.caller_name:
        return None, False
    return get_or_create_by_phone(
        session,
        numbers=numbers,
        name=display_name(row, region),
        company=facts.company,
        is_lead=lead or facts.is_prospect,
    )


def callback_task(session: Session, row: Voicemail) -> FollowUp | None:
    """The callback task this message created, by its link (None if none, or deleted)."""
    from ringback.contacts.models import FollowUp

    if row.callback_task_id is None:
        return None
    return session.get(FollowUp, row.callback_task_id)


def task_title(row: Voicemail, name: str, *, missed: bool) -> str:
    if missed or not row.facts:
        return f"Missed call from {name}, no message ({marker(row.id)})"
    summary = facts_of(row).summary or "left a message"
    return f"Call back {name}: {summary} ({marker(row.id)})"[:500]


def ensure_task(
    session: Session, row: Voicemail, contact: Contact, settings: Settings, *, missed: bool
) -> tuple[FollowUp, bool]:
    """The callback task for this message on ``contact``; (task, created)."""
    from ringback.contacts.models import FollowUp

    existing = callback_task(session, row)
    if existing is not None:
        return existing, False
    due = facts_of(row).callback_due
    if due is None:  # a missed call: like any plain request, the next business morning
        due = callback_due(None, received_at=row.received_at, tz=settings.tz)
    task = FollowUp(
        contact_id=contact.id, title=task_title(row, contact.name, missed=missed), due_at=due
    )
    session.add(task)
    session.flush()
    row.callback_task_id = task.id
    return task, True


def wants_task(row: Voicemail, *, missed: bool) -> bool:
    if row.facts and not missed:
        return facts_of(row).asks_callback
    # No transcript: a hang-up. Worth a call back only if we know who it was.
    return bool(row.from_number)


class FollowUpStage(Stage):
    """Last stage: match the caller to a contact and create the callback task."""

    name = "follow_up"

    def __init__(self, url: str, settings: Settings) -> None:
        self.url = url
        self.settings = settings

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        # The runner asks for output() right after run(), in the same thread: keep it here.
        self._last = record_follow_up(self.url, ctx, self.settings)
        return ctx

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return dict(getattr(self, "_last", {}))

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return ctx


def record_follow_up(url: str, ctx: VoicemailContext, settings: Settings) -> dict[str, Any]:
    from ringback.contacts.service import find_by_phone
    from ringback.db.session import transaction
    from ringback.lines import LineKind, line_kind
    from ringback.voicemail.models import Voicemail

    region = settings.default_region
    with transaction(url) as session:
        row = session.get(Voicemail, ctx.voicemail_id)
        if row is None:
            raise LookupError(f"no voicemail {ctx.voicemail_id}")
        # The stages' results reach the row only when the run ends; use the live ones.
        if ctx.facts is not None:
            row.facts = ctx.facts.to_json()
        missed = ctx.no_message
        # A call to the prospect line always gets a (Lead) contact and a callback task:
        # seed 003, "deal with that well, and separately".
        prospect = line_kind(row.to_number, settings) is LineKind.PROSPECT
        if not (prospect or wants_task(row, missed=missed)):
            numbers = [n for n, _ in caller_numbers(row, region)]
            found = find_by_phone(session, numbers=numbers)
            if found is not None:
                row.contact_id = found.id
                note_return(session, row, found.id, settings)
            return {"task": None, "contact_id": row.contact_id, "reason": "no callback asked"}
        contact, created = contact_for(session, row, region=region, lead=prospect)
        if contact is None:
            return {"task": None, "contact_id": None, "reason": "caller unknown, no number"}
        row.contact_id = contact.id
        if not created:
            note_return(session, row, contact.id, settings)
        task, _ = ensure_task(session, row, contact, settings, missed=missed)
        return {
            "task": task.id,
            "contact_id": contact.id,
            "created_contact": created,
            "due_at": task.due_at.isoformat() if task.due_at else None,
        }


def note_return(session: Session, row: Voicemail, contact_id: int, settings: Settings) -> None:
    """A known contact called us: their open attempts (voicemails we left, unanswered
    calls, emails) count as returned. Keyed by the message, so a re-run counts it once."""
    from ringback.tracking.events import record_inbound
    from ringback.tracking.models import Channel, EventSource

    record_inbound(
        session,
        contact_id=contact_id,
        channel=Channel.VOICEMAIL,
        at=row.received_at,
        key=f"inbox:{marker(row.id)}",
        source=EventSource.INBOX,
        settings=settings,
        timeline=False,  # the voicemail is already the contact's record of this call
    )
