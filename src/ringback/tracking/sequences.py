"""Follow-up sequences: when a voicemail is not returned, try another medium.

Two ways in. ``start_sequence`` puts a voicemail on a cadence (default day 0 email, day 3
email, day 7 call). ``run_due`` first sweeps for voicemails left without a return for
``followup_business_days`` business days and gives each one a follow-up (an email draft
and a call task on that day), then takes every step that has fallen due:

- an email step writes a draft from the back story and the voicemail's value and next
  step, with a calendar proposal; it is sent through the outbox on approval
  (``approve_step``), or at once with ``followup_auto_send``;
- a call step creates a follow-up task;
- nothing is sent to a contact who opted out, and a sequence stops as soon as the
  contact calls, leaves a voicemail or writes (``stop_for_contact``, called when any
  inbound event is logged; the runner checks again before each step).

Like the rest of the domain these functions never commit. Each step is re-read under a
row lock and taken only if it is still pending, so a sequence edited or stopped while a
run is under way never has a removed step carried out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from ringback.tracking.cadence import (
    DEFAULT_CADENCE,
    Cadence,
    business_days_between,
    contact_zone,
    due_at,
)
from ringback.tracking.drafts import NO_OWNER_EMAIL, owner_from
from ringback.tracking.models import (
    Channel,
    FollowUpSequence,
    FollowUpStep,
    OptOut,
    Outcome,
    OutreachEvent,
    SequenceStatus,
    StepStatus,
    Way,
)
from ringback.tracking.sequence_mail import draft_step, send_step
from ringback.tracking.sequence_state import (
    SequenceError,
    sequence_contact,
    stop_by_id,
    stop_for_contact,
)

if TYPE_CHECKING:
    from ringback.config import Settings

SWEEP_DAYS = 30  # voicemails older than this are history, not something to chase now


def _steps(
    sequence: FollowUpSequence, cadence: Cadence, *, tz: Any, hour: int, start: int = 0
) -> list[FollowUpStep]:
    return [
        FollowUpStep(
            sequence_id=sequence.id,
            position=start + i,
            business_day=day,
            channel=channel,
            due_at=due_at(sequence.started_at, day, tz=tz, hour=hour),
            status=StepStatus.PENDING,
        )
        for i, (day, channel) in enumerate(cadence)
    ]


def start_sequence(
    session: Session,
    *,
    event_id: int,
    settings: Settings,
    cadence: Cadence = DEFAULT_CADENCE,
) -> tuple[FollowUpSequence, bool]:
    """Put a voicemail left on a cadence; (sequence, created). One sequence per voicemail."""
    from ringback.tracking.drafts import value_and_next_step

    event = session.get(OutreachEvent, event_id)
    if event is None or event.direction is not Way.OUTBOUND:
        raise SequenceError(f"no outbound attempt with id {event_id}")
    existing = session.scalars(
        select(FollowUpSequence).where(FollowUpSequence.origin_event_id == event_id)
    ).first()
    if existing is not None:
        return existing, False
    if event.return_seconds is not None:
        raise SequenceError(f"attempt {event_id} was already returned; nothing to follow up")
    contact = sequence_contact(session, event.contact_id)
    value, next_step = value_and_next_step(event.script)
    sequence = FollowUpSequence(
        contact_id=event.contact_id,
        origin_event_id=event.id,
        status=SequenceStatus.ACTIVE,
        value=value,
        next_step=next_step,
        started_at=event.occurred_at,
    )
    session.add(sequence)
    session.flush()
    tz = contact_zone(contact.timezone, settings.tz)
    session.add_all(_steps(sequence, cadence, tz=tz, hour=settings.followup_send_hour))
    session.flush()
    return sequence, True


def edit_sequence(
    session: Session, *, sequence_id: int, cadence: Cadence, settings: Settings
) -> FollowUpSequence:
    """Replace the steps not yet taken; steps already taken stay as they were."""
    sequence = session.scalars(
        select(FollowUpSequence).where(FollowUpSequence.id == sequence_id).with_for_update()
    ).first()
    if sequence is None:
        raise SequenceError(f"no sequence with id {sequence_id}")
    if sequence.status is not SequenceStatus.ACTIVE:
        raise SequenceError(
            f"sequence {sequence_id} is {sequence.status.value}"
            + (f" ({sequence.stop_reason})" if sequence.stop_reason else "")
        )
    taken = list(
        session.scalars(
            select(FollowUpStep).where(
                FollowUpStep.sequence_id == sequence_id,
                FollowUpStep.status != StepStatus.PENDING,
            )
        )
    )
    session.execute(
        delete(FollowUpStep).where(
            FollowUpStep.sequence_id == sequence_id, FollowUpStep.status == StepStatus.PENDING
        )
    )
    done = {(s.business_day, s.channel) for s in taken}
    keep = tuple(step for step in cadence if step not in done)
    contact = sequence_contact(session, sequence.contact_id)
    tz = contact_zone(contact.timezone, settings.tz)
    start = max((s.position for s in taken), default=-1) + 1
    session.add_all(_steps(sequence, keep, tz=tz, hour=settings.followup_send_hour, start=start))
    session.flush()
    return sequence


def stop_sequence(session: Session, *, sequence_id: int, reason: str = "stopped by you") -> None:
    sequence = session.get(FollowUpSequence, sequence_id)
    if sequence is None:
        raise SequenceError(f"no sequence with id {sequence_id}")
    stop_by_id(session, sequence_id, reason)


def opt_out(session: Session, *, contact_id: int, reason: str | None = None) -> bool:
    """The contact asked not to be contacted: record it and stop their sequences."""
    sequence_contact(session, contact_id)
    if session.get(OptOut, contact_id) is None:
        session.add(OptOut(contact_id=contact_id, reason=(reason or "")[:200] or None))
        session.flush()
        created = True
    else:
        created = False
    stop_for_contact(session, contact_id=contact_id, reason="opted out")
    return created


@dataclass
class RunReport:
    started: list[int] = field(default_factory=list)  # sequences the sweep started
    drafted: list[int] = field(default_factory=list)  # step ids
    sent: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    stopped: dict[int, str] = field(default_factory=dict)  # sequence id -> why

    def as_json(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "drafted": self.drafted,
            "sent": self.sent,
            "tasks": self.tasks,
            "skipped": {str(k): v for k, v in self.skipped.items()},
            "stopped": {str(k): v for k, v in self.stopped.items()},
        }


def sweep_unreturned(session: Session, *, settings: Settings, now: datetime) -> list[int]:
    """Voicemails left ``followup_business_days`` business days ago or more, not returned
    and not on a sequence yet, get one: an email draft and a call task on that day."""
    n = settings.followup_business_days
    lower = int((now - timedelta(days=SWEEP_DAYS)).timestamp())
    has_sequence = exists().where(FollowUpSequence.origin_event_id == OutreachEvent.id)
    candidates = session.scalars(
        select(OutreachEvent).where(
            OutreachEvent.direction == Way.OUTBOUND,
            OutreachEvent.outcome == Outcome.VOICEMAIL,
            OutreachEvent.return_seconds.is_(None),
            OutreachEvent.epoch >= lower,
            OutreachEvent.epoch <= int(now.timestamp()),
            ~has_sequence,
            ~exists().where(OptOut.contact_id == OutreachEvent.contact_id),
        )
    ).all()
    started = []
    for event in candidates:
        local = settings.tz
        if (
            business_days_between(
                event.occurred_at.astimezone(local).date(), now.astimezone(local).date()
            )
            < n
        ):
            continue
        sequence, _ = start_sequence(
            session,
            event_id=event.id,
            settings=settings,
            cadence=((n, Channel.EMAIL), (n, Channel.CALL)),
        )
        started.append(sequence.id)
    return started


def _responded(session: Session, sequence: FollowUpSequence) -> bool:
    since = int(sequence.started_at.timestamp())
    return (
        session.scalar(
            select(OutreachEvent.id)
            .where(
                OutreachEvent.contact_id == sequence.contact_id,
                OutreachEvent.direction == Way.INBOUND,
                OutreachEvent.epoch >= since,
            )
            .limit(1)
        )
        is not None
    )


def run_due(
    session: Session, *, settings: Settings, now: datetime, send: bool | None = None
) -> RunReport:
    """Take every step due by ``now``. ``send`` overrides ``followup_auto_send``."""
    report = RunReport(started=sweep_unreturned(session, settings=settings, now=now))
    auto = settings.followup_auto_send if send is None else send
    due_ids = list(
        session.scalars(
            select(FollowUpStep.id)
            .join(FollowUpSequence, FollowUpSequence.id == FollowUpStep.sequence_id)
            .where(
                FollowUpSequence.status == SequenceStatus.ACTIVE,
                FollowUpStep.status == StepStatus.PENDING,
                FollowUpStep.due_at <= now,
            )
            .order_by(FollowUpStep.due_at, FollowUpStep.id)
        )
    )
    for step_id in due_ids:
        # Re-read under a lock: an edit or stop since the list was made wins.
        step = session.scalars(
            select(FollowUpStep).where(FollowUpStep.id == step_id).with_for_update()
        ).first()
        if step is None or step.status is not StepStatus.PENDING:
            continue
        sequence = session.get(FollowUpSequence, step.sequence_id)
        if sequence is None or sequence.status is not SequenceStatus.ACTIVE:
            continue
        if session.get(OptOut, sequence.contact_id) is not None:
            stop_by_id(session, sequence.id, "opted out")
            report.stopped[sequence.id] = "opted out"
            continue
        if _responded(session, sequence):
            stop_by_id(session, sequence.id, "contact responded")
            report.stopped[sequence.id] = "contact responded"
            continue
        _take(session, step, sequence, settings=settings, now=now, auto=auto, report=report)
    _finish(session)
    return report


def _take(
    session: Session,
    step: FollowUpStep,
    sequence: FollowUpSequence,
    *,
    settings: Settings,
    now: datetime,
    auto: bool,
    report: RunReport,
) -> None:
    from ringback.contacts.models import FollowUp

    contact = sequence_contact(session, sequence.contact_id)
    if step.channel is Channel.EMAIL and not contact.emails:
        # No address: the follow-up still happens, by phone (and the user learns why),
        # unless a call is already planned for that day.
        report.skipped[step.id] = "no email address"
        same_day_call = session.scalar(
            select(FollowUpStep.id).where(
                FollowUpStep.sequence_id == sequence.id,
                FollowUpStep.business_day == step.business_day,
                FollowUpStep.channel == Channel.CALL,
                FollowUpStep.id != step.id,
            )
        )
        if same_day_call is not None:
            step.status, step.note = StepStatus.SKIPPED, "no email address; call planned"
            return
        step.channel = Channel.CALL
        step.note = "no email address: a call task instead"
    if step.channel is Channel.EMAIL:
        draft_step(session, step, sequence, contact, settings=settings, now=now)
        report.drafted.append(step.id)
        if auto and owner_from(settings) is None:
            # Auto-send cannot say who it is from: the draft waits, and the run goes on.
            report.skipped[step.id] = f"drafted, not sent: {NO_OWNER_EMAIL}"
        elif auto:
            send_step(session, step_id=step.id, settings=settings, now=now)
            report.sent.append(step.id)
        return
    title = f"Call {contact.name}: follow-up, business day {step.business_day} after your voicemail"
    if sequence.next_step:
        title += f" ({sequence.next_step})"
    task = FollowUp(contact_id=contact.id, title=title[:500], due_at=step.due_at)
    session.add(task)
    session.flush()
    step.follow_up_id, step.status, step.done_at = task.id, StepStatus.TASK, now
    report.tasks.append(step.id)


def _finish(session: Session) -> None:
    """Sequences with nothing left to take are done."""
    open_step = exists().where(
        FollowUpStep.sequence_id == FollowUpSequence.id,
        FollowUpStep.status.in_([StepStatus.PENDING, StepStatus.DRAFTED]),
    )
    session.execute(
        update(FollowUpSequence)
        .where(FollowUpSequence.status == SequenceStatus.ACTIVE, ~open_step)
        .values(status=SequenceStatus.DONE)
        .execution_options(synchronize_session="fetch")
    )
