"""Follow-up across media: cadences in business days and the contact's timezone, drafts
from the back story, sending through a real SMTP server (aiosmtpd on loopback), stopping
when the contact responds, opt-out, contacts without email, edits while running."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ringback.contacts.models import (
    FollowUp,
)
from ringback.db.session import transaction
from ringback.tracking.cadence import add_business_days, due_at, parse_cadence
from ringback.tracking.drafts import value_and_next_step
from ringback.tracking.models import (
    Channel,
    FollowUpSequence,
    FollowUpStep,
    OutreachEvent,
    SequenceStatus,
    StepStatus,
    Way,
)
from ringback.tracking.sequence_mail import send_step
from ringback.tracking.sequences import (
    SequenceError,
    edit_sequence,
    opt_out,
    run_due,
    start_sequence,
)
from ringback.tracking.service import log_email, log_voicemail
from tests.conftest import Cli
from tests.support.smtp import Collector, smtp_server
from tests.support.tracking import GOOD, MON, add_contact, make_contact, settings_for


@pytest.fixture
def smtp() -> Iterator[tuple[int, Collector]]:
    with smtp_server() as (port, inbox):
        yield port, inbox


# ---- pure parts --------------------------------------------------------------------


def test_cadence_parsing_and_business_days() -> None:
    assert parse_cadence("7:call, 0:email,3:email") == (
        (0, Channel.EMAIL),
        (3, Channel.EMAIL),
        (7, Channel.CALL),
    )
    for bad in ("", "3:fax", "day3:email", "200:email"):
        with pytest.raises(ValueError):
            parse_cadence(bad)
    fri = date(2026, 11, 6)
    assert add_business_days(fri, 0) == fri
    assert add_business_days(fri, 1) == date(2026, 11, 9)  # the Monday after
    assert add_business_days(fri, 3) == date(2026, 11, 11)
    assert add_business_days(date(2026, 11, 7), 0) == date(2026, 11, 9)  # Saturday → Monday


def test_send_time_is_the_contacts_local_hour_across_dst() -> None:
    """London leaves summer time on 2026-10-25: 09:00 is 08:00 UTC before, 09:00 UTC after."""
    london = ZoneInfo("Europe/London")
    started = datetime(2026, 10, 22, 14, 0, tzinfo=UTC)  # Thursday
    before = due_at(started, 1, tz=london, hour=9)  # Friday 23rd, BST
    after = due_at(started, 3, tz=london, hour=9)  # Tuesday 27th, GMT
    assert before == datetime(2026, 10, 23, 8, 0, tzinfo=UTC)
    assert after == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
    assert before.astimezone(london).hour == after.astimezone(london).hour == 9
    # Day 0 after the send hour has passed: due at once, not in the past.
    assert due_at(started, 0, tz=london, hour=9) == started


def test_value_and_next_step_come_from_the_voicemail() -> None:
    value, step = value_and_next_step(GOOD)
    assert value is not None and "23%" in value
    assert step is not None and "Thursday" in step


# ---- the whole sequence over real SMTP ----------------------------------------------


def test_sequence_drafts_sends_on_approval_and_stops_on_reply(
    db_url: str, tmp_path: Path, smtp: tuple[int, Collector]
) -> None:
    port, inbox = smtp
    settings = settings_for(db_url, tmp_path, port)
    with transaction(db_url) as session:
        cid = make_contact(session, tz="America/Chicago")
        vm = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
        seq, created = start_sequence(session, event_id=vm.event.id, settings=settings)
        assert created
        again, created_again = start_sequence(session, event_id=vm.event.id, settings=settings)
        assert again.id == seq.id and not created_again
        steps = session.scalars(
            select(FollowUpStep)
            .where(FollowUpStep.sequence_id == seq.id)
            .order_by(FollowUpStep.position)
        ).all()
        # Day 0 at once (10:00 NY is past 09:00 Chicago), day 3 Thursday and day 7
        # Wednesday at 09:00 in Chicago.
        assert [s.due_at for s in steps] == [
            MON,
            datetime(2026, 11, 5, 15, 0, tzinfo=UTC),
            datetime(2026, 11, 11, 15, 0, tzinfo=UTC),
        ]
        step_ids = [s.id for s in steps]
        report = run_due(session, settings=settings, now=MON + timedelta(minutes=5))
        assert report.drafted == [step_ids[0]] and report.sent == []
        assert inbox.envelopes == []  # drafts wait for approval
        send_step(session, step_id=step_ids[0], settings=settings, now=MON + timedelta(minutes=9))
        send_step(session, step_id=step_ids[0], settings=settings, now=MON + timedelta(minutes=9))

    [mail] = inbox.messages()
    assert mail["To"] == "bill@abc.example"
    assert "Dana Reyes <dana@acme.example>" in mail["From"] or "dana@acme.example" in mail["From"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Hi Bill," in text
    assert "open a second office in Austin" in text  # the back story
    # The voicemail's value, and its next step's day, said as the invite's.
    assert "23%" in text and "Thursday, November 5 at 10:00 am" in text
    assert 'reply "stop"' in text
    [ics] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    invite = ics.get_content()
    invite = invite.decode() if isinstance(invite, bytes) else invite
    # Thursday (the voicemail's day) at 10:00 in Chicago = 16:00 UTC.
    assert "DTSTART:20261105T160000Z" in invite and "METHOD:REQUEST" in invite

    with transaction(db_url) as session:
        sent = session.scalars(
            select(OutreachEvent).where(OutreachEvent.source == "sequence")
        ).all()
        assert [(e.channel.value, e.direction.value) for e in sent] == [("email", "outbound")]
        # Thursday: the day-3 nudge is drafted.
        thu = datetime(2026, 11, 5, 16, 0, tzinfo=UTC)
        report = run_due(session, settings=settings, now=thu)
        assert len(report.drafted) == 1
        # Bill writes back on Friday: the sequence stops, the draft is dropped.
        log_email(
            session, contact_id=cid, direction=Way.INBOUND, at=thu + timedelta(days=1),
            settings=settings,
        )  # fmt: skip
        seq_row = session.scalars(select(FollowUpSequence)).one()
        assert seq_row.status is SequenceStatus.STOPPED
        report = run_due(session, settings=settings, now=thu + timedelta(days=10))
        assert report.tasks == [] and report.drafted == []
        statuses = [
            s.status for s in session.scalars(select(FollowUpStep).order_by(FollowUpStep.position))
        ]
        assert statuses == [StepStatus.SENT, StepStatus.SKIPPED, StepStatus.SKIPPED]
        with pytest.raises(SequenceError, match="not a draft"):
            send_step(session, step_id=step_ids[1], settings=settings, now=thu)
    assert len(inbox.envelopes) == 1


def test_unreturned_voicemail_gets_a_task_and_a_draft_after_n_business_days(
    db_url: str, tmp_path: Path, smtp: tuple[int, Collector]
) -> None:
    port, inbox = smtp
    settings = settings_for(db_url, tmp_path, port, followup_auto_send=True)
    fri = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    with transaction(db_url) as session:
        with_email = make_contact(session)
        without = make_contact(session, email=None)
        returned = make_contact(session, email="ann@x.example")
        for cid in (with_email, without, returned):
            log_voicemail(session, contact_id=cid, script=GOOD, at=fri, settings=settings)
        log_email(
            session, contact_id=returned, direction=Way.INBOUND, at=fri + timedelta(days=1),
            settings=settings,
        )  # fmt: skip
        # Tuesday is two business days on: nothing yet.
        tue = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
        assert run_due(session, settings=settings, now=tue).started == []
        # Wednesday: three business days, the default.
        wed = tue + timedelta(days=1)
        report = run_due(session, settings=settings, now=wed)
        assert len(report.started) == 2
        assert len(report.sent) == 1  # auto-send on: straight out through SMTP
        assert list(report.skipped.values()) == ["no email address"]
        tasks = session.scalars(select(FollowUp.contact_id).order_by(FollowUp.contact_id)).all()
        assert tasks == [with_email, without]  # one call task each, none doubled
        # Running again does nothing new.
        again = run_due(session, settings=settings, now=wed + timedelta(hours=1))
        assert again.started == [] and again.sent == [] and again.tasks == []
    assert [m["To"] for m in inbox.messages()] == ["bill@abc.example"]


def test_opt_out_is_honoured(db_url: str, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    port, inbox = smtp
    settings = settings_for(db_url, tmp_path, port)
    with transaction(db_url) as session:
        cid = make_contact(session)
        vm = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
        seq, _ = start_sequence(session, event_id=vm.event.id, settings=settings)
        report = run_due(session, settings=settings, now=MON + timedelta(minutes=1))
        [draft] = report.drafted
        assert opt_out(session, contact_id=cid, reason="asked by phone") is True
        with pytest.raises(SequenceError):
            send_step(session, step_id=draft, settings=settings, now=MON + timedelta(minutes=2))
        # A later voicemail is not swept into a new sequence's email either.
        log_voicemail(session, contact_id=cid, script=GOOD + " Thanks.", at=MON + timedelta(hours=1),
                      settings=settings)  # fmt: skip
        report = run_due(session, settings=settings, now=MON + timedelta(days=9))
        assert report.sent == [] and report.drafted == []
        assert session.get(FollowUpSequence, seq.id).status is SequenceStatus.STOPPED  # type: ignore[union-attr]
    assert inbox.envelopes == []


def test_sequence_edited_while_running(db_url: str, tmp_path: Path) -> None:
    settings = settings_for(db_url, tmp_path)  # no SMTP host: the Maildir default
    with transaction(db_url) as session:
        cid = make_contact(session)
        vm = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
        seq, _ = start_sequence(session, event_id=vm.event.id, settings=settings)
        run_due(session, settings=settings, now=MON + timedelta(minutes=1))  # day 0 drafted
        # Drop the day-3 email, call on day 5 instead; the taken day-0 step stays.
        edit_sequence(session, sequence_id=seq.id, cadence=parse_cadence("0:email,5:call"),
                      settings=settings)  # fmt: skip
        steps = session.scalars(
            select(FollowUpStep)
            .where(FollowUpStep.sequence_id == seq.id)
            .order_by(FollowUpStep.position)
        ).all()
        assert [(s.business_day, s.channel.value, s.status.value) for s in steps] == [
            (0, "email", "drafted"),
            (5, "call", "pending"),
        ]
        thu = datetime(2026, 11, 5, 16, 0, tzinfo=UTC)
        assert run_due(session, settings=settings, now=thu).tasks == []
        mon_next = datetime(2026, 11, 9, 16, 0, tzinfo=UTC)  # business day 5
        assert len(run_due(session, settings=settings, now=mon_next).tasks) == 1
        # Sent from the draft through the Maildir mailer.
        send_step(session, step_id=steps[0].id, settings=settings, now=mon_next)
        assert session.get(FollowUpSequence, seq.id).status is SequenceStatus.ACTIVE  # type: ignore[union-attr]
        run_due(session, settings=settings, now=mon_next)
        assert session.get(FollowUpSequence, seq.id).status is SequenceStatus.DONE  # type: ignore[union-attr]
        with pytest.raises(SequenceError, match="is done"):
            edit_sequence(session, sequence_id=seq.id, cadence=parse_cadence("9:call"),
                          settings=settings)  # fmt: skip
    delivered = list((tmp_path / "data" / "mail" / "new").iterdir())
    assert len(delivered) == 1


def test_sequence_cli(cli: Cli) -> None:
    cli.env["RINGBACK_OWNER_EMAIL"] = "dana@acme.example"
    bill = add_contact(cli, "Bill Turner", "--email", "bill@abc.example")
    logged = json.loads(
        cli(
            "log",
            "voicemail",
            "--contact",
            str(bill),
            "--script",
            GOOD,
            "--at",
            "2026-11-02 10:00",
            "--json",
        ).stdout
    )
    r = cli("sequence", "start", str(logged["id"]), "--cadence", "0:email,2:call", "--json")
    assert r.exit_code == 0, r.output
    seq = json.loads(r.stdout)
    assert [s["channel"] for s in seq["steps"]] == ["email", "call"]
    r = cli("sequence", "run", "--now", "2026-11-02 10:05", "--json")
    assert json.loads(r.stdout)["drafted"] == [seq["steps"][0]["id"]]
    listing = cli("sequence", "list")
    assert "My voicemail Monday" in listing.stdout
    r = cli("sequence", "approve", str(seq["steps"][0]["id"]), "--yes", "--json")
    assert r.exit_code == 0, r.output and json.loads(r.stdout)["status"] == "sent"
    assert cli("sequence", "stop", str(seq["id"])).exit_code == 0
    bad = cli("sequence", "edit", str(seq["id"]), "--cadence", "1:call")
    assert bad.exit_code == 1 and "stopped" in bad.output
    bad = cli("sequence", "start", "999")
    assert bad.exit_code == 1 and "no outbound attempt with id 999" in bad.output
    bad = cli("sequence", "opt-out", "999")
    assert bad.exit_code == 1 and "no contact with id 999" in bad.output
    bad = cli("sequence", "start", str(logged["id"]), "--cadence", "3:fax")
    assert bad.exit_code == 1 and "0:email,3:email,7:call" in bad.output


@pytest.mark.postgres
def test_edit_committed_while_a_run_waits_wins(pg_url: str, tmp_path: Path) -> None:
    """PostgreSQL, two sessions: an edit holds the sequence while a run reaches the step it
    is removing. The run waits on the row lock, then finds the step gone and skips it."""
    import threading

    from sqlalchemy import text

    from ringback.db.migrate import upgrade
    from ringback.db.session import session_factory

    upgrade(pg_url)
    settings = settings_for(pg_url, tmp_path)
    with transaction(pg_url) as session:
        cid = make_contact(session)
        vm = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
        seq, _ = start_sequence(session, event_id=vm.event.id, settings=settings,
                                cadence=parse_cadence("0:call"))  # fmt: skip
        seq_id = seq.id

    editor = session_factory(pg_url)()
    editor.begin()
    edit_sequence(editor, sequence_id=seq_id, cadence=parse_cadence("5:call"), settings=settings)
    result: dict[str, Any] = {}

    def run() -> None:
        with transaction(pg_url) as session:
            result["report"] = run_due(session, settings=settings, now=MON + timedelta(hours=1))

    runner = threading.Thread(target=run)
    runner.start()
    # Wait (on the database's own state, not a timer) until the run blocks on our lock.
    from ringback.db.session import get_engine

    with get_engine(pg_url).connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        for _ in range(100_000):
            waiting = watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if waiting or not runner.is_alive():
                break
    assert waiting == 1, "the run should be waiting on the edit's lock"
    editor.commit()
    editor.close()
    runner.join(timeout=60)
    assert not runner.is_alive()
    assert result["report"].tasks == []  # the day-0 call was edited away before it ran
    with transaction(pg_url) as session:
        steps = session.scalars(
            select(FollowUpStep).where(FollowUpStep.sequence_id == seq_id)
        ).all()
        assert [(s.business_day, s.status.value) for s in steps] == [(5, "pending")]
        assert session.scalars(select(FollowUp)).all() == []
