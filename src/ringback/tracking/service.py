"""What a person does with outreach tracking: log an outcome, see what is returned, learn
which rules predict a return, and follow up unreturned voicemails.

The one layer the CLI (``ringback log | stats | learn | sequence``) and the web app call.
Keyword-only functions that take a Session and never commit (the caller's
:func:`ringback.db.session.transaction` decides, so a failure writes nothing), returning
frozen records read while the rows were live. Storing an event and marking returns is
:mod:`ringback.tracking.events`; its ``log_voicemail``, ``log_call``, ``log_email`` and
``record_inbound`` are imported here because ``log_outcome`` is made of them, and callers
that want the stored row itself (the inbox, the webhooks) use them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.db.base import view_of
from ringback.timefmt import format_when
from ringback.tracking.events import (
    Logged,
    UnknownContact,
    log_call,
    log_email,
    log_voicemail,
    record_inbound,
)
from ringback.tracking.models import Channel, FollowUpSequence, FollowUpStep, Outcome, Way

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.tracking.learn import Fit
    from ringback.tracking.sequence_mail import DraftPreview
    from ringback.tracking.sequences import RunReport
    from ringback.tracking.stats import ReturnStats

__all__ = [
    "Logged",
    "UnknownContact",
    "log_call",
    "log_email",
    "log_voicemail",
    "record_inbound",
]


@dataclass(frozen=True)
class LoggedOutcome:
    """One logged event as the person sees it. ``duplicate``: it was logged before;
    ``marked_returned``: the attempts this inbound event returned; ``local_time``: when,
    as "YYYY-MM-DD HH:MM" in the user's timezone; ``personal_score``: a voicemail's score
    with the user's learned weights (None until there is enough data)."""

    id: int
    duplicate: bool
    contact_id: int
    channel: Channel
    direction: Way
    outcome: Outcome
    at: datetime
    score: int | None
    variant: str | None
    returned: bool
    marked_returned: tuple[int, ...]
    local_time: str
    personal_score: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``ringback log --json`` contract (``personal_score`` for voicemails only)."""
        data: dict[str, Any] = {
            "id": self.id,
            "duplicate": self.duplicate,
            "contact_id": self.contact_id,
            "channel": self.channel.value,
            "direction": self.direction.value,
            "outcome": self.outcome.value,
            "at": self.at,
            "score": self.score,
            "variant": self.variant,
            "returned": self.returned,
            "marked_returned": list(self.marked_returned),
        }
        if self.channel is Channel.VOICEMAIL:
            data["personal_score"] = self.personal_score
        return data


def log_outcome(
    session: Session,
    *,
    channel: Channel,
    contact_id: int,
    settings: Settings,
    direction: Way = Way.OUTBOUND,
    outcome: Outcome = Outcome.CONNECTED,
    script: str | None = None,
    variant: str | None = None,
    at: datetime | None = None,
    key: str | None = None,
) -> LoggedOutcome:
    """Log a voicemail left (``script`` scored by the coach), a call (``direction``,
    ``outcome``) or an email (``direction``); once per ``key``, or per identical event.
    Returns what was logged; raises UnknownContact, ScriptError or ValueError."""
    if channel is Channel.VOICEMAIL:
        if script is None:
            raise ValueError("a voicemail is logged with the script you said")
        logged = log_voicemail(
            session,
            contact_id=contact_id,
            script=script,
            variant=variant,
            at=at,
            key=key,
            settings=settings,
        )
    elif channel is Channel.CALL:
        logged = log_call(
            session,
            contact_id=contact_id,
            direction=direction,
            outcome=outcome,
            at=at,
            key=key,
            settings=settings,
        )
    else:
        logged = log_email(
            session, contact_id=contact_id, direction=direction, at=at, key=key, settings=settings
        )
    personal = _personal_score(session, settings, logged) if channel is Channel.VOICEMAIL else None
    return _outcome_of(logged, settings, personal)


def _outcome_of(logged: Logged, settings: Settings, personal: int | None) -> LoggedOutcome:
    e = logged.event
    return LoggedOutcome(
        id=e.id,
        duplicate=not logged.created,
        contact_id=e.contact_id,
        channel=e.channel,
        direction=e.direction,
        outcome=e.outcome,
        at=e.occurred_at,
        score=e.score,
        variant=e.variant,
        returned=e.return_seconds is not None,
        marked_returned=logged.returned,
        local_time=format_when(e.occurred_at, settings.tz),
        personal_score=personal,
    )


def _personal_score(session: Session, settings: Settings, logged: Logged) -> int | None:
    """The script's score with the user's personal weights, once there is enough data."""
    try:
        from ringback.tracking.learn import personal_coach_score
    except ModuleNotFoundError:  # numpy (the analytics extra) not installed
        return None
    return personal_coach_score(session, event=logged.event, settings=settings)


def return_stats(
    session: Session, *, settings: Settings, since: datetime | None = None
) -> ReturnStats:
    """Are voicemails returned: overall, per week, by coach score, rule, variant and time
    (``.as_json()``: the ``ringback stats --json`` document)."""
    from ringback.tracking.stats import compute_stats

    return compute_stats(
        session, tz=settings.tz, since=since, window_days=settings.return_window_days
    )


@dataclass(frozen=True)
class Learned:
    """Which coach rules predict a return: the fitted model, and the ``ringback learn
    --json`` document (with the personal weights and, when a script was given, its
    coach and personal scores)."""

    fit: Fit
    data: dict[str, Any]


def learn_from_outcomes(
    session: Session, *, settings: Settings, now: datetime, script: str | None = None
) -> Learned:
    """Fit which rules predict a return over the voicemails with a known outcome, and score
    ``script`` with the personal weights. Needs numpy (ModuleNotFoundError without it)."""
    from ringback.tracking.learn import fit_outcomes, personal_score, personal_weights

    fit = fit_outcomes(session, settings=settings, now_epoch=int(now.timestamp()))
    weights = personal_weights(fit, minimum=settings.personal_weights_min)
    data: dict[str, Any] = {
        **fit.as_json(),
        "minimum": settings.personal_weights_min,
        "personal_weights": weights,
        "status": (
            "personal weights active"
            if weights
            else f"not enough data yet: {fit.n} of {settings.personal_weights_min} "
            "voicemails with a known outcome"
        ),
    }
    if script is not None:
        from ringback.coach.scoring import score_script

        scored = score_script(script)
        data["script"] = {
            "coach_score": scored.score,
            "personal_score": personal_score(scored, weights),
        }
    return Learned(fit, data)


@dataclass(frozen=True)
class FollowUpStepView:
    """One step of a follow-up sequence; a drafted email shows its ``subject``."""

    id: int
    business_day: int
    channel: str
    due_at: datetime
    status: str
    note: str | None
    subject: str | None
    body: str | None  # the whole draft: approve nothing blind
    meeting_at: datetime | None


@dataclass(frozen=True)
class FollowUpView:
    """A follow-up sequence and its steps, as ``ringback sequence ... --json`` shows it."""

    id: int
    contact_id: int
    voicemail_event: int | None
    status: str
    stop_reason: str | None
    started_at: datetime
    value: str | None
    next_step: str | None
    steps: tuple[FollowUpStepView, ...]

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "steps"}
        return {**data, "steps": [dict(s.__dict__) for s in self.steps]}


def _view(session: Session, seq: FollowUpSequence) -> FollowUpView:
    steps = session.scalars(
        select(FollowUpStep)
        .where(FollowUpStep.sequence_id == seq.id)
        .order_by(FollowUpStep.position, FollowUpStep.id)
    )
    return view_of(
        FollowUpView,
        seq,
        voicemail_event=seq.origin_event_id,
        steps=tuple(view_of(FollowUpStepView, s) for s in steps),
    )


def start_followup(
    session: Session, *, event_id: int, settings: Settings, cadence: str | None = None
) -> tuple[FollowUpView, bool]:
    """Put the voicemail left as event ``event_id`` on a cadence ("DAY:email|call,...";
    default day 0 email, day 3 email, day 7 call). Returns the sequence and whether it was
    started now (False: the voicemail already had one)."""
    from ringback.tracking.cadence import DEFAULT_CADENCE, parse_cadence
    from ringback.tracking.sequences import start_sequence

    steps = parse_cadence(cadence) if cadence else DEFAULT_CADENCE
    seq, created = start_sequence(session, event_id=event_id, settings=settings, cadence=steps)
    return _view(session, seq), created


def edit_followup(
    session: Session, *, sequence_id: int, cadence: str, settings: Settings
) -> FollowUpView:
    """Replace the steps not yet taken with ``cadence``; returns the sequence as it now is."""
    from ringback.tracking.cadence import parse_cadence
    from ringback.tracking.sequences import edit_sequence

    seq = edit_sequence(
        session, sequence_id=sequence_id, cadence=parse_cadence(cadence), settings=settings
    )
    return _view(session, seq)


def list_followups(session: Session, *, show_all: bool = False) -> list[FollowUpView]:
    """The active follow-up sequences (``show_all``: stopped and finished ones too), oldest
    first, each with its steps and drafts."""
    from ringback.tracking.models import SequenceStatus

    query = select(FollowUpSequence).order_by(FollowUpSequence.id)
    if not show_all:
        query = query.where(FollowUpSequence.status == SequenceStatus.ACTIVE)
    return [_view(session, s) for s in session.scalars(query)]


def show_followup(session: Session, *, sequence_id: int) -> FollowUpView:
    """One follow-up sequence with its steps and drafts (SequenceError if there is none)."""
    from ringback.tracking.sequence_state import SequenceError

    seq = session.get(FollowUpSequence, sequence_id)
    if seq is None:
        raise SequenceError(f"no follow-up sequence with id {sequence_id}")
    return _view(session, seq)


def show_followup_draft(session: Session, *, step_id: int, settings: Settings) -> DraftPreview:
    """The drafted email of step ``step_id`` as the contact will receive it: From, To,
    Reply-To, subject, body and the invite's time (a ``DraftPreview``; SequenceError when
    the step has no draft)."""
    from ringback.tracking.sequence_mail import preview_step

    return preview_step(session, step_id=step_id, settings=settings)


@dataclass(frozen=True)
class ApprovedFollowUp:
    """An approved draft: its step and what the outbox did ("sent", "queued"…, or
    "already_sent" when it had been sent before)."""

    step_id: int
    status: str


def approve_followup(
    session: Session, *, step_id: int, settings: Settings, now: datetime
) -> ApprovedFollowUp:
    """Send the drafted follow-up email of step ``step_id`` through the outbox (SMTP or
    Maildir) and log it; never twice. Raises SequenceError (not a draft, contact opted
    out…) or MailConfigError (no way to send mail configured)."""
    from ringback.tracking.sequence_mail import send_step

    result = send_step(session, step_id=step_id, settings=settings, now=now)
    return ApprovedFollowUp(step_id, result.status.value if result is not None else "already_sent")


def run_followups(
    session: Session, *, settings: Settings, now: datetime, send: bool | None = None
) -> RunReport:
    """Start follow-ups for unreturned voicemails and take every step due at ``now``
    (``send``: send emails at once; default ``followup_auto_send``). Returns what was
    started, drafted, sent, created, skipped and stopped."""
    from ringback.tracking.sequences import run_due

    return run_due(session, settings=settings, now=now, send=send)
