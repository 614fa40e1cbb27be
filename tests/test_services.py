"""The service layer called directly, as the web app will call it: the actions of the
calls, coach, prep and tracking domains, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ringback.calls import service as calls
from ringback.coach import service as coach
from ringback.contacts.models import BackStoryKind, Contact
from ringback.contacts.service import ContactNotFound, add_back_story, add_contact
from ringback.db.session import transaction
from ringback.prep.service import brief_for_contact
from ringback.tracking import service as tracking
from ringback.tracking.models import Channel, Outcome, Way
from ringback.tracking.sequence_state import SequenceError
from tests.support.tracking import settings_for

GOOD = (
    "Hi Bill, this is Dana from Acme. Following up on our call Tuesday: you mentioned "
    "cutting onboarding time. I'm calling to set up a 15-minute call Thursday at 10 to "
    "show how we cut it by 23%. Call me at 415 555 0100."
)
LEFT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


def _bill(session: Session) -> Contact:
    bill = add_contact(
        session,
        name="Bill Turner",
        company="ABC Inc",
        phones=["+14155550137"],
        emails=["bill@abc.example"],
        region="US",
    )
    add_back_story(
        session,
        contact=bill,
        kind=BackStoryKind.PROFESSIONAL_GOAL,
        text="Cut onboarding time for new hires",
    )
    return bill


def test_log_outcome_and_return_stats(db_url: str, tmp_path: Path) -> None:
    settings = settings_for(db_url, tmp_path)
    with transaction(db_url) as session:
        cid = _bill(session).id
        left = tracking.log_outcome(
            session,
            channel=Channel.VOICEMAIL,
            contact_id=cid,
            script=GOOD,
            variant="B",
            at=LEFT,
            settings=settings,
        )
        again = tracking.log_outcome(
            session,
            channel=Channel.VOICEMAIL,
            contact_id=cid,
            script=GOOD,
            at=LEFT,
            settings=settings,
        )
        back = tracking.log_outcome(
            session,
            channel=Channel.CALL,
            contact_id=cid,
            direction=Way.INBOUND,
            at=LEFT + timedelta(days=1),
            settings=settings,
        )
        mail = tracking.log_outcome(
            session, channel=Channel.EMAIL, contact_id=cid, at=LEFT, settings=settings
        )
        stats = tracking.return_stats(session, settings=settings)
    assert not left.duplicate and again.duplicate and again.id == left.id
    assert (
        left.score is not None
        and left.variant == "B"
        and left.local_time.startswith("Mon 2 Nov")
        and left.local_time.endswith(", 10:00 am")
    )
    assert "personal_score" in left.as_json() and "personal_score" not in back.as_json()
    assert back.marked_returned == (left.id,) and back.outcome is Outcome.CONNECTED
    assert mail.outcome is Outcome.SENT and mail.direction is Way.OUTBOUND
    # A typed result; its JSON is the `ringback stats --json` document, keys unchanged.
    assert stats.voicemails_left == 1 and stats.returned == 1
    assert stats.by_variant["B"].returned == 1
    assert stats.as_json()["by_variant"]["B"] == {"left": 1, "returned": 1, "return_rate": 1.0}


def test_log_outcome_refuses_an_unknown_contact_and_a_voicemail_without_script(
    db_url: str, tmp_path: Path
) -> None:
    settings = settings_for(db_url, tmp_path)
    with transaction(db_url) as session:
        with pytest.raises(tracking.UnknownContact):
            tracking.log_outcome(session, channel=Channel.CALL, contact_id=999, settings=settings)
        with pytest.raises(ValueError, match="script"):
            tracking.log_outcome(
                session, channel=Channel.VOICEMAIL, contact_id=1, settings=settings
            )


def test_follow_up_start_list_show_approve(db_url: str, tmp_path: Path) -> None:
    settings = settings_for(db_url, tmp_path)
    with transaction(db_url) as session:
        cid = _bill(session).id
        vm = tracking.log_outcome(
            session,
            channel=Channel.VOICEMAIL,
            contact_id=cid,
            script=GOOD,
            at=LEFT,
            settings=settings,
        )
        seq, created = tracking.start_followup(
            session, event_id=vm.id, settings=settings, cadence="0:email,3:call"
        )
        report = tracking.run_followups(session, settings=settings, now=LEFT + timedelta(hours=1))
        listed = tracking.list_followups(session)
        shown = tracking.show_followup(session, sequence_id=seq.id)
        with pytest.raises(SequenceError):
            tracking.show_followup(session, sequence_id=seq.id + 100)
        with pytest.raises(SequenceError):  # the call step is no draft to send
            tracking.approve_followup(session, step_id=seq.steps[1].id, settings=settings, now=LEFT)
        draft = shown.steps[0]
        approved = tracking.approve_followup(
            session, step_id=draft.id, settings=settings, now=LEFT + timedelta(hours=2)
        )
        twice = tracking.approve_followup(
            session, step_id=draft.id, settings=settings, now=LEFT + timedelta(hours=2)
        )
        edited = tracking.edit_followup(
            session, sequence_id=seq.id, cadence="0:email,5:call", settings=settings
        )
    assert created and [s.channel for s in seq.steps] == ["email", "call"]
    assert report.drafted == [draft.id]
    assert [s.id for s in listed] == [seq.id]
    assert draft.status == "drafted" and draft.subject
    assert approved.status != "already_sent" and twice.status == "already_sent"
    assert [s.business_day for s in edited.steps] == [0, 5]
    assert edited.as_json()["voicemail_event"] == vm.id


def test_coach_score_opener_and_compose(db_url: str, tmp_path: Path) -> None:
    settings = settings_for(db_url, tmp_path)
    with transaction(db_url) as session:
        _bill(session)
        profile = coach.contact_profile(session, ref="Bill", region="US")
        composed = coach.compose_voicemails(
            session, contact_ref="bill@abc.example", settings=settings, value="a 23% gain"
        )
        with pytest.raises(ContactNotFound):
            coach.compose_voicemails(session, contact_ref="nobody", settings=settings)
    scored = coach.score_draft(text=GOOD, profile=profile)
    assert 0 <= scored.score <= 100 and scored.findings
    assert coach.check_opener(text="Hi, how are you today?").score < 100
    assert composed.profile.name == "Bill Turner" and composed.variants
    assert composed.warnings == ()  # owner set, back story recorded
    data = composed.as_json()
    assert data["contact"] == {"id": profile.id, "name": "Bill Turner"}
    assert [v["score"] for v in data["variants"]] == sorted(
        (v["score"] for v in data["variants"]), reverse=True
    )


def test_prep_brief_for_contact(db_url: str, tmp_path: Path) -> None:
    settings = settings_for(db_url, tmp_path)
    with transaction(db_url) as session:
        _bill(session)
        brief = brief_for_contact(
            session, contact_ref="+1 415 555 0137", settings=settings, now=LEFT
        )
    assert brief.contact["name"] == "Bill Turner"
    assert brief.goals["professional"] == ["Cut onboarding time for new hires"]
    assert brief.voicemail is not None and brief.questions


def _proposals(folder: Path, contact_id: int) -> Path:
    folder.mkdir()
    doc = {
        "contact_id": contact_id,
        "contact": "Bill Turner",
        "file": "/calls/bill.wav",
        "call_at": "2026-11-02T10:00:00-05:00",
        "summary": "Talked about onboarding.",
        "proposals": [
            {
                "id": 1,
                "kind": "back_story",
                "text": "Wants onboarding under two weeks",
                "speaker": "customer",
                "start": 61.0,
                "story_kind": "professional_goal",
            },
            {
                "id": 2,
                "kind": "follow_up",
                "text": "Send the pilot results",
                "speaker": "rep",
                "start": 125.5,
                "by": "you",
                "due": "2026-11-04",
            },
        ],
        "accepted_at": None,
    }
    (folder / "proposals.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


def test_accept_call_proposals_once(db_url: str, tmp_path: Path) -> None:
    settings = settings_for(db_url, tmp_path)
    with transaction(db_url) as session:
        cid = _bill(session).id
    folder = _proposals(tmp_path / "review", cid)
    proposals = calls.read_proposals(folder)
    with transaction(db_url) as session:
        only_story = calls.accept_call_proposals(
            session, proposals=proposals, settings=settings, only={1}
        )
        accepted = calls.accept_call_proposals(session, proposals=proposals, settings=settings)
    assert [b["text"] for b in only_story.back_story] == ["Wants onboarding under two weeks"]
    assert only_story.follow_ups == ()
    assert accepted.contact == "Bill Turner" and accepted.interaction_id
    assert [f["title"] for f in accepted.follow_ups] == ["Send the pilot results"]
    calls.mark_proposals_accepted(proposals, now=datetime.now(UTC))
    with pytest.raises(calls.ProposalsError, match="already accepted") as refused:
        calls.read_proposals(folder)
    assert "call report" in refused.value.hint
    with pytest.raises(calls.ProposalsError, match=r"no proposals\.json"):
        calls.read_proposals(tmp_path / "nowhere")


def test_call_contact_and_call_time(db_url: str, tmp_path: Path) -> None:
    with transaction(db_url) as session:
        cid = _bill(session).id
        assert calls.call_contact(session, ref="bill", region="US") == calls.CallContact(
            cid, "Bill Turner"
        )
    tz = settings_for(db_url, tmp_path).tz
    at = calls.call_time(tmp_path / "missing.wav", at="2026-11-23 14:30", tz=tz)
    assert at == datetime(2026, 11, 23, 14, 30, tzinfo=tz)
    with pytest.raises(ValueError):
        calls.call_time(tmp_path / "missing.wav", at="next blue moon", tz=tz)
