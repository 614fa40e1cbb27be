"""End to end with the real pipeline (Whisper tiny.en, offline): a voicemail from a known
contact arriving in the inbox marks the voicemail we left them as returned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.audio import needs_audio, voicemail_wav
from tests.support.tracking import GOOD, add_contact


@pytest.mark.slow
@needs_audio
def test_inbox_voicemail_from_a_contact_returns_our_voicemail(
    cli_embedded: Cli, tmp_path: Path
) -> None:
    recording = tmp_path / "message.wav"
    recording.write_bytes(voicemail_wav())
    bill = add_contact(cli_embedded, "Bill Turner", "--phone", "212 555 0199")
    other = add_contact(cli_embedded, "Ann Lee", "--phone", "415 555 0101")
    for cid in (bill, other):
        r = cli_embedded("log", "voicemail", "--contact", str(cid), "--script", GOOD,
                         "--at", "2026-11-20 10:00")  # fmt: skip
        assert r.exit_code == 0, r.output
    added = cli_embedded(
        "inbox", "add", str(recording), "--from", "212 555 0199",
        "--received-at", "2026-11-23 14:30", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["status"] == "done"
    stats = json.loads(cli_embedded("stats", "--json").stdout)
    assert stats["voicemails_left"] == 2 and stats["returned"] == 1
    # 2026-11-20 10:00 to 2026-11-23 14:30 New York time: 3 days 4.5 hours.
    assert stats["time_to_return"]["median_hours"] == 76.5
    # The same recording again is the same voicemail: still one return.
    cli_embedded("inbox", "add", str(recording), "--json")
    assert json.loads(cli_embedded("stats", "--json").stdout)["returned"] == 1
