"""A job as ``ringback jobs list`` shows it, whatever domain's rows it is read from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class JobRecord:
    """One job as the database records it: its state, the stage it is at, why it failed."""

    id: int
    kind: str  # voicemail | recording (a Twilio download) | review (a call analysis)
    ref: str  # what to name it by: the voicemail id, the RecordingSid, the review id
    status: str
    stage: str | None  # the first stage not done (None once finished)
    attempts: int  # attempts at that stage
    reason: str | None
    received_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "ref": self.ref,
            "status": self.status,
            "stage": self.stage,
            "attempts": self.attempts,
            "reason": self.reason,
            "received_at": self.received_at.isoformat(),
        }
