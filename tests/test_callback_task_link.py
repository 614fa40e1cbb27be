"""A voicemail's callback task is linked by ``voicemails.callback_task_id``, never found
again by its title; migration 0007 links the messages an older Ringback stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from ringback.contacts.models import FollowUp
from ringback.db.migrate import upgrade
from ringback.db.session import transaction
from ringback.voicemail.capture import capture_message
from ringback.voicemail.inbox import voicemail_detail
from ringback.voicemail.models import Voicemail
from tests.support.inbox import FACTS, add_row, run_stage, settings


def test_the_task_is_found_by_its_link_even_with_a_new_title(db_url: str, tmp_path: Path) -> None:
    s = settings(tmp_path)
    vid = add_row(db_url, facts=FACTS, status="done", from_number="+14155550137")
    task_id = run_stage(db_url, vid, s, missed=False, facts=FACTS)["task"]
    with transaction(db_url) as session:
        row = session.get(Voicemail, vid)
        assert row is not None and row.callback_task_id == task_id
        task = session.get(FollowUp, task_id)
        assert task is not None
        task.title = "Call Sarah about the Oak Street house"  # the user's own words
    # A resumed pipeline and a capture find the same task: no second one.
    assert run_stage(db_url, vid, s, missed=False, facts=FACTS)["task"] == task_id
    with transaction(db_url) as session:
        captured = capture_message(session, settings=s, voicemail_id=vid).to_json()
        shown = voicemail_detail(session, s, vid)
        tasks = session.execute(text("SELECT count(*) FROM follow_ups")).scalar()
    assert captured["follow_up"]["id"] == task_id and shown["follow_up"]["id"] == task_id
    assert shown["follow_up"]["title"] == "Call Sarah about the Oak Street house"
    assert tasks == 1


def test_deleting_the_task_unlinks_the_message(db_url: str, tmp_path: Path) -> None:
    s = settings(tmp_path)
    vid = add_row(db_url, facts=FACTS, status="done", from_number="+14155550137")
    task_id = run_stage(db_url, vid, s, missed=False, facts=FACTS)["task"]
    with transaction(db_url) as session:
        session.execute(text("DELETE FROM follow_ups WHERE id = :id"), {"id": task_id})
    with transaction(db_url) as session:
        row = session.get(Voicemail, vid)
        assert row is not None and row.callback_task_id is None
        assert voicemail_detail(session, s, vid)["follow_up"] is None


def test_upgrading_links_each_message_to_its_task_by_the_old_title(db_url: str) -> None:
    from alembic import command

    from ringback.db.migrate import alembic_config
    from ringback.db.session import get_engine

    command.downgrade(alembic_config(db_url), "0006")
    stamp = {"t": "2026-11-23 10:00:00"}
    with get_engine(db_url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, name, is_lead, created_at, updated_at)"
                " VALUES (1, 'Sarah', false, :t, :t), (2, 'Bill', false, :t, :t)"
            ),
            stamp,
        )
        for vid, contact in ((1, 1), (11, 2), (12, None)):
            conn.execute(
                text(
                    "INSERT INTO voicemails (id, uid, source, source_key, status, received_at,"
                    " contact_id, created_at, updated_at)"
                    " VALUES (:id, :uid, 'upload', :k, 'done', :t, :c, :t, :t)"
                ),
                {"id": vid, "uid": f"u{vid}", "k": f"k{vid}", "c": contact, **stamp},
            )
        for task, contact, title in (
            (5, 1, "Call back Sarah: wants a viewing (voicemail #1)"),
            (6, 2, "Call back Bill: pricing (voicemail #11)"),
            (7, 2, "Unrelated (voicemail #1)"),  # another contact's: not message 1's task
            (8, 1, "Call back Sarah again (voicemail #11)"),  # not message 11's contact
        ):
            conn.execute(
                text(
                    "INSERT INTO follow_ups (id, contact_id, title, created_at)"
                    " VALUES (:id, :c, :title, :t)"
                ),
                {"id": task, "c": contact, "title": title, **stamp},
            )
        # What points at a message stays (SQLite rebuilds the table: nothing may cascade).
        conn.execute(
            text(
                "INSERT INTO voicemail_stages (voicemail_id, stage, position, status, attempts)"
                " VALUES (11, 'store', 0, 'done', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO telephony_recordings (provider, recording_sid, line, status,"
                " attempts, voicemail_id, received_at, updated_at)"
                " VALUES ('twilio', 'RE1', 'personal', 'ingested', 1, 11, :t, :t)"
            ),
            stamp,
        )
    upgrade(db_url)
    with get_engine(db_url).connect() as conn:
        links = dict(conn.execute(text("SELECT id, callback_task_id FROM voicemails")).all())
        stages = conn.execute(text("SELECT voicemail_id FROM voicemail_stages")).scalars().all()
        recording = conn.execute(text("SELECT voicemail_id FROM telephony_recordings")).scalar()
        uids = conn.execute(text("SELECT uid FROM voicemails ORDER BY id")).scalars().all()
    assert links == {1: 5, 11: 6, 12: None}
    assert stages == [11] and recording == 11 and uids == ["u1", "u11", "u12"]
