"""Voicemail rows and the follow-up stage, for the inbox capture tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ringback.config import Settings
from ringback.db.session import transaction
from ringback.voicemail.followup import record_follow_up
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from ringback.voicemail.pipeline.context import VoicemailContext

# Monday 23 November 2026, 14:30 in New York.
RECEIVED = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)


FACTS: dict[str, Any] = {
    "callback_number": "+14155550137",
    "callback_number_confidence": 0.97,
    "caller_name": "Sarah",
    "company": "Northwind",
    "emails": ["sarah@northwind.example"],
    "dates": [{"text": "after three tomorrow", "iso": "2026-11-24T15:00:00-05:00"}],
    "amounts": ["$450,000"],
    "addresses": ["12 Oak Street"],
    "summary": "wants to see the house tomorrow after 3 pm",
    "urgent": False,
    "is_prospect": True,
    "asks_callback": True,
    "callback_due": "2026-11-24T15:00:00-05:00",
}


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", timezone="America/New_York")


def add_row(url: str, *, facts: dict[str, Any] | None, status: str, from_number: str | None) -> int:
    with transaction(url) as session:
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key=f"test-{status}-{from_number}-{facts is None}",
            from_number=from_number,
            received_at=RECEIVED,
            duration=27.0,
            status=VoicemailStatus(status),
            transcript="Hi, this is Sarah from Northwind..." if facts else None,
            facts=facts,
        )
        session.add(row)
        session.flush()
        return row.id


def run_stage(url: str, voicemail_id: int, s: Settings, *, missed: bool, facts: Any) -> dict:
    ctx = VoicemailContext(
        voicemail_id=voicemail_id,
        source="upload",
        source_key="k",
        original_path=Path("/nonexistent"),
        original_filename=None,
        mime=None,
        from_number=None,
        caller_name=None,
        to_number=None,
        received_at=RECEIVED,
        no_message=missed,
        facts=facts,
    )
    return record_follow_up(url, ctx, s)


def asterisk_envelope(*, origtime: int = 1795462200, msg: int = 1, duration: int = 22) -> str:
    """An Asterisk msgNNNN.txt for mailbox 1234: Dana Reyes called on 23 November 2026."""
    return f""";
; Message Information file
;
[message]
origmailbox=1234
context=macro-vm
callerid="Dana Reyes" <2125550199>
origdate=Mon Nov 23 07:30:00 PM UTC 2026
origtime={origtime}
category=
msg_id={origtime}-{msg:08d}
flag=
duration={duration}
"""
