"""`ringback voicemail analyze`: the evaluation contract, on real speech, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.audio import E164, NUMBER, needs_audio, voicemail_wav

CONTRACT = [
    "transcript",
    "duration",
    "callback_number",
    "callback_number_confidence",
    "caller_name",
    "company",
    "emails",
    "dates",
    "amounts",
    "addresses",
    "summary",
    "urgent",
    "is_prospect",
    "callback_extension",
    "callback_at",
]


@pytest.mark.slow
@needs_audio
def test_analyze_json_is_the_contract(cli_embedded: Cli, tmp_path: Path) -> None:
    audio = tmp_path / "message.wav"
    audio.write_bytes(voicemail_wav())
    result = cli_embedded(
        "voicemail", "analyze", str(audio), "--received-at", "2026-11-23T09:30", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == CONTRACT
    assert data["callback_number"] == E164
    assert data["callback_number_confidence"] >= 0.9  # said twice, both readings agree
    assert 20 < data["duration"] < 25 and isinstance(data["duration"], float)
    assert "hello" in data["transcript"].lower()
    # "Tomorrow", relative to Monday 23 November in the user's timezone (America/New_York).
    assert {"text": "Tomorrow", "iso": "2026-11-24"} in data["dates"]
    assert all(set(d) == {"text", "iso"} for d in data["dates"])
    assert isinstance(data["urgent"], bool) and isinstance(data["is_prospect"], bool)
    # Stateless: nothing was written, not even the embedded database.
    assert not (tmp_path / "data" / "ringback.db").exists()


@pytest.mark.slow
@needs_audio
def test_analyze_prints_a_panel(cli_embedded: Cli, tmp_path: Path) -> None:
    audio = tmp_path / "message.wav"
    audio.write_bytes(voicemail_wav())
    result = cli_embedded("voicemail", "analyze", str(audio), "--caller-id", NUMBER)
    assert result.exit_code == 0, result.output
    assert "212-555-0199" in result.stdout and "message.wav" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 50, "not usable audio"),
    ],
    ids=["missing", "zero-bytes", "pdf-renamed-wav"],
)
def test_analyze_bad_input_is_a_clear_error(
    cli_embedded: Cli, tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "message.wav"
    if content is not None:
        path.write_bytes(content)
    result = cli_embedded("voicemail", "analyze", str(path), "--json")
    assert result.exit_code != 0
    assert expected in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_analyze_bad_time_is_a_clear_error(cli_embedded: Cli, tmp_path: Path) -> None:
    path = tmp_path / "message.wav"
    path.write_bytes(b"RIFF")
    result = cli_embedded("voicemail", "analyze", str(path), "--received-at", "next tuesday")
    assert result.exit_code != 0 and "cannot read the time" in result.stderr
