"""Asterisk voicemail spool: envelopes as app_voicemail writes them, audio siblings, re-import."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ringback.voicemail.asterisk import (
    import_spool,
    mailbox_dir,
    parse_callerid,
    parse_envelope,
    read_message,
    scan_spool,
)
from tests.support.pipeline import Pipe, click, gsm_raw, speech_8k, wav49, wav_bytes

# What app_voicemail (Asterisk 18) writes, comments and all.
MODERN = """;
; Message Information file
;
[message]
origmailbox=1234
context=macro-vm
macrocontext=from-internal
exten=s-NOANSWER
rdnis=1234
priority=2
callerchan=PJSIP/trunk-00000012
callerid="Sarah Chen" <4155550137>
origdate=Mon Nov 23 10:12:01 AM UTC 2026
origtime=1795428721
category=
msg_id=1795428721-00000001
flag=
duration=27
"""

# Asterisk 1.8-era envelope: no msg_id, no flag, a CNAM in Latin-1, Windows line ends.
OLD = (
    ";\r\n; Message Information file\r\n;\r\n[message]\r\norigmailbox=1234\r\n"
    "context=default\r\nmacrocontext=\r\nexten=1234\r\npriority=1\r\n"
    'callerchan=SIP/provider-0000a1b2\r\ncallerid="Jos\xe9 Mu\xf1oz" <+34 612 345 678>\r\n'
    "origdate=Tue Nov 24 02:05:09 PM UTC 2026\r\norigtime=1795529109\r\ncategory=\r\n"
    "duration=4\r\n"
).encode("latin-1")

URGENT_NO_TIME = """[message]
origmailbox=1234
callerid=<2125550199>
origdate=Wed Nov 25 09:30:00 AM UTC 2026
; origtime lost in a botched migration
flag=Urgent
duration=12
"""


def _spool(root: Path) -> Path:
    inbox = root / "default" / "1234" / "INBOX"
    inbox.mkdir(parents=True)
    (inbox / "msg0000.txt").write_text(MODERN)
    # Recorded in all three formats, as with format=wav49|gsm|wav; wav wins.
    (inbox / "msg0000.wav").write_bytes(wav_bytes(speech_8k(3.0)))
    (inbox / "msg0000.WAV").write_bytes(wav49(3.0))
    (inbox / "msg0000.gsm").write_bytes(gsm_raw(3.0))
    (inbox / "msg0001.txt").write_bytes(OLD)
    (inbox / "msg0001.gsm").write_bytes(gsm_raw(2.0))
    (inbox / "msg0002.txt").write_text(URGENT_NO_TIME)
    (inbox / "msg0002.WAV").write_bytes(wav49(2.0))
    (inbox / "msg0003.txt").write_text(MODERN.replace("00000001", "00000002"))  # no audio
    (inbox / "msg0000.txt.lock").write_text("")  # Asterisk's lock files are not messages
    old = root / "default" / "1234" / "Old"
    old.mkdir()
    (old / "msg0000.txt").write_text(MODERN.replace("00000001", "00000009"))
    (old / "msg0000.wav").write_bytes(wav_bytes(click(2.0)))
    (root / "default" / "5678" / "tmp").mkdir(parents=True)
    return root


def test_parse_envelope_is_lenient():
    fields = parse_envelope(MODERN)
    assert fields["callerid"] == '"Sarah Chen" <4155550137>'
    assert fields["msg_id"] == "1795428721-00000001"
    assert fields["category"] == "" and fields["duration"] == "27"
    odd = parse_envelope("garbage line\n[other]\nx=1\n[message]\nduration => 5 \n# note\n")
    assert odd == {"duration": "5"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"Sarah Chen" <4155550137>', ("Sarah Chen", "4155550137")),
        ("Sarah Chen <4155550137>", ("Sarah Chen", "4155550137")),
        ('"" <4155550137>', (None, "4155550137")),
        ("<+1 (415) 555-0137>", (None, "+14155550137")),
        ("4155550137", (None, "4155550137")),
        ('"Unknown" <>', (None, None)),
        ("Anonymous", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_callerid(raw, expected):
    assert parse_callerid(raw) == expected


def test_scan_reads_every_envelope_shape(tmp_path):
    messages = list(scan_spool(_spool(tmp_path)))
    assert [m.msgnum for m in messages] == ["msg0000", "msg0001", "msg0002", "msg0003"]
    modern, old, urgent, no_audio = messages

    assert (modern.context, modern.mailbox, modern.folder) == ("default", "1234", "INBOX")
    assert modern.audio_path and modern.audio_path.name == "msg0000.wav"
    assert (modern.caller_name, modern.caller_number) == ("Sarah Chen", "4155550137")
    assert modern.received_at == datetime.fromtimestamp(1795428721, UTC)
    assert modern.duration == 27 and modern.msg_id == "1795428721-00000001"
    assert modern.source_key == "asterisk:default/1234:1795428721-00000001"
    assert modern.field_map["callerchan"] == "PJSIP/trunk-00000012"
    assert modern.category is None and not modern.urgent

    assert old.msg_id is None and old.caller_name == "José Muñoz"
    assert old.caller_number == "+34612345678"
    assert old.audio_path and old.audio_path.name == "msg0001.gsm"
    assert old.source_key == "asterisk:default/1234:1795529109:+34612345678:4"

    assert urgent.urgent and urgent.origtime is None
    assert urgent.received_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert urgent.audio_path and urgent.audio_path.name == "msg0002.WAV"

    assert no_audio.audio_path is None


def test_scan_accepts_mailbox_folder_and_extra_folders(tmp_path):
    root = _spool(tmp_path)
    mailbox = root / "default" / "1234"
    assert len(list(scan_spool(mailbox))) == 4
    assert len(list(scan_spool(mailbox / "INBOX"))) == 4
    both = list(scan_spool(root, folders=("INBOX", "Old")))
    assert [m.folder for m in both].count("Old") == 1
    with pytest.raises(NotADirectoryError):
        list(scan_spool(root / "missing"))


def test_key_survives_asterisk_renumbering_and_moving_to_old(tmp_path):
    root = _spool(tmp_path)
    inbox = root / "default" / "1234" / "INBOX"
    before = read_message(inbox / "msg0001.txt")
    # The user deletes msg0000 and listens to msg0001: app_voicemail resequences and moves it.
    old = root / "default" / "1234" / "Old"
    (inbox / "msg0001.txt").rename(old / "msg0001.txt")
    after = read_message(old / "msg0001.txt")
    assert before and after and before.source_key == after.source_key


def test_import_twice_imports_nothing_twice(db_url: str, tmp_path: Path) -> None:
    root = _spool(tmp_path / "spool")
    pipe = Pipe(db_url, tmp_path)
    first = import_spool(
        root, url=db_url, data_dir=pipe.data_dir, stages=pipe.stages(), region="US"
    )
    assert [r.status for r in first] == ["done", "no_message", "no_message"]
    assert all(r.created for r in first)
    row = pipe.row(first[0].id)
    assert row.source == "asterisk" and row.from_number == "4155550137"
    assert row.caller_name == "Sarah Chen" and row.to_number == "1234"
    assert row.source_meta and row.source_meta["asterisk"]["fields"]["msg_id"].endswith("01")
    assert row.original_filename == "msg0000.wav"

    again = import_spool(
        root, url=db_url, data_dir=pipe.data_dir, stages=pipe.stages(), region="US"
    )
    assert [r.id for r in again] == [r.id for r in first]
    assert not any(r.created for r in again)
    assert pipe.transcriber.calls == 1 and len(pipe.notifier.sent()) == 1
    # The spool is Asterisk's: it is read, never changed.
    assert (root / "default" / "1234" / "INBOX" / "msg0000.wav").exists()


def test_externnotify_arguments_map_to_a_mailbox(tmp_path):
    root = _spool(tmp_path)
    assert mailbox_dir("default", "1234", root) == root / "default" / "1234"
    assert len(list(scan_spool(mailbox_dir("default", "1234", root)))) == 4
    for bad in ("..", "a/b", ""):
        with pytest.raises(ValueError):
            mailbox_dir("default", bad, root)
