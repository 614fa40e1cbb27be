"""``ringback voicemail extract``: a transcript made elsewhere read as the inbox reads a
message, with ``voicemail analyze``'s JSON keys; bad input is one clear line."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from ringback.voicemail.analyze import CONTRACT_KEYS, MAX_TRANSCRIPT_BYTES
from tests.conftest import Cli

SAID = (
    "Hi, this is Karen Lopez with Lopez Realty. The closing on the 10th is on track. "
    "Call me at 4, 1, 5, 6, 2, 8, 1, 9, 9, 0, tomorrow after 3 p.m."
)
MONDAY = "2026-11-23T09:30"  # the CLI's timezone is America/New_York


def test_json_is_the_analyze_contract_with_callback_at(cli_embedded: Cli) -> None:
    result = cli_embedded("voicemail", "extract", "--text", SAID, "--received-at", MONDAY, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert tuple(data) == CONTRACT_KEYS and CONTRACT_KEYS[-1] == "callback_at"
    assert data["callback_at"] == "2026-11-24T15:00:00-05:00"
    assert {"text": "the 10th", "iso": "2026-12-10"} in data["dates"]
    assert data["callback_number"] == "+14156281990"
    assert data["caller_name"] == "Karen Lopez" and data["company"] == "Lopez Realty"
    assert data["transcript"] == SAID and data["duration"] is None
    assert data["summary"] == "asks for a call back tomorrow after 3 pm"
    # Nothing is stored: not even the embedded database is made.
    assert not (Path(cli_embedded.env["RINGBACK_DATA_DIR"]) / "ringback.db").exists()


def test_file_caller_id_and_readable_output(cli_embedded: Cli, tmp_path: Path) -> None:
    path = tmp_path / "vm-0412.txt"
    path.write_text(
        "Hello, this is Bright Smile Dental. Your cleaning is on Thursday at 10:30 am. "
        "If you need to change it, please call us back before Wednesday at 5.\n",
        encoding="utf-8",
    )
    args = ("voicemail", "extract", "--file", str(path), "--received-at", MONDAY)
    as_json = cli_embedded(*args, "--caller-id", "650-555-0144", "--json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["callback_at"] == "2026-11-25T17:00:00-05:00"
    assert data["callback_number"] == "+16505550144", "no number said: the caller ID"
    shown = cli_embedded(*args)
    assert shown.exit_code == 0, shown.output
    assert "vm-0412.txt" in shown.stdout and "Callback time" in shown.stdout
    # as a person reads it, in the user's timezone (the year only when it is not this one)
    assert re.search(r"Wed 25 Nov( 2026)?, 5:00 pm", shown.stdout), shown.stdout
    assert "{" not in shown.stdout, "a panel for a person, not JSON"


def test_no_callback_time_is_null(cli_embedded: Cli) -> None:
    said = "Hi, this is Greg from Pacific Title. The closing on the 10th is on track."
    result = cli_embedded("voicemail", "extract", "--text", said, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["callback_at"] is None and data["dates"]


def _error(result_output: str) -> str:
    lines = [line for line in result_output.splitlines() if line.strip()]
    assert lines and lines[0].startswith("Error: "), result_output
    assert "Traceback" not in result_output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--text", ""), "the transcript is empty"),
        (("--text", "  \n "), "the transcript is empty"),
        ((), "give the transcript once"),
        (("--text", "hi", "--file", "x.txt"), "give the transcript once"),
        (("--file", "/nonexistent/vm.txt"), "does not exist"),
        (("--text", "call me", "--received-at", "next tuesday"), "cannot read the time"),
        (("--text", "call me", "--received-at", "2026-02-30T10:00"), "cannot read the time"),
        (("--text", "call me", "--caller-id", "banana"), "cannot read the caller ID"),
        (("--text", "x" * (MAX_TRANSCRIPT_BYTES + 1)), "over 256 KB"),
    ],
)
def test_bad_input_is_one_clear_line(cli_embedded: Cli, args: tuple[str, ...], says: str) -> None:
    result = cli_embedded("voicemail", "extract", *args)
    assert result.exit_code != 0
    assert says in _error(result.output)


def test_bad_files_are_refused_without_reading_them(cli_embedded: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "vm.fifo"
    os.mkfifo(fifo)  # opening it to read would wait forever for a writer
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"call me tomorrow " * (MAX_TRANSCRIPT_BYTES // 10))
    binary = tmp_path / "vm.wav"
    binary.write_bytes(b"RIFF\xff\xfe\x00\x81WAVE")
    for path, says in (
        (fifo, "not a regular file"),
        (huge, "over 256 KB"),
        (binary, "not UTF-8 text"),
        (tmp_path, "is a directory"),
    ):
        result = cli_embedded("voicemail", "extract", "--file", str(path))
        assert result.exit_code != 0
        assert says in _error(result.output), path
