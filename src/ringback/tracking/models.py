"""Outreach events: every call, voicemail and email to or from a contact, and whether an
outbound attempt was returned.

One row per event, keyed by an idempotency key, so the same event arriving twice (a CLI
retry, a repeated Twilio callback, a re-run inbox pipeline) is stored once. The return is
stored on the attempt itself (``returned_by_id``, ``return_seconds``) rather than worked
out at query time: statistics over a million rows are then plain aggregates over one table.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ringback.contacts import models as _contacts  # noqa: F401  (FK target in the metadata)
from ringback.db.base import Base, Owned, UTCDateTime, new_uid, string_enum, utcnow


class Channel(enum.StrEnum):
    CALL = "call"
    VOICEMAIL = "voicemail"
    EMAIL = "email"


class Way(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Outcome(enum.StrEnum):
    CONNECTED = "connected"
    VOICEMAIL = "voicemail"  # a voicemail was left (outbound) or received (inbound)
    NO_ANSWER = "no_answer"
    SENT = "sent"  # an email went out
    RECEIVED = "received"  # an inbound email or call


class EventSource(enum.StrEnum):
    CLI = "cli"
    TWILIO = "twilio"
    INBOX = "inbox"
    SEQUENCE = "sequence"
    BULK = "bulk"


# Which coach rule each bit of ``rule_bits`` stands for. Append only: a stored bit keeps
# its meaning forever, so a rule added to rules.toml takes the next free bit (a test fails
# until it has one) and a removed rule leaves its bit unused.
RULE_BITS: tuple[str, ...] = (
    "names_caller",
    "follow_up",
    "listener_focus",
    "specific_value",
    "clear_reason",
    "call_to_action",
    "brevity",
    "callback_number",
    "no_weak_phrases",
    "energy",
    "mixing_media",
)


def rule_mask(passed: dict[str, int] | dict[str, bool]) -> int:
    """The bitmask of the rules a script followed."""
    return sum(1 << i for i, rule in enumerate(RULE_BITS) if passed.get(rule))


class OutreachEvent(Owned, Base):
    __tablename__ = "outreach_events"
    __table_args__ = (
        # Finding a contact's inbound events after an attempt, and its open attempts.
        Index("ix_outreach_contact_dir_epoch", "contact_id", "direction", "epoch"),
        # Statistics read only outbound voicemails. Each aggregate has an index whose
        # order is its GROUP BY, and which holds every column it reads: SQLite then streams
        # the groups off the index (no temporary sort), which is what keeps a million
        # rows under a second (bench/bench_tracking.py); PostgreSQL gets index-only scans.
        Index("ix_outreach_by_hour", "outcome", "direction", "hour", "epoch", "return_seconds"),
        Index(
            "ix_outreach_by_variant",
            "outcome",
            "direction",
            "variant",
            "score",
            "epoch",
            "return_seconds",
        ),
        Index(
            "ix_outreach_by_rules", "outcome", "direction", "rule_bits", "epoch", "return_seconds"
        ),
        Index("ix_outreach_by_return", "outcome", "direction", "return_seconds", "epoch"),
        # The same counts limited to a team's or a rep's voicemails (ringback.accounts.scope):
        # each owner's are one range of this index, which holds every column read.
        Index(
            "ix_outreach_owner_stats",
            "owner_id",
            "outcome",
            "direction",
            "hour",
            "variant",
            "score",
            "rule_bits",
            "return_seconds",
            "epoch",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "outreach_channel"))
    direction: Mapped[Way] = mapped_column(string_enum(Way, "outreach_direction"))
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "outreach_outcome"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # occurred_at as Unix seconds: windows and hour buckets are then integer arithmetic,
    # the same SQL on SQLite and PostgreSQL.
    epoch: Mapped[int] = mapped_column(BigInteger)
    hour: Mapped[int] = mapped_column(BigInteger)  # epoch // 3600: the statistics' time unit
    source: Mapped[EventSource] = mapped_column(string_enum(EventSource, "outreach_source"))
    script: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    rule_bits: Mapped[int | None] = mapped_column(Integer)
    variant: Mapped[str | None] = mapped_column(String(64))
    returned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_events.id", ondelete="SET NULL")
    )
    return_seconds: Mapped[int | None] = mapped_column(BigInteger)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SequenceStatus(enum.StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # the contact responded, opted out, or the user stopped it
    DONE = "done"  # every step has been taken


class StepStatus(enum.StrEnum):
    PENDING = "pending"  # not due yet, or due and waiting for the runner
    DRAFTED = "drafted"  # an email written, waiting for the user's approval
    SENT = "sent"  # the email is in the outbox (delivered or being retried)
    TASK = "task"  # a call step: a follow-up task was created
    SKIPPED = "skipped"  # not taken: sequence stopped, no email address, opted out


class FollowUpSequence(Owned, Base):
    """A cadence of follow-ups after an unreturned attempt (e.g. day 0 voicemail + email,
    day 3 email, day 7 call); stopped as soon as the contact responds."""

    __tablename__ = "followup_sequences"
    __table_args__ = (Index("ix_followup_sequences_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    origin_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_events.id", ondelete="SET NULL"), unique=True
    )
    status: Mapped[SequenceStatus] = mapped_column(
        string_enum(SequenceStatus, "followup_sequence_status"), default=SequenceStatus.ACTIVE
    )
    stop_reason: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text)  # the payback the voicemail offered
    next_step: Mapped[str | None] = mapped_column(Text)  # the concrete next step proposed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FollowUpStep(Base):
    __tablename__ = "followup_steps"
    __owned_through__ = ("sequence_id", "followup_sequences")
    __table_args__ = (Index("ix_followup_steps_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique for all time, unlike ``id``: the step's outbox key, Message-ID and invite UID.
    uid: Mapped[str] = mapped_column(String(32), unique=True, index=True, default=new_uid)
    sequence_id: Mapped[int] = mapped_column(
        ForeignKey("followup_sequences.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    business_day: Mapped[int] = mapped_column(Integer)  # business days after the start
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "followup_step_channel"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[StepStatus] = mapped_column(
        string_enum(StepStatus, "followup_step_status"), default=StepStatus.PENDING
    )
    note: Mapped[str | None] = mapped_column(String(200))  # why it was skipped, where it went
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the time proposed
    mail_key: Mapped[str | None] = mapped_column(String(200))
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="SET NULL")
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OptOut(Base):
    """A contact who asked not to be contacted: sequences never write to them."""

    __tablename__ = "contact_opt_outs"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
