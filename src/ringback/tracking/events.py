"""Storing outreach events and marking attempts returned (what the actions of
:mod:`ringback.tracking.service` are made of).

Keyword-only functions that take a Session and never commit: the caller's
:func:`ringback.db.session.transaction` decides, so a failure writes nothing.

An outbound attempt that did not connect (a voicemail left, a call nobody answered, an
email sent) is *returned* by the first inbound call, voicemail or email from the same
contact within ``settings.return_window_days`` after it. Events may arrive in any order
(a CSV backfill, a late webhook), so the mark is made from both sides: an inbound event
marks the open attempts before it, and an attempt logged late finds the inbound after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringback.contacts.models import Contact, Direction, Interaction, InteractionKind
from ringback.tracking.announce import announce_returns
from ringback.tracking.models import (
    Channel,
    EventSource,
    Outcome,
    OutreachEvent,
    Way,
    rule_mask,
)
from ringback.tracking.returns import mark_returns
from ringback.tracking.sequence_state import stop_for_contact

if TYPE_CHECKING:
    from ringback.config import Settings

MAX_VARIANT = 64
RECENT_SECONDS = 120  # an event logged "now" twice within this is one event


class UnknownContact(LookupError):
    """An outcome for a contact that is not in the database."""


@dataclass(frozen=True)
class Logged:
    """What logging one event did. ``created`` is False for a duplicate (same key)."""

    event: OutreachEvent
    created: bool
    returned: tuple[int, ...] = ()  # attempts this inbound event marked returned

    def as_json(self) -> dict[str, Any]:
        e = self.event
        return {
            "id": e.id,
            "duplicate": not self.created,
            "contact_id": e.contact_id,
            "channel": e.channel.value,
            "direction": e.direction.value,
            "outcome": e.outcome.value,
            "at": e.occurred_at,
            "score": e.score,
            "variant": e.variant,
            "returned": e.return_seconds is not None,
            "marked_returned": list(self.returned),
        }


def to_epoch(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime given; attach a timezone before logging")
    return int(at.timestamp())


def event_key(
    *,
    contact_id: int,
    channel: Channel,
    direction: Way,
    outcome: Outcome,
    epoch: int,
    script: str | None = None,
) -> str:
    """The key of an event nobody named: the same contact, medium, direction, outcome,
    second and script is the same event, however often it is reported."""
    raw = f"{contact_id}|{channel}|{direction}|{outcome}|{epoch}|{script or ''}"
    return f"auto:{hashlib.sha256(raw.encode('utf-8')).hexdigest()[:40]}"


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise UnknownContact(f"no contact with id {contact_id}")
    return contact


_INTERACTION_KIND = {
    (Channel.CALL, Way.OUTBOUND): InteractionKind.CALL,
    (Channel.CALL, Way.INBOUND): InteractionKind.CALL,
    (Channel.VOICEMAIL, Way.OUTBOUND): InteractionKind.VOICEMAIL_LEFT,
    (Channel.VOICEMAIL, Way.INBOUND): InteractionKind.VOICEMAIL_RECEIVED,
    (Channel.EMAIL, Way.OUTBOUND): InteractionKind.EMAIL,
    (Channel.EMAIL, Way.INBOUND): InteractionKind.EMAIL,
}


@dataclass(frozen=True)
class _Reported:
    """One event as it was reported, before it is stored: what makes it the same event as
    another (contact, medium, direction, outcome, second, script) and when it happened."""

    contact_id: int
    channel: Channel
    direction: Way
    outcome: Outcome
    at: datetime
    epoch: int
    script: str | None

    def derived_key(self) -> str:
        return event_key(
            contact_id=self.contact_id,
            channel=self.channel,
            direction=self.direction,
            outcome=self.outcome,
            epoch=self.epoch,
            script=self.script,
        )


def record_event(
    session: Session,
    *,
    contact_id: int,
    channel: Channel,
    direction: Way,
    outcome: Outcome,
    at: datetime,
    source: EventSource,
    settings: Settings,
    key: str | None = None,
    script: str | None = None,
    score: int | None = None,
    rule_bits: int | None = None,
    variant: str | None = None,
    timeline: bool = True,
    recent_seconds: int = 0,
) -> Logged:
    """Store one event (once per key) and update which attempts are returned.

    ``timeline`` also adds it to the contact's interaction history (what ``prep`` and the
    coach read); the inbox passes False because the voicemail is already its own record.
    ``recent_seconds`` treats an identical event that many seconds earlier as a duplicate
    (for events logged "now", which have no stable time to key on).
    """
    epoch = to_epoch(at)
    contact = _contact(session, contact_id)
    reported = _Reported(contact.id, channel, direction, outcome, at, epoch, script)
    variant = (variant or "").strip()[:MAX_VARIANT] or None
    key = (key or "").strip()[:200] or reported.derived_key()
    existing = _already_logged(session, reported, key=key, recent_seconds=recent_seconds)
    if existing is not None:
        return Logged(existing, created=False)
    event = OutreachEvent(
        key=key,
        contact_id=contact.id,
        channel=channel,
        direction=direction,
        outcome=outcome,
        occurred_at=at.astimezone(UTC),
        epoch=epoch,
        hour=epoch // 3600,
        source=source,
        script=script,
        score=score,
        rule_bits=rule_bits,
        variant=variant,
    )
    stored = _insert_once(session, event, reported, timeline=timeline)
    if stored is not event:
        return Logged(stored, created=False)
    returned = _mark_returns_after(session, event, settings=settings)
    session.refresh(event)
    # The CRM hears of each attempt this event returned, or of this attempt, logged after
    # the call that returned it.
    late = (event.id,) if event.direction is Way.OUTBOUND and event.returned_by_id else ()
    announce_returns(session, returned or late)
    return Logged(event, created=True, returned=returned)


def _already_logged(
    session: Session, reported: _Reported, *, key: str, recent_seconds: int
) -> OutreachEvent | None:
    """The stored event this report repeats: the same key, or (``recent_seconds``) the
    same event logged just before."""
    existing = session.scalars(select(OutreachEvent).where(OutreachEvent.key == key)).first()
    if existing is not None or not recent_seconds:
        return existing
    # Logged "now" twice in a row (a retried command): the time differs by seconds, so
    # the derived key does too; the same event just before counts as this one.
    script = reported.script
    return session.scalars(
        select(OutreachEvent).where(
            OutreachEvent.contact_id == reported.contact_id,
            OutreachEvent.direction == reported.direction,
            OutreachEvent.epoch.between(reported.epoch - recent_seconds, reported.epoch),
            OutreachEvent.channel == reported.channel,
            OutreachEvent.outcome == reported.outcome,
            OutreachEvent.script.is_(None) if script is None else OutreachEvent.script == script,
        )
    ).first()


def _insert_once(
    session: Session, event: OutreachEvent, reported: _Reported, *, timeline: bool
) -> OutreachEvent:
    """Insert ``event`` (and its timeline entry); returns it, or the event a concurrent
    writer stored first under the same key."""
    try:
        # A savepoint: a concurrent writer with the same key loses only this insert.
        with session.begin_nested():
            if timeline:
                item = Interaction(
                    contact_id=reported.contact_id,
                    kind=_INTERACTION_KIND[(reported.channel, reported.direction)],
                    direction=Direction(reported.direction.value),
                    occurred_at=reported.at.astimezone(UTC),
                    outcome=reported.outcome.value,
                    text=reported.script,
                )
                session.add(item)
                session.flush()
                event.interaction_id = item.id
            session.add(event)
            session.flush()
    except IntegrityError:
        found = session.scalars(select(OutreachEvent).where(OutreachEvent.key == event.key)).first()
        if found is None:
            raise
        return found
    return event


def _mark_returns_after(
    session: Session, event: OutreachEvent, *, settings: Settings
) -> tuple[int, ...]:
    """An inbound event returns the open attempts before it and stops the contact's
    sequences; an unanswered attempt logged late may already have its return. Returns
    the attempts the inbound event marked."""
    if event.direction is Way.INBOUND:
        returned = mark_returns(
            session, settings=settings, contact_ids=[event.contact_id], by=event
        )
        stop_for_contact(
            session, contact_id=event.contact_id, reason=f"{event.channel.value} from contact"
        )
        return returned
    if event.outcome is not Outcome.CONNECTED:
        mark_returns(session, settings=settings, contact_ids=[event.contact_id])
    return ()


def log_voicemail(
    session: Session,
    *,
    contact_id: int,
    script: str,
    settings: Settings,
    variant: str | None = None,
    at: datetime | None = None,
    key: str | None = None,
    source: EventSource = EventSource.CLI,
) -> Logged:
    """A voicemail left: scored by the coach (with the contact's back story) when logged,
    so the statistics can later ask which rules predicted a return."""
    from ringback.coach.scoring import score_script
    from ringback.contacts.profile import profile_of
    from ringback.contacts.service import contact_by_id

    try:
        contact = contact_by_id(session, contact_id)
    except LookupError:
        raise UnknownContact(f"no contact with id {contact_id}") from None
    scored = score_script(script, profile=profile_of(contact))  # ScriptError: empty, huge...
    return record_event(
        session,
        contact_id=contact_id,
        channel=Channel.VOICEMAIL,
        direction=Way.OUTBOUND,
        outcome=Outcome.VOICEMAIL,
        at=at or _now(),
        recent_seconds=0 if at else RECENT_SECONDS,
        source=source,
        settings=settings,
        key=key,
        script=script.strip(),
        score=scored.score,
        rule_bits=rule_mask(scored.features()),
        variant=variant,
    )


def log_call(
    session: Session,
    *,
    contact_id: int,
    direction: Way,
    settings: Settings,
    outcome: Outcome = Outcome.CONNECTED,
    at: datetime | None = None,
    key: str | None = None,
    source: EventSource = EventSource.CLI,
) -> Logged:
    if outcome not in (Outcome.CONNECTED, Outcome.VOICEMAIL, Outcome.NO_ANSWER):
        raise ValueError(f"a call's outcome is connected, voicemail or no-answer, not {outcome}")
    return record_event(
        session,
        contact_id=contact_id,
        channel=Channel.CALL,
        direction=direction,
        outcome=outcome,
        at=at or _now(),
        recent_seconds=0 if at else RECENT_SECONDS,
        source=source,
        settings=settings,
        key=key,
    )


def log_email(
    session: Session,
    *,
    contact_id: int,
    direction: Way,
    settings: Settings,
    at: datetime | None = None,
    key: str | None = None,
    source: EventSource = EventSource.CLI,
) -> Logged:
    return record_event(
        session,
        contact_id=contact_id,
        channel=Channel.EMAIL,
        direction=direction,
        outcome=Outcome.SENT if direction is Way.OUTBOUND else Outcome.RECEIVED,
        at=at or _now(),
        recent_seconds=0 if at else RECENT_SECONDS,
        source=source,
        settings=settings,
        key=key,
    )


def record_inbound(
    session: Session,
    *,
    contact_id: int,
    channel: Channel,
    at: datetime,
    settings: Settings,
    key: str | None = None,
    source: EventSource = EventSource.CLI,
    timeline: bool = True,
) -> Logged:
    """The contact called, left a voicemail or wrote: marks their open attempts returned."""
    outcome = Outcome.VOICEMAIL if channel is Channel.VOICEMAIL else Outcome.RECEIVED
    return record_event(
        session,
        contact_id=contact_id,
        channel=channel,
        direction=Way.INBOUND,
        outcome=outcome,
        at=at,
        source=source,
        settings=settings,
        key=key,
        timeline=timeline,
    )


def _now() -> datetime:
    from ringback.db.base import utcnow

    return utcnow()
