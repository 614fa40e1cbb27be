"""Follow-up emails of a sequence: drafting a step, and sending it through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.tracking.cadence import contact_zone
from ringback.tracking.models import (
    EventSource,
    FollowUpSequence,
    FollowUpStep,
    OptOut,
    OutreachEvent,
    SequenceStatus,
    StepStatus,
    Way,
)
from ringback.tracking.sequence_state import SequenceError, StepNotFound, sequence_contact

if TYPE_CHECKING:
    from ringback.accounts.speaker import Speaker
    from ringback.config import Settings
    from ringback.contacts.models import Contact


def signer_of(session: Session, sequence: FollowUpSequence, settings: Settings) -> Speaker:
    """Who a sequence's emails are signed by and answered to: its owner (the rep whose
    contact it is), whoever runs or approves it; a sequence with no owner, the first
    owner's (the RINGBACK_OWNER_* settings on a single-user install)."""
    from ringback.accounts.profile import speaker_for

    return speaker_for(session, user_id=sequence.owner_id, settings=settings)


def draft_step(
    session: Session,
    step: FollowUpStep,
    sequence: FollowUpSequence,
    contact: Contact,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    from ringback.contacts.profile import profile_of
    from ringback.tracking.drafts import write_draft

    origin = session.get(OutreachEvent, sequence.origin_event_id or -1)
    draft = write_draft(
        profile_of(contact),
        settings=settings,
        left_at=origin.occurred_at if origin else sequence.started_at,
        send_at=max(now, step.due_at),
        tz=contact_zone(contact.timezone, settings.tz),
        value=sequence.value,
        next_step=sequence.next_step,
        nudge=step.position > 0 and step.business_day > 0,
        signer=signer_of(session, sequence, settings),
    )
    step.subject, step.body, step.meeting_at = draft.subject, draft.body, draft.meeting
    step.status = StepStatus.DRAFTED
    session.flush()


def send_step(session: Session, *, step_id: int, settings: Settings, now: datetime) -> Any:
    """Send a drafted email through the outbox (SMTP or Maildir), log it as an outbound
    email, and mark the step sent. Idempotent per step: the outbox key is the step's
    (unique for all time), so a retry never sends twice and a new database never skips."""
    from ringback.mail.service import outbox_from_settings
    from ringback.tracking.drafts import NO_OWNER_EMAIL, build_message, owner_from
    from ringback.tracking.events import log_email

    step = session.scalars(
        select(FollowUpStep).where(FollowUpStep.id == step_id).with_for_update()
    ).first()
    if step is None:
        raise StepNotFound(f"no follow-up step with id {step_id}")
    if step.status is StepStatus.SENT:
        return None
    if step.status is not StepStatus.DRAFTED:
        raise SequenceError(f"step {step_id} is {step.status.value}, not a draft to send")
    if owner_from(settings) is None:
        raise SequenceError(f"{NO_OWNER_EMAIL}; nothing was sent (the draft is kept)")
    sequence = session.get(FollowUpSequence, step.sequence_id)
    assert sequence is not None
    if sequence.status is not SequenceStatus.ACTIVE:
        raise SequenceError(f"its sequence is {sequence.status.value} ({sequence.stop_reason})")
    if session.get(OptOut, sequence.contact_id) is not None:
        raise SequenceError("the contact opted out; nothing was sent")
    contact = sequence_contact(session, sequence.contact_id)
    if not contact.emails:
        raise SequenceError(f"{contact.name} has no email address")
    if step.meeting_at is None or step.meeting_at <= now:
        # Approved after the proposed time went by: propose a new one, text and invite alike.
        draft_step(session, step, sequence, contact, settings=settings, now=now)
    # The step's uid, not just its id: a new database (restore, move to PostgreSQL) reuses
    # ids, and the outbox in the data directory would take step 1 for one already sent.
    key = step_key(step)
    message = build_message(
        stored_draft(step),
        to=contact.emails[0].address,
        settings=settings,
        key=key,
        stamp=now,
        signer=signer_of(session, sequence, settings),
    )
    result = outbox_from_settings(settings).deliver(key, message)
    step.mail_key, step.status, step.done_at = key, StepStatus.SENT, now
    step.note = f"outbox: {result.status.value}"
    log_email(
        session,
        contact_id=contact.id,
        direction=Way.OUTBOUND,
        at=now,
        key=f"sequence:{key}",
        source=EventSource.SEQUENCE,
        settings=settings,
    )
    session.flush()
    return result


def step_key(step: FollowUpStep) -> str:
    """The step's outbox key, the seed of its Message-ID and of its invite's UID."""
    return f"followup-step-{step.id}-{step.uid}"


def stored_draft(step: FollowUpStep) -> Any:
    from ringback.tracking.drafts import Draft

    return Draft(subject=step.subject or "", body=step.body or "", meeting=step.meeting_at)


@dataclass(frozen=True)
class DraftPreview:
    """A follow-up email as the contact will receive it (``ringback sequence show``).

    ``problem`` says what stops it from being sent as it stands (no owner email, no
    contact email), or is None.
    """

    step_id: int
    sequence_id: int
    status: str
    contact: str
    sender: str | None
    to: str | None
    reply_to: str | None
    subject: str
    body: str
    meeting_at: datetime | None
    meeting: str | None  # the invite's time in words, in the contact's zone
    timezone: str
    problem: str | None

    def as_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["from"] = data.pop("sender")
        return data


def preview_step(session: Session, *, step_id: int, settings: Settings) -> DraftPreview:
    """The drafted email of step ``step_id``: headers, body and the invite's time."""
    from ringback.tracking.drafts import NO_OWNER_EMAIL, owner_from, reply_to
    from ringback.tracking.meeting import when_words
    from ringback.tracking.models import Channel

    step = session.get(FollowUpStep, step_id)
    if step is None:
        raise StepNotFound(f"no follow-up step with id {step_id}")
    if step.channel is not Channel.EMAIL or step.body is None:
        raise SequenceError(
            f"step {step_id} is a {step.channel.value} step ({step.status.value}) with no draft;"
            " email steps are drafted when they fall due (`ringback sequence run`)"
        )
    sequence = session.get(FollowUpSequence, step.sequence_id)
    assert sequence is not None
    contact = sequence_contact(session, sequence.contact_id)
    tz = contact_zone(contact.timezone, settings.tz)
    signer = signer_of(session, sequence, settings)
    owner = owner_from(settings, signer)
    to = contact.emails[0].address if contact.emails else None
    problem = NO_OWNER_EMAIL if owner is None else None
    if to is None:
        problem = f"{contact.name} has no email address"
    return DraftPreview(
        step_id=step.id,
        sequence_id=sequence.id,
        status=step.status.value,
        contact=contact.name,
        sender=owner,
        to=to,
        reply_to=reply_to(settings, signer),
        subject=step.subject or "",
        body=step.body,
        meeting_at=step.meeting_at,
        meeting=when_words(step.meeting_at, tz) if step.meeting_at else None,
        timezone=str(tz),
        problem=problem,
    )
