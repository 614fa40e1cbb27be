"""Outcome tracking: the `ringback log` / `ringback stats --json` contract, idempotency and
returns, on SQLite and the real PostgreSQL server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from ringback.config import Settings
from ringback.db.session import transaction
from ringback.tracking.bulk import CallRow, log_calls_bulk
from ringback.tracking.models import Channel, Outcome, OutreachEvent, Way
from ringback.tracking.service import (
    log_call,
    log_email,
    log_voicemail,
    record_inbound,
)
from tests.conftest import Cli
from tests.support.tracking import GOOD, add_contact, stats

WEAK = "Hey, it's me. Just checking in to touch base about our proposal. Call me back."


def test_log_and_stats_contract(cli: Cli) -> None:
    bill = add_contact(cli, "Bill Turner", "--company", "ABC Inc")
    ann = add_contact(cli, "Ann Lee")
    for cid, script, variant, at in (
        (bill, GOOD, "A", "2026-11-02 10:00"),
        (ann, WEAK, "B", "2026-11-02 11:00"),
        (ann, GOOD, "A", "2026-11-20 11:00"),
    ):
        r = cli(
            "log", "voicemail", "--contact", str(cid), "--script", script,
            "--variant", variant, "--at", at, "--json",
        )  # fmt: skip
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["duplicate"] is False
    # Bill calls back two days later: his voicemail is returned; Ann writes 10 days later,
    # outside the 7-day window of her first one, but it still returns nothing earlier.
    assert cli("log", "call", "--contact", str(bill), "--direction", "inbound",
               "--at", "2026-11-04 09:30").exit_code == 0  # fmt: skip
    assert cli("log", "email", "--contact", str(ann), "--direction", "inbound",
               "--at", "2026-11-12 08:00").exit_code == 0  # fmt: skip

    data = stats(cli)
    assert data["voicemails_left"] == 3
    assert data["returned"] == 1
    assert abs(data["return_rate"] - 1 / 3) < 1e-3
    assert isinstance(data["return_rate"], float)
    assert data["by_variant"] == {
        "A": {"left": 2, "returned": 1, "return_rate": 0.5},
        "B": {"left": 1, "returned": 0, "return_rate": 0.0},
    }
    bands = data["by_score_band"]
    assert sum(b["left"] for b in bands.values()) == 3
    # The weak script lands in a lower band than the good one, and the good one is returned.
    good_band = next(k for k, v in bands.items() if v["returned"] == 1)
    assert int(good_band.split("-")[0]) >= 70
    assert any(int(k.split("-")[0]) < 70 for k in bands if k != "unscored")

    # --since leaves the early voicemails out.
    later = stats(cli, "--since", "2026-11-15")
    assert later["voicemails_left"] == 1 and later["returned"] == 0
    assert later["by_variant"] == {"A": {"left": 1, "returned": 0, "return_rate": 0.0}}
    assert later["since"].startswith("2026-11-15T")  # --json keeps ISO 8601
    shown = cli("stats", "--since", "2026-11-15")
    # The table says the day in words (timefmt), not a clipped ISO stamp.
    assert "since Sun 15 Nov, 9:00 am" in shown.stdout and "2026-11-15" not in shown.stdout


def test_same_event_twice_counts_once(cli: Cli) -> None:
    bill = add_contact(cli)
    args = (
        "log",
        "voicemail",
        "--contact",
        str(bill),
        "--script",
        GOOD,
        "--at",
        "2026-11-02 10:00",
    )
    first, second = cli(*args, "--json"), cli(*args, "--json")
    assert json.loads(first.stdout)["duplicate"] is False
    assert json.loads(second.stdout)["duplicate"] is True
    assert json.loads(second.stdout)["id"] == json.loads(first.stdout)["id"]
    # Logged "now" twice (no --at): a retried command, still one event.
    now = (
        "log",
        "call",
        "--contact",
        str(bill),
        "--direction",
        "outbound",
        "--outcome",
        "no-answer",
    )
    assert cli(*now).exit_code == 0
    again = cli(*now)
    assert again.exit_code == 0 and "Already logged" in again.stdout
    # The return arriving twice marks once and counts once.
    back = (
        "log",
        "call",
        "--contact",
        str(bill),
        "--direction",
        "inbound",
        "--at",
        "2026-11-03 09:00",
    )
    cli(*back)
    cli(*back)
    data = stats(cli)
    assert data["voicemails_left"] == 1 and data["returned"] == 1


def test_connected_calls_are_not_attempts_and_call_voicemail_counts(cli: Cli) -> None:
    bill = add_contact(cli)
    for outcome, at in (("connected", "2026-11-02 10:00"), ("voicemail", "2026-11-03 10:00")):
        r = cli("log", "call", "--contact", str(bill), "--direction", "outbound",
                "--outcome", outcome, "--at", at)  # fmt: skip
        assert r.exit_code == 0, r.output
    cli("log", "call", "--contact", str(bill), "--direction", "inbound", "--at", "2026-11-05 10:00")
    data = stats(cli)
    # The call that reached voicemail is a voicemail left (unscored: no script), and returned.
    assert data["voicemails_left"] == 1 and data["returned"] == 1
    assert data["by_score_band"] == {"unscored": {"left": 1, "returned": 1, "return_rate": 1.0}}
    assert data["by_variant"] == {}


def test_return_window_setting(cli: Cli) -> None:
    bill = add_contact(cli)
    cli("log", "voicemail", "--contact", str(bill), "--script", GOOD, "--at", "2026-11-02 10:00")
    cli(
        "log", "email", "--contact", str(bill), "--direction", "inbound", "--at", "2026-11-06 10:00"
    )
    assert stats(cli)["returned"] == 1
    cli.env["RINGBACK_RETURN_WINDOW_DAYS"] = "2"
    cli("log", "voicemail", "--contact", str(bill), "--script", WEAK, "--at", "2026-11-10 10:00")
    cli(
        "log", "email", "--contact", str(bill), "--direction", "inbound", "--at", "2026-11-13 10:00"
    )
    data = stats(cli)
    assert data["voicemails_left"] == 2 and data["returned"] == 1


def test_service_marks_returns_in_any_order(db_url: str) -> None:
    settings = Settings(database_url=db_url)
    t0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    with transaction(db_url) as session:
        from ringback.contacts.models import Contact

        contact = Contact(name="Bill Turner")
        session.add(contact)
        session.flush()
        cid = contact.id
        # The return is known before the attempt (a late backfill of the voicemail).
        back = record_inbound(
            session, contact_id=cid, channel=Channel.CALL, at=t0 + timedelta(hours=5),
            settings=settings,
        )  # fmt: skip
        assert back.returned == ()
        vm = log_voicemail(session, contact_id=cid, script=GOOD, at=t0, settings=settings)
        assert vm.event.returned_by_id == back.event.id
        assert vm.event.return_seconds == 5 * 3600
        email = log_email(
            session, contact_id=cid, direction=Way.OUTBOUND, at=t0 + timedelta(days=1),
            settings=settings,
        )  # fmt: skip
        assert email.event.return_seconds is None  # the call came before the email
        reply = record_inbound(
            session, contact_id=cid, channel=Channel.EMAIL, at=t0 + timedelta(days=2),
            settings=settings,
        )  # fmt: skip
        assert reply.returned == (email.event.id,)
        # The attempt shows on the contact's timeline too.
        from ringback.contacts.models import Interaction

        kinds = session.scalars(select(Interaction.kind).where(Interaction.contact_id == cid)).all()
        assert sorted(k.value for k in kinds) == sorted(
            ["call", "voicemail_left", "email", "email"]
        )


def test_bulk_logging_is_idempotent_and_marks_returns(db_url: str) -> None:
    settings = Settings(database_url=db_url)
    t0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    with transaction(db_url) as session:
        from ringback.contacts.models import Contact

        contacts = [Contact(name=f"C{i}") for i in range(5)]
        session.add_all(contacts)
        session.flush()
        ids = [c.id for c in contacts]
        rows = [
            CallRow(cid, Way.OUTBOUND, Outcome.VOICEMAIL, t0 + timedelta(minutes=i))
            for i, cid in enumerate(ids)
        ]
        rows.append(CallRow(ids[0], Way.INBOUND, Outcome.CONNECTED, t0 + timedelta(days=1)))
        rows.append(CallRow(99999, Way.OUTBOUND, Outcome.CONNECTED, t0))
        report = log_calls_bulk(session, rows=rows, settings=settings)
        assert (report.inserted, report.duplicates, report.unknown_contacts) == (6, 0, [99999])
        again = log_calls_bulk(session, rows=rows, settings=settings)
        assert (again.inserted, again.duplicates) == (0, 6)
        total = session.scalar(select(func.count()).select_from(OutreachEvent))
        assert total == 6
        returned = session.scalars(
            select(OutreachEvent.contact_id).where(OutreachEvent.return_seconds.is_not(None))
        ).all()
        assert returned == [ids[0]]
        # A single-path call after the bulk load sees the same data.
        log_call(
            session, contact_id=ids[1], direction=Way.INBOUND, at=t0 + timedelta(hours=2),
            settings=settings,
        )  # fmt: skip
        assert (
            session.scalar(select(func.count()).where(OutreachEvent.return_seconds.is_not(None)))
            == 2
        )


def test_migration_matches_the_tracking_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ringback.db.models import metadata
    from ringback.db.session import get_engine

    with get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    ours = [d for d in diffs if any(n in repr(d) for n in ("outreach", "followup", "opt_out"))]
    assert ours == []


def test_every_coach_rule_has_a_stored_bit() -> None:
    from ringback.coach.scoring import feature_names
    from ringback.tracking.models import RULE_BITS

    # RULE_BITS is append-only; a new coach rule must be appended there to be tracked.
    assert set(feature_names()) <= set(RULE_BITS)


def test_stats_exports_csv_and_chart(cli: Cli, tmp_path: Path) -> None:
    bill = add_contact(cli)
    cli("log", "voicemail", "--contact", str(bill), "--script", GOOD, "--variant", "=HYPERLINK(1)",
        "--at", "2026-11-02 10:00")  # fmt: skip
    out_csv, out_png, out_svg = tmp_path / "s.csv", tmp_path / "s.png", tmp_path / "s.svg"
    r = cli("stats", "--csv", str(out_csv), "--chart", str(out_png))
    assert r.exit_code == 0, r.output
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = out_csv.read_text()
    assert text.splitlines()[0] == "dimension,group,left,returned,return_rate"
    assert "overall,all,1,0,0.0" in text
    assert "variant,'=HYPERLINK(1),1,0,0.0" in text  # not a formula in a spreadsheet
    assert cli("stats", "--chart", str(out_svg)).exit_code == 0
    assert b"<svg" in out_svg.read_bytes()[:500]
    bad = cli("stats", "--chart", str(tmp_path / "s.gif"))
    assert bad.exit_code == 1 and "FILE.png or FILE.svg" in bad.output
    missing = cli("stats", "--csv", str(tmp_path / "no" / "such" / "s.csv"))
    assert missing.exit_code == 1 and "cannot write" in missing.output


def test_stats_terminal_tables(cli: Cli) -> None:
    empty = cli("stats")
    assert empty.exit_code == 0 and "No voicemails logged" in empty.stdout
    bill = add_contact(cli)
    cli("log", "voicemail", "--contact", str(bill), "--script", GOOD, "--at", "2026-11-02 10:00",
        "--variant", "A")  # fmt: skip
    cli("log", "call", "--contact", str(bill), "--direction", "inbound", "--at", "2026-11-02 13:00")
    out = cli("stats").stdout
    assert "95 % interval" in out and "A/B: not enough data yet" in out
    assert "1 of 1 voicemails returned" in out
    assert "By coach rule" in out and "call_to_action" in out
    # Shown in the user's timezone (the Cli fixture sets America/New_York): 10:00 local.
    assert "By hour left (America/New_York)" in out
