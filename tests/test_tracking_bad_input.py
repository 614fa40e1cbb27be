"""Bad input for outcome tracking: unknown contacts, duplicates, time zones and DST,
unreadable times and scripts. Every refusal exits 1, says what to do, and writes nothing."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from ringback.config import Settings
from ringback.db.session import transaction
from ringback.tracking.models import OutreachEvent, Way
from ringback.tracking.service import UnknownContact, log_call, log_voicemail
from tests.conftest import Cli
from tests.support.tracking import GOOD, add_contact, stats


def events(url: str) -> int:
    with transaction(url) as session:
        return int(session.scalar(select(func.count()).select_from(OutreachEvent)) or 0)


def test_unknown_contact_is_refused_and_nothing_written(cli: Cli) -> None:
    for args in (
        ("voicemail", "--script", GOOD),
        ("call", "--direction", "outbound"),
        ("email", "--direction", "inbound"),
    ):
        r = cli("log", args[0], "--contact", "999", *args[1:])
        assert r.exit_code == 1
        assert "no contact with id 999" in r.output and "ringback contacts list" in r.output
        assert "Traceback" not in r.output
    r = cli("log", "call", "--contact", "Bill", "--direction", "outbound")
    assert r.exit_code == 1 and "not a contact id" in r.output
    assert events(cli.env["RINGBACK_DATABASE_URL"]) == 0


def test_empty_script_and_bad_time_are_refused(cli: Cli) -> None:
    bill = add_contact(cli)
    r = cli("log", "voicemail", "--contact", str(bill), "--script", "   ")
    assert r.exit_code == 1 and "the script is empty" in r.output
    r = cli(
        "log", "call", "--contact", str(bill), "--direction", "inbound", "--at", "yesterday-ish"
    )
    assert r.exit_code != 0 and "cannot read 'yesterday-ish' as a time" in r.output
    r = cli("stats", "--since", "last tuesday")
    assert r.exit_code != 0 and "cannot read" in r.output
    assert events(cli.env["RINGBACK_DATABASE_URL"]) == 0


def test_service_refuses_unknown_contacts_and_naive_times(db_url: str) -> None:
    settings = Settings(database_url=db_url)
    with transaction(db_url) as session:
        with pytest.raises(UnknownContact):
            log_call(session, contact_id=4242, direction=Way.OUTBOUND, settings=settings)
        with pytest.raises(UnknownContact):
            log_voicemail(session, contact_id=4242, script=GOOD, settings=settings)
        from ringback.contacts.models import Contact

        contact = Contact(name="Ann")
        session.add(contact)
        session.flush()
        with pytest.raises(ValueError, match="naive"):
            log_call(
                session,
                contact_id=contact.id,
                direction=Way.OUTBOUND,
                at=datetime(2026, 11, 2, 10, 0),
                settings=settings,
            )


def test_return_window_is_exact_across_the_dst_change(cli: Cli) -> None:
    """New York leaves DST on 2026-11-01: 7 days after Sat 10:00 EDT is Sat 09:00 EST.

    The window is 7 × 24 real hours, so a call back at 09:30 EST, which reads "before
    10:00" on the wall clock, is half an hour too late; 08:30 EST is in time.
    """
    late, early = add_contact(cli, "Late Larry"), add_contact(cli, "Early Erin")
    for cid in (late, early):
        cli("log", "voicemail", "--contact", str(cid), "--script", GOOD, "--at", "2026-10-31 10:00")
    cli("log", "call", "--contact", str(late), "--direction", "inbound", "--at", "2026-11-07 09:30")
    cli(
        "log", "call", "--contact", str(early), "--direction", "inbound", "--at", "2026-11-07 08:30"
    )
    data = stats(cli)
    assert data["voicemails_left"] == 2 and data["returned"] == 1
    assert data["time_to_return"]["returned"] == 1
    assert data["time_to_return"]["buckets"]["3–7 days"] == 1


def test_hour_and_weekday_are_local_on_both_sides_of_dst(cli: Cli) -> None:
    """10:00 in New York is 14:00 UTC in October and 15:00 UTC in November: both are
    "10" in the by-hour table, and each lands on its own local weekday and week."""
    bill = add_contact(cli)
    for at in ("2026-10-30 10:00", "2026-11-02 10:00", "2026-11-01 01:30"):
        r = cli("log", "voicemail", "--contact", str(bill), "--script", GOOD, "--at", at)
        assert r.exit_code == 0, r.output
    data = stats(cli)
    assert data["by_hour"]["10"]["left"] == 2
    # 01:30 on the night the clocks go back happens twice; it is read as the first (EDT).
    assert data["by_hour"]["01"]["left"] == 1
    assert data["by_weekday"]["Fri"]["left"] == 1
    assert data["by_weekday"]["Mon"]["left"] == 1
    assert data["by_weekday"]["Sun"]["left"] == 1
    assert list(data["by_week"]) == ["2026-10-26", "2026-11-02"]


def test_explicit_offsets_and_relative_times(cli: Cli) -> None:
    bill = add_contact(cli)
    r = cli("log", "call", "--contact", str(bill), "--direction", "outbound",
            "--outcome", "no-answer", "--at", "2026-11-02T16:00:00+01:00", "--json")  # fmt: skip
    assert json.loads(r.stdout)["at"] == "2026-11-02T15:00:00+00:00"
    r = cli(
        "log", "email", "--contact", str(bill), "--direction", "outbound", "--at", "2h", "--json"
    )
    assert r.exit_code == 0, r.output
    r = cli("stats", "--since", "30d", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["since"] is not None


def test_same_key_from_two_sources_is_one_event(cli: Cli) -> None:
    bill = add_contact(cli)
    base = ("log", "call", "--contact", str(bill), "--direction", "outbound", "--key", "dialer-77")
    first = json.loads(
        cli(*base, "--outcome", "no-answer", "--at", "2026-11-02 10:00", "--json").stdout
    )
    # The same call reported again with a later timestamp and another outcome: still one.
    second = json.loads(
        cli(*base, "--outcome", "voicemail", "--at", "2026-11-02 10:01", "--json").stdout
    )
    assert second["duplicate"] is True and second["id"] == first["id"]
    assert second["outcome"] == "no_answer"
    assert events(cli.env["RINGBACK_DATABASE_URL"]) == 1


def test_import_csv_is_idempotent_and_strict_about_unknown_contacts(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bill = add_contact(cli)
    good = tmp_path / "calls.csv"
    good.write_text(
        "contact,direction,outcome,at,key\n"
        f"{bill},outbound,voicemail,2026-11-02 10:00,d-1\n"
        f"{bill},outbound,no-answer,2026-11-03 10:00,d-2\n"
        f"{bill},inbound,connected,2026-11-04 09:00,d-3\n",
        encoding="utf-8",
    )
    r = cli("log", "import", str(good), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {
        "rows": 3,
        "inserted": 3,
        "duplicates": 0,
        "unknown_contacts": [],
    }
    again = json.loads(cli("log", "import", str(good), "--json").stdout)
    assert again["inserted"] == 0 and again["duplicates"] == 3
    data = stats(cli)
    assert data["voicemails_left"] == 1 and data["returned"] == 1

    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        f"contact,direction,outcome,at\n{bill},outbound,connected,2026-11-05 10:00\n"
        "777,outbound,connected,2026-11-05 10:00\n",
        encoding="utf-8",
    )
    r = cli("log", "import", str(unknown))
    assert r.exit_code == 1 and "unknown contact ids in unknown.csv: 777" in r.output
    assert events(cli.env["RINGBACK_DATABASE_URL"]) == 3  # nothing half-written
    r = cli("log", "import", str(unknown), "--skip-unknown", "--json")
    assert json.loads(r.stdout)["inserted"] == 1

    broken = tmp_path / "broken.csv"
    broken.write_text(f"contact,direction,outcome,at\n{bill},sideways,connected,2026-11-05\n")
    r = cli("log", "import", str(broken))
    assert r.exit_code == 1 and "broken.csv line 2" in r.output
