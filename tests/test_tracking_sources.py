"""Where outcomes come from besides the CLI: Twilio status callbacks (the pure mapping the
web route calls) and the voicemail inbox's follow-up stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from ringback.config import Settings
from ringback.contacts.models import Contact, ContactPhone
from ringback.db.session import transaction
from ringback.tracking.models import Outcome, OutreachEvent
from ringback.tracking.service import log_voicemail
from ringback.tracking.twilio import outcome_for, record_call_status
from tests.support.tracking import GOOD

BILL = "+14155550137"
STAMP = "Mon, 02 Nov 2026 15:00:00 +0000"


def make_contact(session, number: str = BILL) -> int:  # type: ignore[no-untyped-def]
    contact = Contact(name="Bill Turner", phones=[ContactPhone(e164=number)])
    session.add(contact)
    session.flush()
    return contact.id


def params(**kw: str) -> dict[str, str]:
    base = {
        "CallSid": "CA0001",
        "CallStatus": "completed",
        "Direction": "outbound-api",
        "From": "+14155550100",
        "To": BILL,
        "Timestamp": STAMP,
    }
    base.update(kw)
    return base


def test_outcome_mapping() -> None:
    assert outcome_for("completed", "human") is Outcome.CONNECTED
    assert outcome_for("completed", "") is Outcome.CONNECTED
    assert outcome_for("completed", "machine_end_beep") is Outcome.VOICEMAIL
    for status in ("busy", "no-answer", "failed", "canceled"):
        assert outcome_for(status, "") is Outcome.NO_ANSWER


def test_twilio_callbacks_log_once_and_return_attempts(db_url: str) -> None:
    settings = Settings(database_url=db_url)
    with transaction(db_url) as session:
        cid = make_contact(session)
        # Not final yet: nothing to log.
        early = record_call_status(session, params(CallStatus="ringing"), settings=settings)
        assert early.logged is None and "not final" in early.reason
        # Our call reached the machine: a voicemail left, keyed by the CallSid.
        left = record_call_status(session, params(AnsweredBy="machine_end_beep"), settings=settings)
        assert left.reason == "logged" and left.logged is not None
        assert left.logged.event.outcome is Outcome.VOICEMAIL
        assert left.logged.event.occurred_at == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
        assert left.logged.event.contact_id == cid
        # Twilio retries the same callback: counted once.
        again = record_call_status(
            session, params(AnsweredBy="machine_end_beep"), settings=settings
        )
        assert again.reason == "duplicate" and again.logged is not None
        assert again.logged.event.id == left.logged.event.id
        # Bill calls in the next day (Direction inbound, matched by From): returned.
        back = record_call_status(
            session,
            params(
                CallSid="CA0002",
                Direction="inbound",
                From="(415) 555-0137",
                To="+14155550100",
                Timestamp="Tue, 03 Nov 2026 09:00:00 +0000",
            ),
            settings=settings,
        )
        assert back.logged is not None and back.logged.returned == (left.logged.event.id,)
        rows = session.scalars(select(OutreachEvent).order_by(OutreachEvent.id)).all()
        assert [(r.direction.value, r.outcome.value, r.key) for r in rows] == [
            ("outbound", "voicemail", "twilio:CA0001"),
            ("inbound", "connected", "twilio:CA0002"),
        ]
        assert rows[0].return_seconds == 18 * 3600


def test_twilio_bad_input_is_ignored_with_a_reason(db_url: str) -> None:
    settings = Settings(database_url=db_url)
    with transaction(db_url) as session:
        make_contact(session)
        cases = {
            "unknown contact": params(To="+14155559999"),
            "no CallSid": params(CallSid=""),
            "no usable phone number": params(To="not a number"),
            "unknown direction": params(Direction="sideways"),
        }
        for reason, form in cases.items():
            result = record_call_status(session, form, settings=settings)
            assert result.logged is None and result.reason.startswith(reason), result
        # A missing or garbled Timestamp falls back to now rather than failing.
        result = record_call_status(
            session,
            params(CallSid="CA9", Timestamp="garbage", CallStatus="busy"),
            settings=settings,
        )
        assert result.logged is not None
        assert result.logged.event.outcome is Outcome.NO_ANSWER
        assert abs(result.logged.event.occurred_at - datetime.now(UTC)) < timedelta(minutes=5)
        assert session.scalars(select(OutreachEvent.key)).all() == ["twilio:CA9"]


def test_inbox_voicemail_from_a_known_contact_marks_returned(db_url: str, tmp_path: Path) -> None:
    """The pipeline's real follow-up stage, on a stored message from Bill's number."""
    from ringback.voicemail.followup import record_follow_up
    from ringback.voicemail.models import Voicemail, VoicemailSource
    from ringback.voicemail.pipeline.context import VoicemailContext

    settings = Settings(database_url=db_url, data_dir=tmp_path)
    t0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    with transaction(db_url) as session:
        cid = make_contact(session)
        attempt = log_voicemail(session, contact_id=cid, script=GOOD, at=t0, settings=settings)
        attempt_id = attempt.event.id
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key="sha-test",
            from_number="415-555-0137",
            received_at=t0 + timedelta(days=2),
            facts={"asks_callback": True, "summary": "wants the study"},
        )
        session.add(row)
        session.flush()
        vm_id = row.id
    ctx = VoicemailContext(
        voicemail_id=vm_id,
        source="upload",
        source_key="sha-test",
        original_path=tmp_path / "x.wav",
        original_filename=None,
        mime=None,
        from_number="415-555-0137",
        caller_name=None,
        to_number=None,
        received_at=t0 + timedelta(days=2),
        facts={"asks_callback": True, "summary": "wants the study"},
    )
    first = record_follow_up(db_url, ctx, settings)
    assert first["contact_id"] == cid
    record_follow_up(db_url, ctx, settings)  # a resumed pipeline runs the stage again
    with transaction(db_url) as session:
        attempt_row = session.get(OutreachEvent, attempt_id)
        assert attempt_row is not None and attempt_row.return_seconds == 2 * 86400
        inbound = session.scalars(
            select(OutreachEvent).where(OutreachEvent.direction == "inbound")
        ).all()
        assert [e.key for e in inbound] == [f"inbox:voicemail #{vm_id}"]
