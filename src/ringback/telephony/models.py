"""One row per recording a telephony provider told us about: the idempotency record.

The RecordingSid is unique, so Twilio retrying its callback (or a replayed request) finds
the row and nothing is downloaded or processed twice. The row is written before the
webhook answers and before any download, and it keeps the metadata (who called which
line, the recording's URL) even when the download fails, so nothing is lost.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ringback.db.base import Base, Owned, UTCDateTime, string_enum, utcnow
from ringback.voicemail import models as _voicemail  # noqa: F401  (the voicemails FK)


class RecordingStatus(enum.StrEnum):
    RECEIVED = "received"  # callback accepted, download not started
    DOWNLOADING = "downloading"
    INGESTED = "ingested"  # handed to the inbox pipeline (see voicemail_id)
    FAILED = "failed"  # could not be fetched after the retries; owner emailed
    REJECTED = "rejected"  # fetched but refused (too large); owner emailed
    ABSENT = "absent"  # the provider says there is no audio (caller hung up at once)


# Rows in these states are picked up again when the server starts (nothing is lost).
UNFINISHED = frozenset({RecordingStatus.RECEIVED, RecordingStatus.DOWNLOADING})


class TelephonyRecording(Owned, Base):
    __tablename__ = "telephony_recordings"
    __table_args__ = (Index("ix_telephony_recordings_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), default="twilio")
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str | None] = mapped_column(String(64))
    account_sid: Mapped[str | None] = mapped_column(String(64))
    recording_url: Mapped[str | None] = mapped_column(String(1024))
    provider_status: Mapped[str | None] = mapped_column(String(20))
    duration: Mapped[int | None] = mapped_column(Integer)
    from_number: Mapped[str | None] = mapped_column(String(40))
    to_number: Mapped[str | None] = mapped_column(String(40))
    caller_name: Mapped[str | None] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(String(16), default="personal")
    intake: Mapped[str | None] = mapped_column(Text)  # what a prospect said to <Gather>
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    status: Mapped[RecordingStatus] = mapped_column(
        string_enum(RecordingStatus, "telephony_recording_status"),
        default=RecordingStatus.RECEIVED,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    voicemail_id: Mapped[int | None] = mapped_column(
        ForeignKey("voicemails.id", ondelete="SET NULL"), index=True
    )
    notice_key: Mapped[str | None] = mapped_column(String(255))  # the failure email's key
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
