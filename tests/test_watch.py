"""The consume folder, driven poll by poll: stability, temp files, archive/failed, commit order."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import select

from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail
from ringback.voicemail.pipeline import VoicemailResult, ingest
from ringback.voicemail.watch import ConsumeFolder, is_candidate, run_watch
from tests.support.pipeline import Pipe, click, speech_8k, wav_bytes


@pytest.fixture(scope="module")
def message() -> bytes:
    return wav_bytes(speech_8k(3.0))


def test_temp_and_hidden_files_are_ignored():
    for name in [".msg.wav", "msg.wav.part", "msg.wav.tmp", "msg.wav~", "~msg.wav", "x.crdownload"]:
        assert not is_candidate(Path(name)), name
    assert is_candidate(Path("msg0000.WAV")) and is_candidate(Path("Voicemail 12.m4a"))


def test_file_taken_only_after_two_identical_polls(db_url: str, tmp_path: Path, message: bytes):
    pipe = Pipe(db_url, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seen_in_place: list[bool] = []

    def ingest_file(path: Path, handle: BinaryIO) -> VoicemailResult:
        seen_in_place.append(path.exists())
        return pipe.ingest(handle, source="watch", filename=path.name)

    folder = ConsumeFolder(inbox, ingest_file)
    growing = inbox / "growing.wav"
    growing.write_bytes(message[:1000])
    (inbox / "upload.wav.part").write_bytes(message)
    (inbox / ".hidden.wav").write_bytes(message)
    (inbox / "sub").mkdir()

    (sub,) = folder.poll()  # first sight: remembered only; the subfolder is reported once
    assert sub.refused and sub.path.name == "sub" and "is a folder" in (sub.error or "")
    with growing.open("ab") as out:
        out.write(message[1000:5000])
    assert folder.poll() == [], "size changed: still being written"
    with growing.open("ab") as out:
        out.write(message[5000:])
    os.utime(growing, ns=(1, 1_700_000_000_000_000_000))
    assert folder.poll() == []
    (outcome,) = folder.poll()
    assert outcome.path == growing and outcome.error is None
    assert outcome.result and outcome.result.status == "done"
    assert outcome.moved_to == inbox / "archive" / "growing.wav"
    assert outcome.moved_to.read_bytes() == message
    assert seen_in_place == [True]
    assert not growing.exists()
    # The row was committed before the move, and the stored copy is independent of it.
    with transaction(db_url) as session:
        row = session.scalars(select(Voicemail)).one()
        assert row.source == "watch" and row.original_path
        assert Path(row.original_path).read_bytes() == message
    assert sorted(p.name for p in inbox.iterdir()) == [
        ".hidden.wav",
        "archive",
        "sub",
        "upload.wav.part",
    ]
    assert folder.poll() == [] and folder.poll() == []


def test_rejected_files_go_to_failed_with_a_reason(db_url: str, tmp_path: Path) -> None:
    pipe = Pipe(db_url, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    pdf = inbox / "scan.wav"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 4000)
    hang_up = inbox / "hangup.wav"
    hang_up.write_bytes(wav_bytes(click(2.0)))
    folder = ConsumeFolder(inbox, lambda p, f: pipe.ingest(f, source="watch", filename=p.name))
    folder.poll()
    by_name = {o.path.name: o for o in folder.poll()}
    assert by_name["scan.wav"].moved_to == inbox / "failed" / "scan.wav"
    reason = (inbox / "failed" / "scan.wav.reason.txt").read_text()
    assert "status: rejected" in reason and "reason: not audio: Invalid data" in reason
    assert by_name["hangup.wav"].moved_to == inbox / "archive" / "hangup.wav"
    assert by_name["hangup.wav"].result and by_name["hangup.wav"].result.status == "no_message"


def test_empty_file_waits_for_its_grace_period(db_url: str, tmp_path: Path) -> None:
    pipe = Pipe(db_url, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    empty = inbox / "new.wav"
    empty.write_bytes(b"")
    now = [empty.stat().st_mtime + 1.0]
    folder = ConsumeFolder(
        inbox, lambda p, f: pipe.ingest(f, source="watch", filename=p.name), clock=lambda: now[0]
    )
    assert folder.poll() == [] and folder.poll() == []
    now[0] += 60
    (outcome,) = folder.poll()
    assert outcome.result and outcome.result.status_reason == "empty file"
    assert outcome.moved_to == inbox / "failed" / "new.wav"


def test_ingest_error_leaves_the_file_in_place(tmp_path: Path, message: bytes) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "msg.wav").write_bytes(message)
    bad_url = f"sqlite:///{tmp_path / 'never-migrated.db'}"  # no tables: the insert fails

    def ingest_file(path: Path, handle: BinaryIO) -> VoicemailResult:
        return ingest(handle, source="watch", url=bad_url, data_dir=tmp_path / "data", region="US")

    folder = ConsumeFolder(inbox, ingest_file)
    folder.poll()
    (outcome,) = folder.poll()
    assert outcome.moved_to is None and outcome.result is None
    assert outcome.error and "OperationalError" in outcome.error
    assert (inbox / "msg.wav").read_bytes() == message
    assert not (inbox / "archive").exists()


def test_same_name_twice_does_not_overwrite_the_archive(db_url: str, tmp_path: Path) -> None:
    pipe = Pipe(db_url, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    folder = ConsumeFolder(inbox, lambda p, f: pipe.ingest(f, source="watch", filename=p.name))
    moved = []
    for samples in (click(1.0), click(1.5)):
        (inbox / "voicemail.wav").write_bytes(wav_bytes(samples))
        folder.poll()
        (outcome,) = folder.poll()
        moved.append(outcome.moved_to)
    assert moved == [inbox / "archive" / "voicemail.wav", inbox / "archive" / "voicemail.1.wav"]


def test_run_watch_once_takes_what_is_ready(db_url: str, tmp_path: Path, message: bytes) -> None:
    pipe = Pipe(db_url, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.wav").write_bytes(message)
    (inbox / "b.wav").write_bytes(message)  # same bytes: one voicemail, both archived
    slow = inbox / "slow.wav"
    slow.write_bytes(message[:100])
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        # Between the two polls the slow upload grows: it must be left for next time.
        sleeps.append(seconds)
        with slow.open("ab") as out:
            out.write(b"\0" * 100)

    outcomes = run_watch(
        inbox,
        once=True,
        url=db_url,
        data_dir=pipe.data_dir,
        stages=pipe.stages(),
        sleep=sleep,
        poll_interval=2.0,
        region="US",
    )
    assert sleeps == [2.0]
    assert [o.path.name for o in outcomes] == ["a.wav", "b.wav"]
    a, b = (o.result for o in outcomes)
    assert a and b and a.id == b.id and a.created and not b.created
    assert sorted(p.name for p in (inbox / "archive").iterdir()) == ["a.wav", "b.wav"]
    assert slow.exists()
    assert len(pipe.notifier.sent()) == 1


def test_run_watch_forever_until_stopped(db_url: str, tmp_path: Path, message: bytes) -> None:
    pipe = Pipe(db_url, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seen = []
    ticks = iter(range(100))

    def sleep(_: float) -> None:
        if next(ticks) == 1:  # a file arrives while the watcher is running
            (inbox / "late.wav").write_bytes(message)

    run_watch(
        inbox,
        once=False,
        url=db_url,
        data_dir=pipe.data_dir,
        stages=pipe.stages(),
        sleep=sleep,
        stop=lambda: bool(seen),
        on_outcome=seen.append,
        region="US",
    )
    assert [o.path.name for o in seen] == ["late.wav"]
    assert seen[0].result and seen[0].result.status == "done"
    with pytest.raises(NotADirectoryError):
        run_watch(tmp_path / "nope", once=True, url=db_url, data_dir=pipe.data_dir, region="US")
