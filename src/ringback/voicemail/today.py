"""The Today page's lists: callbacks due (the tasks voicemails created), other calls to
make (open follow-up tasks due), voicemails not read yet, and follow-up emails waiting
for approval. Each list is one query, however big the book is.

It lives in ``voicemail`` because a callback is a task a message created
(``Voicemail.callback_task_id``): this is the lowest room that sees both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from ringback.contacts.models import Contact, FollowUp
from ringback.contacts.search import first_phone_of_contact
from ringback.db.paging import Limited
from ringback.tracking.today import WaitingDraft, drafts_waiting
from ringback.voicemail.facts import MessageFacts, as_facts
from ringback.voicemail.followup import display_name, facts_of
from ringback.voicemail.models import Voicemail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LIMIT = 20


@dataclass(frozen=True)
class DueCall:
    """An open task to call someone, due by the end of today."""

    task_id: int
    contact_id: int
    contact_name: str
    title: str
    due_at: datetime | None
    overdue: bool
    number: str | None  # E.164: the number the caller said, else the contact's first
    extension: str | None
    voicemail_id: int | None  # the message that asked for it (callbacks only)


@dataclass(frozen=True)
class UnreadVoicemail:
    id: int
    caller: str
    summary: str
    received_at: datetime


@dataclass(frozen=True)
class TodayAgenda:
    callbacks: tuple[DueCall, ...]
    calls: tuple[DueCall, ...]
    unread: Limited[UnreadVoicemail]
    drafts: Limited[WaitingDraft]


def end_of_day(now: datetime, tz: tzinfo) -> datetime:
    """Midnight at the end of ``now``'s day where the user is."""
    local = now.astimezone(tz)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tz)


def _due_tasks(session: Session, *, now: datetime, until: datetime, limit: int) -> list[DueCall]:
    # The tasks first, on ids alone: SQLite works out every selected column of every open
    # task before it sorts and cuts (a phone subquery and a facts document each), which
    # cost the page a second with a thousand tasks open.
    ids = list(
        session.scalars(
            select(FollowUp.id)
            .join(Contact, Contact.id == FollowUp.contact_id)
            .where(FollowUp.done_at.is_(None), FollowUp.due_at < until)
            .order_by(FollowUp.due_at, FollowUp.id)
            .limit(limit * 2)
        )
    )
    if not ids:
        return []
    first_phone = first_phone_of_contact()
    rows = session.execute(
        select(FollowUp, Contact.name, first_phone)
        .join(Contact, Contact.id == FollowUp.contact_id)
        .where(FollowUp.id.in_(ids))
        .order_by(FollowUp.due_at, FollowUp.id)
    ).all()
    # The messages that asked for them, by the indexed link (a join let the planner read
    # the voicemails table, transcripts and all, from end to end).
    asked = {
        task_id: (voicemail_id, stored)
        for task_id, voicemail_id, stored in session.execute(
            select(Voicemail.callback_task_id, Voicemail.id, Voicemail.facts).where(
                Voicemail.callback_task_id.in_(ids)
            )
        )
    }
    calls = []
    for task, name, phone in rows:
        voicemail_id, stored = asked.get(task.id, (None, None))
        said = (as_facts(stored) or MessageFacts()) if voicemail_id is not None else None
        calls.append(
            DueCall(
                task_id=task.id,
                contact_id=task.contact_id,
                contact_name=name,
                title=task.title,
                due_at=task.due_at,
                overdue=task.due_at is not None and task.due_at < now,
                number=(said.callback_number if said else None) or phone,
                extension=said.callback_extension if said and said.callback_number else None,
                voicemail_id=voicemail_id,
            )
        )
    return calls


def _unread(session: Session, *, region: str, limit: int) -> Limited[UnreadVoicemail]:
    unread = Voicemail.read_at.is_(None)
    rows = session.execute(
        select(Voicemail, Contact.name)
        .options(
            load_only(
                Voicemail.id,
                Voicemail.received_at,
                Voicemail.from_number,
                Voicemail.caller_name,
                Voicemail.facts,
                Voicemail.status,
            )
        )
        .outerjoin(Contact, Contact.id == Voicemail.contact_id)
        .where(unread)
        .order_by(Voicemail.received_at.desc(), Voicemail.id.desc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(Voicemail).where(unread)) or 0
    items = tuple(
        UnreadVoicemail(
            id=row.id,
            caller=(name or "").strip() or display_name(row, region) or "unknown caller",
            summary=facts_of(row).summary.strip(),
            received_at=row.received_at,
        )
        for row, name in rows
    )
    return Limited(items, total)


def today_agenda(
    session: Session, *, now: datetime, tz: tzinfo, region: str, limit: int = LIMIT
) -> TodayAgenda:
    """What needs doing today, as of ``now`` in timezone ``tz``: callbacks and other calls
    due by the end of the day (overdue first), unread voicemails (newest first), drafted
    follow-up emails waiting for approval."""
    tasks = _due_tasks(session, now=now, until=end_of_day(now, tz), limit=limit)
    unread = _unread(session, region=region, limit=limit)
    return TodayAgenda(
        callbacks=tuple(t for t in tasks if t.voicemail_id is not None)[:limit],
        calls=tuple(t for t in tasks if t.voicemail_id is None)[:limit],
        unread=unread,
        drafts=drafts_waiting(session, limit=limit),
    )
