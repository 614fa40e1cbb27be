"""Voicemail messages and the per-stage record of how each one went through the pipeline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# The contact_id foreign key needs the contacts table in the same metadata, even in a
# process that never imports the contacts domain itself (e.g. a pipeline worker).
from ringback.contacts import models as _contacts  # noqa: F401
from ringback.db.base import Base, Owned, UTCDateTime, new_uid, string_enum, utcnow

_enum = string_enum


class VoicemailSource(enum.StrEnum):
    UPLOAD = "upload"
    WATCH = "watch"
    ASTERISK = "asterisk"
    TWILIO = "twilio"


class VoicemailStatus(enum.StrEnum):
    RECEIVED = "received"  # stored durably, no stage started yet
    PROCESSING = "processing"
    DONE = "done"
    NO_MESSAGE = "no_message"  # hang-up or silence: under the speech threshold
    FAILED = "failed"  # a stage kept failing after its retries
    REJECTED = "rejected"  # the input itself is unusable (empty, not audio, too large)


# A message in one of these states is not picked up again by resume_pending().
FINAL_STATUSES = frozenset(
    {
        VoicemailStatus.DONE,
        VoicemailStatus.NO_MESSAGE,
        VoicemailStatus.FAILED,
        VoicemailStatus.REJECTED,
    }
)


class StageStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"  # not applicable (e.g. no transcript for a hang-up)


class Voicemail(Owned, Base):
    __tablename__ = "voicemails"
    __table_args__ = (
        Index("ix_voicemails_status_received", "status", "received_at"),
        # The inbox's order (unread first, newest first) from the index alone.
        Index("ix_voicemails_inbox", "read_at", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique for all time, unlike ``id``: the email's outbox key and Message-ID use it, so a
    # new database reusing ids 1, 2, ... never finds another voicemail's "already sent".
    uid: Mapped[str] = mapped_column(String(32), unique=True, index=True, default=new_uid)
    source: Mapped[VoicemailSource] = mapped_column(_enum(VoicemailSource, "voicemail_source"))
    # Idempotency: sha256 of the audio, an Asterisk msg_id, a Twilio RecordingSid...
    source_key: Mapped[str] = mapped_column(String(255), unique=True)
    source_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # The original as received; null only when it was refused before it could be stored.
    original_path: Mapped[str | None] = mapped_column(String(1024))
    original_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    original_size: Mapped[int | None] = mapped_column(BigInteger)
    original_filename: Mapped[str | None] = mapped_column(String(512))
    mime: Mapped[str | None] = mapped_column(String(100))

    from_number: Mapped[str | None] = mapped_column(String(40))
    caller_name: Mapped[str | None] = mapped_column(String(200))
    to_number: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration: Mapped[float | None] = mapped_column(Float)

    status: Mapped[VoicemailStatus] = mapped_column(
        _enum(VoicemailStatus, "voicemail_status"), default=VoicemailStatus.RECEIVED
    )
    status_reason: Mapped[str | None] = mapped_column(Text)

    language: Mapped[str | None] = mapped_column(String(16))
    transcript: Mapped[str | None] = mapped_column(Text)
    words: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    # The callback task this message created: linked, never found again by its title.
    callback_task_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="SET NULL"), index=True
    )
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When someone first opened it (the web inbox's unread-first order); done is handled_at.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_key: Mapped[str | None] = mapped_column(String(255))

    # Which worker is running the pipeline on it, and until when that claim holds
    # (renewed on every stage write); stops two workers processing one message at once.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    stages: Mapped[list[VoicemailStage]] = relationship(
        back_populates="voicemail", cascade="all, delete-orphan", order_by="VoicemailStage.position"
    )


class VoicemailStage(Base):
    """One row per stage per voicemail: what ran, how long, how often, and what it produced."""

    __tablename__ = "voicemail_stages"
    __owned_through__ = ("voicemail_id", "voicemails")
    __table_args__ = (UniqueConstraint("voicemail_id", "stage", name="uq_voicemail_stages_stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voicemail_id: Mapped[int] = mapped_column(
        ForeignKey("voicemails.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[StageStatus] = mapped_column(
        _enum(StageStatus, "voicemail_stage_status"), default=StageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # JSON the stage can be restored from on resume, so finished work is never redone.
    output: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    voicemail: Mapped[Voicemail] = relationship(back_populates="stages")
