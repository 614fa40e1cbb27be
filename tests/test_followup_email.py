"""Follow-up emails a client can receive (issue 14 §5): sent through a real SMTP server
(aiosmtpd on loopback) from the owner, with Reply-To, Date and a stable Message-ID; the day
and time the text names are the invite's; no private note in any subject; and the whole
draft readable before it is approved (`sequence show`, `approve` asks)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    ContactEmail,
    Direction,
    Interaction,
    InteractionKind,
)
from ringback.db.session import transaction
from ringback.mail.protocol import message_id_for
from ringback.tracking.meeting import meeting_time, when_words
from ringback.tracking.models import FollowUpStep, StepStatus
from ringback.tracking.sequence_mail import send_step
from ringback.tracking.sequences import SequenceError, run_due, start_sequence
from ringback.tracking.service import log_voicemail
from tests.conftest import Cli
from tests.support.smtp import Server, smtp_servers
from tests.support.tracking import GOOD, MON, add_contact, settings_for

CHICAGO = ZoneInfo("America/Chicago")
# Words of the owner's private notes: none may reach a subject line.
SECRET = ("zanzibar", "divorce", "quokka")
# No number and no outcome verb: the voicemail offers no value sentence, only a next step.
ASK_ONLY = (
    "Hi Bill, this is Dana from Acme, about the new office. Could we talk Thursday at 2? "
    "Call me at 415 555 0100."
)
_DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()  # noqa: SIM905
_CLOCK = re.compile(r"\bat (\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)?", re.IGNORECASE)


@pytest.fixture
def smtp() -> Iterator[Server]:
    with smtp_servers() as start:
        yield start()


def _contact(session: object) -> int:
    contact = Contact(name="Bill Turner", company="ABC Inc", timezone="America/Chicago")
    contact.emails.append(ContactEmail(address="bill@abc.example"))
    contact.back_story.append(
        BackStoryItem(
            kind=BackStoryKind.PROFESSIONAL_GOAL,
            text="zanzibar office, expand after the divorce settles",
        )
    )
    contact.back_story.append(
        BackStoryItem(kind=BackStoryKind.CHALLENGE, text="quokka payroll mess takes all week")
    )
    contact.interactions.append(
        Interaction(
            kind=InteractionKind.NOTE,
            direction=Direction.NONE,
            occurred_at=MON - timedelta(days=3),
            text="Zanzibar deal: divorce lawyer involved, keep quiet",
        )
    )
    session.add(contact)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return contact.id


def _invite_start(mail: EmailMessage) -> datetime:
    [ics] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    raw = ics.get_content()
    text = raw.decode() if isinstance(raw, bytes) else raw
    stamp = re.search(r"^DTSTART:(\d{8}T\d{6})Z", text, re.MULTILINE)
    assert stamp, text
    return datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def _said_times(body: str, left_on: str) -> tuple[set[str], set[tuple[int, int]]]:
    """Every weekday and every clock time the text names (the day the voicemail was left,
    "my voicemail on Monday", is history, not a proposal)."""
    text = re.sub(rf"voicemail (?:on )?{left_on}", "", body, flags=re.IGNORECASE).lower()
    days = {d for d in _DAYS if re.search(rf"\b{d}\b", text)}
    times = set()
    for hour, minute, half in _CLOCK.findall(text):
        h = int(hour) % 12 + (12 if half.startswith("p") or (not half and int(hour) < 8) else 0)
        times.add((h, int(minute or 0)))
    return days, times


def _check(mail: EmailMessage) -> None:
    """One email as a client receives it."""
    assert mail["From"] == "Dana Reyes <dana@acme.example>"
    assert mail["Reply-To"] == "Dana Reyes <dana@acme.example>"
    assert parsedate_to_datetime(str(mail["Date"])).tzinfo is not None
    assert str(mail["Message-ID"]).endswith("@acme.example>")
    subject = str(mail["Subject"]).lower()
    assert not [w for w in SECRET if w in subject], subject
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    start = _invite_start(mail).astimezone(CHICAGO)
    days, times = _said_times(body.get_content(), "Monday")
    assert days == {start.strftime("%A").lower()}, (days, start)
    assert times == {(start.hour, start.minute)}, (times, start)


def test_followups_arrive_from_the_owner_naming_the_invites_day(
    db_url: str, tmp_path: Path, smtp: Server
) -> None:
    settings = settings_for(db_url, tmp_path, smtp.port)
    with transaction(db_url) as session:
        cid = _contact(session)
        steps = []
        for script, at in ((GOOD, MON), (ASK_ONLY, MON + timedelta(hours=1))):
            vm = log_voicemail(session, contact_id=cid, script=script, at=at, settings=settings)
            seq, _ = start_sequence(session, event_id=vm.event.id, settings=settings)
            steps += session.scalars(
                select(FollowUpStep).where(FollowUpStep.sequence_id == seq.id)
            ).all()
        first_ids = [s.id for s in steps if s.business_day == 0]
        run_due(session, settings=settings, now=MON + timedelta(hours=2))
        for step_id in first_ids:
            send_step(session, step_id=step_id, settings=settings, now=MON + timedelta(hours=2))
        # Day 3 (Thursday): the nudges go out at once; the voicemail's Thursday is past.
        run_due(session, settings=settings, now=datetime(2026, 11, 5, 22, tzinfo=UTC), send=True)
        uids = {s.id: s.uid for s in steps}
    mails = smtp.handler.messages()
    assert len(mails) == 4
    for mail in mails:
        _check(mail)
    # GOOD proposed "Thursday at 10": the first email keeps that day, said in full.
    first = _invite_start(mails[0]).astimezone(CHICAGO)
    assert (first.strftime("%A"), first.hour) == ("Thursday", 10)
    body = mails[0].get_body(preferencelist=("plain",))
    assert body is not None and "Thursday, November 5 at 10:00 am" in body.get_content()
    # The Message-ID is the step's, whatever the database's ids: a resend is the same mail.
    key = f"followup-step-{first_ids[0]}-{uids[first_ids[0]]}"
    assert mails[0]["Message-ID"] == message_id_for(key, "acme.example")
    assert len({m["Message-ID"] for m in mails}) == 4


def test_meeting_time_and_words_are_one_value_in_the_contacts_zone() -> None:
    london = ZoneInfo("Europe/London")
    # Said on Monday 2 Nov (New York morning), read in the contact's zone: Thursday 14:00.
    when = meeting_time("Could we talk Thursday at 2?", left_at=MON, send_at=MON, tz=london)
    assert when == datetime(2026, 11, 5, 14, 0, tzinfo=london)
    assert when_words(when, london) == "Thursday, November 5 at 2:00 pm"
    # Asked for a day that has gone by: the next business day after sending, 10:00.
    late = meeting_time("Thursday at 2", left_at=MON, send_at=MON + timedelta(days=4), tz=london)
    assert late == datetime(2026, 11, 9, 10, 0, tzinfo=london)


def test_without_an_owner_email_nothing_is_sent_and_the_draft_is_kept(
    db_url: str, tmp_path: Path, smtp: Server
) -> None:
    settings = settings_for(db_url, tmp_path, smtp.port).model_copy(update={"owner_email": None})
    with transaction(db_url) as session:
        cid = _contact(session)
        vm = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
        start_sequence(session, event_id=vm.event.id, settings=settings)
        report = run_due(session, settings=settings, now=MON + timedelta(minutes=5))
        [step_id] = report.drafted
        with pytest.raises(SequenceError, match="RINGBACK_OWNER_EMAIL"):
            send_step(session, step_id=step_id, settings=settings, now=MON + timedelta(minutes=6))
        step = session.get(FollowUpStep, step_id)
        assert step is not None and step.status is StepStatus.DRAFTED and step.body
    assert smtp.handler.envelopes == []


def _drafted(cli: Cli) -> int:
    cli.env.update(RINGBACK_OWNER_NAME="Dana Reyes", RINGBACK_OWNER_EMAIL="dana@acme.example")
    bill = add_contact(cli, "Bill Turner", "--email", "bill@abc.example")
    logged = cli("log", "voicemail", "--contact", str(bill), "--script", GOOD,
                 "--at", "2026-11-02 10:00", "--json")  # fmt: skip
    event = json.loads(logged.stdout)["id"]
    seq = json.loads(cli("sequence", "start", str(event), "--cadence", "0:email", "--json").stdout)
    cli("sequence", "run", "--now", "2026-11-02 10:05")
    return int(seq["steps"][0]["id"])


def test_a_draft_is_read_in_full_before_it_is_approved(cli: Cli) -> None:
    step = _drafted(cli)
    shown = cli("sequence", "show", str(step))
    assert shown.exit_code == 0, shown.output
    for part in ("From:", "Dana Reyes <dana@acme.example>", "Reply-To:", "bill@abc.example",
                 "Hi Bill,", "how we cut it by 23%", "Thursday, November 5 at 10:00 am"):  # fmt: skip
        assert part in shown.stdout, part
    data = json.loads(cli("sequence", "show", str(step), "--json").stdout)
    assert data["body"].startswith("Hi Bill,") and data["from"] == "Dana Reyes <dana@acme.example>"
    assert data["meeting"] == "Thursday, November 5 at 10:00 am"
    [listed] = json.loads(cli("sequence", "list", "--json").stdout)
    assert listed["steps"][0]["body"] == data["body"]

    blind = cli("sequence", "approve", str(step), "--json")
    assert blind.exit_code == 1 and "--yes" in blind.output
    declined = cli("sequence", "approve", str(step), input="n\n")
    assert declined.exit_code == 1 and "Hi Bill," in declined.stdout
    assert "not sent" in declined.output
    assert json.loads(cli("sequence", "show", str(step), "--json").stdout)["status"] == "drafted"
    sent = cli("sequence", "approve", str(step), input="y\n")
    assert sent.exit_code == 0, sent.output
    assert "Hi Bill," in sent.stdout and f"Step {step}: sent" in sent.stdout
    mails = list((Path(cli.env["RINGBACK_DATA_DIR"]) / "mail" / "new").iterdir())
    assert len(mails) == 1
    missing = cli("sequence", "show", "999")
    assert missing.exit_code == 1 and "no follow-up step with id 999" in missing.output
