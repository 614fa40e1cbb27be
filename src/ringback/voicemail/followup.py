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

from ringback.voicemail.callers import (
    Filing,
    caller_numbers,
    display_name,
    facts_of,
    file_message,
    marker,
)
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


def act_for_owner(session: Session, owner_id: int | None) -> None:
    """Bind ``session`` to the user ``owner_id`` (nothing for None: the system)."""
    from ringback.accounts.models import User
    from ringback.accounts.scope import bind_actor
    from ringback.accounts.service import UserView

    user = session.get(User, owner_id) if owner_id is not None else None
    if user is not None:
        bind_actor(session, UserView.of(user))


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
    session: Session,
    row: Voicemail,
    contact: Contact | None,
    settings: Settings,
    *,
    missed: bool,
) -> tuple[FollowUp, bool]:
    """The callback task for this message, on ``contact`` or (None) on nobody yet;
    (task, created)."""
    from sqlalchemy import insert

    from ringback.contacts.models import FollowUp

    existing = callback_task(session, row)
    if existing is not None:
        return existing, False
    due = facts_of(row).callback_due
    if due is None:  # a missed call: like any plain request, the next business morning
        due = callback_due(None, received_at=row.received_at, tz=settings.tz)
    name = contact.name if contact else display_name(row, settings.default_region)
    if missed:  # the number, which is all a hang-up tells
        name = _with_number(row, settings.default_region, contact.name if contact else None)
    values = {
        "owner_id": row.owner_id,  # the message's user: the task is in their Today
        "contact_id": contact.id if contact else None,
        "title": task_title(row, name or "unknown caller", missed=missed),
        "due_at": due,
    }
    # Inserted as a row, not an ORM object: an unattached task is no orphan to cascade.
    task_id = session.execute(insert(FollowUp).values(**values).returning(FollowUp.id)).scalar_one()
    row.callback_task_id = task_id
    task = session.get(FollowUp, task_id)
    assert task is not None
    return task, True


def _with_number(row: Voicemail, region: str, name: str | None) -> str:
    """ "+1 650-555-0199", or "Karen Lopez (+1 650-555-0199)" when the number is hers."""
    from ringback.phones import pretty

    numbers = caller_numbers(row, region)
    number = pretty(numbers[0][0]) if numbers else "an unknown number"
    return f"{name} ({number})" if name else number


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
    from ringback.lines import CalledLine, LineKind, message_line
    from ringback.voicemail.models import Voicemail

    region = settings.default_region
    with transaction(url) as session:
        row = session.get(Voicemail, ctx.voicemail_id)
        if row is None:
            raise LookupError(f"no voicemail {ctx.voicemail_id}")
        # From here on, act as the message's user: the caller is found among their
        # contacts, and the contact, task and events made are theirs.
        act_for_owner(session, row.owner_id)
        # The stages' results reach the row only when the run ends; use the live ones.
        if ctx.facts is not None:
            row.facts = ctx.facts.to_json()
        if ctx.no_message:  # a hang-up or silence: a missed-call task, never a contact
            return missed_call(session, row, settings)
        # A call to the prospect line always gets a (Lead) contact and a callback task:
        # seed 003, "deal with that well, and separately".
        line = message_line(CalledLine.of(row.to_number, row.source_meta), settings)
        prospect = line is LineKind.PROSPECT
        if not (prospect or wants_task(row, missed=False)):
            numbers = [n for n, _ in caller_numbers(row, region)]
            found = find_by_phone(session, numbers=numbers)
            if found is not None:
                row.contact_id = found.id
                note_return(session, row, found.id, settings)
            return {"task": None, "contact_id": row.contact_id, "reason": "no callback asked"}
        filing = file_message(session, row, region=region, lead=prospect)
        return _task_for(session, row, filing, settings)


def _task_for(
    session: Session, row: Voicemail, filing: Filing, settings: Settings
) -> dict[str, Any]:
    """The callback task of a message that asks for one, on its contact, or unattached
    with a merge proposed when the caller only probably is someone on file."""
    contact = filing.contact
    if contact is None and not filing.proposed:
        return {"task": None, "contact_id": None, "reason": "caller unknown, no number"}
    if contact is not None:
        row.contact_id = contact.id
        if not filing.created:
            note_return(session, row, contact.id, settings)
    task, _ = ensure_task(session, row, contact, settings, missed=False)
    return {
        "task": task.id,
        "contact_id": row.contact_id,
        "created_contact": filing.created,
        "proposed_merge": [m.contact_id for m in filing.proposed],
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


def missed_call(session: Session, row: Voicemail, settings: Settings) -> dict[str, Any]:
    """A call with no message: a "Missed call from +1 …" task linked to the message, on
    the contact who holds the number if one does, else on nobody. No contact is made: a
    number that hung up is not yet a person worth a record."""
    from ringback.contacts.service import find_by_phone

    numbers = [n for n, _ in caller_numbers(row, settings.default_region)]
    if not numbers:
        return {"task": None, "contact_id": None, "reason": "caller unknown, no number"}
    found = find_by_phone(session, numbers=numbers)
    if found is not None:
        row.contact_id = found.id
        note_return(session, row, found.id, settings)
    task, _ = ensure_task(session, row, found, settings, missed=True)
    return {"task": task.id, "contact_id": row.contact_id, "created_contact": False}


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
