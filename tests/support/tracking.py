"""Contacts, scripts and settings for the outcome-tracking and sequence tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ringback.config import Settings
from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    ContactEmail,
)
from tests.conftest import Cli

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.tracking.models import FollowUpStep

GOOD = (
    "Hi Bill, this is Dana from Acme. Following up on our call Tuesday: you mentioned "
    "cutting onboarding time. I'm calling to set up a 15-minute call Thursday at 10 to "
    "show how we cut it by 23%. Call me at 415 555 0100."
)


def add_contact(cli: Cli, name: str = "Bill Turner", *extra: str) -> int:
    result = cli("contacts", "add", "--name", name, "--json", *extra)
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["id"])


def stats(cli: Cli, *args: str) -> dict:
    result = cli("stats", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


NY = ZoneInfo("America/New_York")


MON = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York


def settings_for(db_url: str, tmp_path: Path, port: int | None = None, **kw: Any) -> Settings:
    smtp: dict[str, Any] = (
        {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_timeout": 5}
        if port
        else {}
    )
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        timezone="America/New_York",
        owner_name="Dana Reyes",
        owner_company="Acme",
        owner_phone="415-555-0100",
        owner_email="dana@acme.example",
        **smtp,
        **kw,
    )


def make_contact(
    session: Any, *, email: str | None = "bill@abc.example", tz: str | None = None
) -> int:
    contact = Contact(name="Bill Turner", company="ABC Inc", timezone=tz)
    if email:
        contact.emails.append(ContactEmail(address=email))
    contact.back_story.append(
        BackStoryItem(kind=BackStoryKind.PROFESSIONAL_GOAL, text="Open a second office in Austin")
    )
    session.add(contact)
    session.flush()
    return contact.id


def drafted_email(
    session: Session, *, contact_id: int, subject: str, body: str, now: datetime
) -> FollowUpStep:
    """A follow-up sequence on the contact, started the day before ``now``, whose first
    step is an email drafted and due an hour ago: what Today offers to approve."""
    from ringback.tracking.models import Channel, FollowUpSequence, FollowUpStep, StepStatus

    sequence = FollowUpSequence(contact_id=contact_id, started_at=now - timedelta(days=1))
    session.add(sequence)
    session.flush()
    step = FollowUpStep(
        sequence_id=sequence.id,
        position=0,
        business_day=0,
        channel=Channel.EMAIL,
        due_at=now - timedelta(hours=1),
        status=StepStatus.DRAFTED,
        subject=subject,
        body=body,
    )
    session.add(step)
    session.flush()
    return step
