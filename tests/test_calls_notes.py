"""``ringback note``: typed notes and transcribed voice memos land on the contact's timeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from bench import call_corpus, voicemail_corpus

from tests.conftest import IN_CI, Cli


def _contact(cli: Cli) -> int:
    result = cli("contacts", "add", "--name", "Bill Turner", "--company", "ABC Inc", "--json")
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["id"])


def _timeline(cli: Cli, ref: str) -> list[dict[str, object]]:
    result = cli("contacts", "show", ref, "--json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["interactions"])


def test_a_typed_note_is_timestamped_onto_the_timeline(cli: Cli) -> None:
    cid = _contact(cli)
    result = cli("note", "Bill", "Budget frees up in March <b>call</b> back", "--json")
    assert result.exit_code == 0, result.output
    note = json.loads(result.stdout)
    assert note["contact_id"] == cid and note["kind"] == "note"
    timeline = _timeline(cli, str(cid))
    assert [(i["kind"], i["text"]) for i in timeline] == [
        ("note", "Budget frees up in March <b>call</b> back")
    ]
    cli("note", str(cid), "Prefers email first", "--at", "2026-11-20 16:05")
    texts = [i["text"] for i in _timeline(cli, str(cid))]
    assert texts[0] == "Prefers email first"  # the older note sorts first
    assert str(_timeline(cli, str(cid))[0]["at"]).startswith("2026-11-20T21:05")  # stored UTC


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give the note as TEXT or --audio FILE"),
        (("   ",), "the note is empty"),
        (("text", "--audio", "memo.wav"), "give the note as TEXT or --audio FILE"),
        (("--audio", "missing.wav"), "no such file"),
    ],
)
def test_bad_notes_write_nothing(cli_embedded: Cli, args: tuple[str, ...], message: str) -> None:
    cid = _contact(cli_embedded)
    result = cli_embedded("note", str(cid), *args)
    assert result.exit_code == 1 and message in result.stderr
    assert _timeline(cli_embedded, str(cid)) == []


def test_a_note_for_an_unknown_contact_says_how_to_find_one(cli_embedded: Cli) -> None:
    result = cli_embedded("note", "Nobody Here", "hello")
    assert result.exit_code == 1 and "contacts list" in result.stderr


@pytest.mark.slow
def test_a_voice_memo_is_transcribed_onto_the_timeline(cli_embedded: Cli, tmp_path: Path) -> None:
    if not call_corpus.available():
        if IN_CI:
            pytest.fail("CI=true requires the Asterisk prompts")
        pytest.skip("needs the Asterisk prompts (asterisk-core-sounds-en-wav)")
    speech = voicemail_corpus.load(voicemail_corpus.SOUNDS / "vm-savefolder.wav")
    gap = np.zeros(4000, dtype=np.int16)
    memo = tmp_path / "memo.wav"
    call_corpus.write_wav(memo, np.concatenate([gap, speech, gap])[:, None])
    cid = _contact(cli_embedded)
    result = cli_embedded("note", str(cid), "--audio", str(memo), "--json")
    assert result.exit_code == 0, result.output
    text = str(_timeline(cli_embedded, str(cid))[0]["text"]).lower()
    assert text.startswith("(voice memo memo.wav)") and "folder" in text and "message" in text
    silent = tmp_path / "silent.wav"
    call_corpus.write_wav(silent, np.zeros((16000, 1), dtype=np.int16))
    result = cli_embedded("note", str(cid), "--audio", str(silent))
    assert result.exit_code == 1 and "no speech found" in result.stderr
    assert len(_timeline(cli_embedded, str(cid))) == 1
