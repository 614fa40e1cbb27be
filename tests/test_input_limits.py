"""Every input is a clear error, never a traceback or a 500.

Numbers beyond what the database holds, spans and dates no person means, files that are
not files (a FIFO, /dev/zero) or are too large, and a CSV value larger than the field
limit: each is refused with a one-line reason, and nothing is written. On SQLite and on
PostgreSQL wherever the database is reached.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ringback.contacts.fields import parse_date, parse_when
from ringback.inputs import MAX_ID, MAX_IMPORT_BYTES, as_id
from tests.conftest import Cli
from tests.support.twilio import Served, make_settings, recording_params, recording_sid

HUGE_ID = "99999999999999999999"  # 20 digits: past 64 bits, let alone PostgreSQL's 32


def contact(cli: Cli) -> str:
    added = cli("contacts", "add", "--name", "Ana Lopez", "--phone", "415-555-0137", "--json")
    assert added.exit_code == 0, added.output
    return str(json.loads(added.stdout)["id"])


def timeline(cli: Cli, cid: str) -> list[object]:
    shown = cli("contacts", "show", cid, "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    stories = [s for kind in data["back_story"].values() for s in kind]
    return [*data["interactions"], *data["open_follow_ups"], *stories]


def refused(result: object, *words: str) -> str:
    out = result.output  # type: ignore[attr-defined]
    assert result.exit_code != 0, out  # type: ignore[attr-defined]
    assert "Traceback" not in out
    for word in words:
        assert word in out, out
    return str(out)


# -- the web API's query parameters -----------------------------------------------------


def test_api_limit_out_of_bounds_is_a_422_not_a_500_or_the_whole_table(
    db_url: str, tmp_path: Path
) -> None:
    from ringback.telephony import callbacks

    auth = ("ringback", "correct horse battery")
    settings = make_settings(tmp_path, database_url=db_url, web_password=auth[1])
    with Served(create_app(settings)) as srv:
        for n in (1, 2, 3):  # stored after start-up, so the server does not fetch them
            sid = recording_sid(0xA0 + n)
            event = callbacks.parse_recording_callback(
                recording_params(sid, "https://api.twilio.com/x/Recordings/" + sid),
                {"from": "+12125550199", "to": "+14155550199", "line": "personal"},
                settings,
            )
            callbacks.accept(event, db_url)
        path = "/api/telephony/recordings"
        assert len(srv.get(path + "?limit=2", auth=auth).json()["recordings"]) == 2
        assert len(srv.get(path, auth=auth).json()["recordings"]) == 3
        for bad in ("-1", "0", "501", HUGE_ID, "abc", "1.5"):
            reply = srv.get(f"{path}?limit={bad}", auth=auth)
            assert reply.status_code == 422, (bad, reply.text)
            (problem,) = reply.json()["detail"]
            assert problem["loc"] == ["query", "limit"], problem
            assert problem["msg"], problem
        # The login still comes first: no hint about parameters without it.
        assert srv.get(path + "?limit=-1").status_code == 401


def create_app(settings: object) -> object:
    from ringback.web import create_app as create

    return create(settings)  # type: ignore[arg-type]


# -- spans, dates and ids on the command line -------------------------------------------


def test_spans_too_far_back_are_refused_with_the_most_allowed(cli: Cli) -> None:
    cid = contact(cli)
    log = cli("log", "call", "--contact", cid, "--direction", "outbound", "--at", "99999999d")
    text = refused(log, "--at", "too far back", "at most", "1970")
    assert "99999999d" in text
    refused(cli("stats", "--since", "99999999999w"), "--since", "too far back", "at most")
    refused(cli("stats", "--since", "9" * 5000 + "h"), "too far back")
    assert timeline(cli, cid) == []
    assert cli("stats", "--since", "2900w").exit_code == 0


@pytest.mark.parametrize("year", ["0001", "0110", "1969", "9999"])
def test_dates_no_person_means_are_refused_naming_the_range(cli: Cli, year: str) -> None:
    cid = contact(cli)
    when = f"{year}-05-01"
    for args in (
        ("log", "call", "--contact", cid, "--direction", "outbound", "--at", when + " 10:00"),
        ("contacts", "interaction", cid, "--kind", "call", "--at", when),
        ("contacts", "followup", cid, "Send the study", "--due", when),
        ("contacts", "story", cid, "personal", "training for a marathon", "--date", when),
        ("note", cid, "Prefers email", "--at", when + "T09:00"),
        ("sequence", "run", "--now", when),
    ):
        refused(cli(*args), "out of range", "1970", str(date.today().year + 100))
    assert timeline(cli, cid) == []


def test_ids_beyond_the_databases_integers_are_not_such_an_id(cli: Cli) -> None:
    cid = contact(cli)
    refused(cli("log", "call", "--contact", HUGE_ID, "--direction", "outbound"), "not a contact id")
    refused(cli("contacts", "show", HUGE_ID), "no contact")
    refused(cli("prep", HUGE_ID), "no contact")
    refused(cli("note", HUGE_ID, "hello"), "no contact")
    for args in (
        ("contacts", "done", HUGE_ID),
        ("inbox", "show", HUGE_ID),
        ("sequence", "start", HUGE_ID),
        ("sequence", "opt-out", HUGE_ID),
    ):
        refused(cli(*args), "not an id", str(MAX_ID))
    refused(cli("contacts", "list", "--limit", HUGE_ID), str(MAX_ID))
    assert timeline(cli, cid) == []


def test_as_id_and_the_date_readers_at_their_edges() -> None:
    from zoneinfo import ZoneInfo

    assert as_id("#12") == 12 and as_id(str(MAX_ID)) == MAX_ID
    assert as_id(str(MAX_ID + 1)) is None and as_id("0") is None and as_id("²") is None
    tz = ZoneInfo("America/New_York")
    assert parse_when("1970-01-01", tz).year == 1970
    assert parse_date(f"{date.today().year + 100}-12-31").year == date.today().year + 100
    for bad in ("1969-12-31", f"{date.today().year + 101}-01-01", "0001-01-01T00:00Z"):
        with pytest.raises(ValueError, match="out of range"):
            parse_when(bad, tz)


# -- files that are not files, or too large ---------------------------------------------


def run_bounded(
    cli: Cli, *args: str, stdin: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`ringback ARGS` in a child with 60 s and 2 GB of address space: a regression that
    hangs or reads without end fails here instead of taking the machine with it."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    with (stdin or Path(os.devnull)).open("rb") as source:
        return subprocess.run(
            [sys.executable, "-m", "ringback", *args],
            env={**os.environ, **cli.env},
            stdin=source,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=limit_memory,
        )


@pytest.mark.parametrize("command", [("contacts", "import"), ("log", "import")])
def test_a_fifo_or_a_device_is_refused_without_reading_it(
    cli: Cli, tmp_path: Path, command: tuple[str, str]
) -> None:
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)  # no writer: opening it to read would wait forever
    for path in (fifo, Path("/dev/zero")):
        done = run_bounded(cli, *command, str(path))
        assert done.returncode == 1, done.stderr
        assert "not a regular file" in done.stderr and "Traceback" not in done.stderr
        assert "save the data to a file" in done.stderr


@pytest.mark.parametrize("command", [("contacts", "import"), ("log", "import")])
def test_an_import_larger_than_the_cap_is_refused_saying_the_limit(
    cli: Cli, tmp_path: Path, command: tuple[str, str]
) -> None:
    big = tmp_path / "export.csv"
    with big.open("wb") as handle:
        handle.write(b"First Name,Last Name,Email,contact,direction,at\n")
        handle.truncate(MAX_IMPORT_BYTES + 1)  # sparse: costs no disk
    result = cli(*command, str(big))
    refused(result, "larger than 50 MB", "split it")
    assert "nothing was written" in result.output


def test_a_csv_value_over_the_field_limit_names_the_line_and_the_limit(
    cli: Cli, tmp_path: Path
) -> None:
    export = tmp_path / "hubspot.csv"
    export.write_text(
        "First Name,Last Name,Email,Notes\n"
        "Ana,Lopez,ana@abc.example,met at the expo\n"
        'Bill,Turner,bill@abc.example,"' + "x" * 20_000_000 + '"\n',
        encoding="utf-8",
    )
    result = cli("contacts", "import", str(export))
    refused(result, "line 3", "16 MB", "nothing was written")
    assert "no contact rows" not in result.output
    assert json.loads(cli("contacts", "list", "--json").stdout) == []


def test_a_call_log_value_over_the_field_limit_names_the_line(cli: Cli, tmp_path: Path) -> None:
    cid = contact(cli)
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "contact,direction,outcome,at,key\n"
        f"{cid},outbound,connected,2026-11-20 10:00,a\n"
        f'{cid},outbound,connected,2026-11-20 11:00,"' + "k" * 20_000_000 + '"\n',
        encoding="utf-8",
    )
    refused(cli("log", "import", str(calls)), "calls.csv line 3", "16 MB", "nothing was written")
    huge = tmp_path / "huge-id.csv"
    huge.write_text(f"contact,direction,at\n{HUGE_ID},outbound,2026-11-20 10:00\n")
    refused(cli("log", "import", str(huge)), "line 2", "not a contact id")
    assert timeline(cli, cid) == []


def test_an_endless_stdin_is_read_only_up_to_the_script_limit(cli: Cli) -> None:
    cid = contact(cli)
    for args in (("coach", "score", "-"), ("log", "voicemail", "--contact", cid, "--script", "-")):
        done = run_bounded(cli, *args, stdin=Path("/dev/zero"))
        assert done.returncode == 1, done.stderr
        assert "the limit is 100 KB" in done.stderr and "Traceback" not in done.stderr
    assert timeline(cli, cid) == []


def test_inbox_add_of_a_pipe_says_what_it_is_not_that_it_is_missing(
    cli_embedded: Cli, tmp_path: Path
) -> None:
    fifo = tmp_path / "message.wav"
    os.mkfifo(fifo)
    done = run_bounded(cli_embedded, "inbox", "add", str(fifo))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not a regular file" in done.stderr and "no such file" not in done.stderr
    assert "save the recording to a file first" in done.stderr


@pytest.mark.parametrize("interval", ["-1", "nan", "inf"])
def test_a_watch_interval_that_is_no_number_of_seconds_is_refused(
    cli_embedded: Cli, tmp_path: Path, interval: str
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    result = cli_embedded("inbox", "watch", str(drop), "--once", "--interval", interval)
    assert result.exit_code == 2, result.output
    assert "--interval" in result.output and "Traceback" not in result.output
