"""The storage interface on both backends: the data folder and a real S3-compatible server
(moto on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ringback.config import Settings
from ringback.storage import (
    LocalStorage,
    ObjectMissing,
    Storage,
    StorageUnavailable,
    storage_from_settings,
)
from tests.support.s3 import S3Server, s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return storage_from_settings(Settings(data_dir=tmp_path / "data"))
    server: S3Server = request.getfixturevalue("s3")
    return storage_from_settings(server.settings(tmp_path / "data", prefix=tmp_path.name))


KINDS = {
    "recordings/ab/cd/abcd.wav": b"RIFF....WAVE voicemail",
    "greetings/personal.wav": b"RIFF....WAVE greeting",
    "calls/recordings/0123.m4a": b"....ftypM4A call upload",
    "calls/reviews/7/report.json": b'{"talk_ratio": 0.4}',
}


def test_each_kind_of_object_round_trips(store: Storage) -> None:
    for key, data in KINDS.items():
        store.put_bytes(key, data)
    for key, data in KINDS.items():
        assert store.exists(key)
        assert store.size(key) == len(data)
        with store.open(key) as handle:
            assert handle.read() == data
        assert b"".join(store.read_range(key, 4, 7)) == data[4:8]
        with store.materialise(key) as path:
            assert path.read_bytes() == data
        assert store.key_of(store.locate(key)) == key
    assert list(store.list("calls/")) == sorted(k for k in KINDS if k.startswith("calls/"))
    store.delete("greetings/personal.wav")
    assert not store.exists("greetings/personal.wav")
    with pytest.raises(ObjectMissing):
        store.open("greetings/personal.wav")
    assert store.reachable()


def test_put_file_and_keys_that_escape_are_refused(store: Storage, tmp_path: Path) -> None:
    source = tmp_path / "in.wav"
    source.write_bytes(b"x" * 3_000_000)
    store.put_file("recordings/00/11/big.wav", source)
    assert store.size("recordings/00/11/big.wav") == 3_000_000
    for bad in ("../etc/passwd", "/abs", "a//b", ""):
        with pytest.raises(ValueError):
            store.put_bytes(bad, b"x")


def test_local_storage_is_todays_data_folder(tmp_path: Path) -> None:
    store = storage_from_settings(Settings(data_dir=tmp_path))
    assert isinstance(store, LocalStorage)
    store.put_bytes("recordings/ab/cd/x.wav", b"abc")
    assert (tmp_path / "recordings" / "ab" / "cd" / "x.wav").read_bytes() == b"abc"
    assert store.locate("recordings/ab/cd/x.wav") == str(tmp_path / "recordings/ab/cd/x.wav")


def test_a_store_that_is_down_says_so_and_comes_back(s3: S3Server, tmp_path: Path) -> None:
    store = storage_from_settings(s3.settings(tmp_path, prefix="down"))
    s3.proxy.off()
    try:
        with pytest.raises(StorageUnavailable, match="cannot reach"):
            store.put_bytes("recordings/a.wav", b"abc")
        with pytest.raises(StorageUnavailable):
            store.reachable()
    finally:
        s3.proxy.on()
    store.put_bytes("recordings/a.wav", b"abc")
    assert store.size("recordings/a.wav") == 3


def test_s3_secret_is_masked_in_config(s3: S3Server, tmp_path: Path) -> None:
    shown = s3.settings(tmp_path).masked()
    assert shown["s3_secret_access_key"] == "********"
    assert shown["storage_url"].startswith("s3://ringback-")


def test_a_wrong_storage_url_is_refused() -> None:
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        Settings(storage_url="ftp://nowhere")


def test_greetings_live_in_the_bucket_and_every_machine_plays_the_current_one(
    s3: S3Server, tmp_path: Path
) -> None:
    from ringback.lines import LineKind
    from ringback.telephony.greetings import GreetingError, GreetingStore

    def machine(name: str) -> GreetingStore:
        settings = s3.settings(tmp_path / name, prefix=f"{tmp_path.name}-g")
        return GreetingStore.for_settings(settings)

    first, second = b"RIFF-first-greeting", b"RIFF-second-greeting"
    saved = machine("app").save(LineKind.PERSONAL, first, {"source": "me.m4a"})
    assert s3.body(f"{tmp_path.name}-g/greetings/personal.wav") == first

    worker = machine("worker").current(LineKind.PERSONAL)  # another machine, empty folder
    assert worker is not None and worker.path.read_bytes() == first
    assert worker.name == saved.name

    machine("app").save(LineKind.PERSONAL, second, {"source": "me2.m4a"})
    again = machine("worker").current(LineKind.PERSONAL)
    assert again is not None and again.path.read_bytes() == second
    assert machine("worker").info(LineKind.PERSONAL)["source"] == "me2.m4a"  # type: ignore[index]

    s3.proxy.off()
    try:  # the store is down: a call still hears the cached greeting; a change is refused
        assert machine("worker").current(LineKind.PERSONAL) is not None
        with pytest.raises(GreetingError, match="not changed"):
            machine("app").save(LineKind.PERSONAL, b"RIFF-third", {})
    finally:
        s3.proxy.on()
    assert machine("worker").current(LineKind.PERSONAL).path.read_bytes() == second  # type: ignore[union-attr]

    assert machine("app").remove(LineKind.PERSONAL)
    assert machine("worker").current(LineKind.PERSONAL) is None  # removed everywhere


def test_a_message_waiting_for_storage_says_so_and_what_to_do() -> None:
    from ringback.voicemail.listing import status_note

    note = status_note("received", "waiting for storage (archive): cannot reach the store")
    assert note is not None and note.label == "Waiting for storage"
    assert note.command == "ringback inbox resume" and "store answers" in note.next_step
    plain = status_note("received", None)
    assert plain is not None and plain.label == "Processing"


def test_a_message_taken_in_here_is_archived_before_a_worker_elsewhere_processes_it(
    s3: S3Server, tmp_path: Path
) -> None:
    import shutil

    from ringback.db.migrate import upgrade
    from ringback.voicemail.pipeline import default_stages, ingest, resume_pending
    from ringback.voicemail.service import archive_before_handing_over, archive_stage, ingest_kwargs
    from tests.support.pipeline import (
        FakeExtractor,
        FakeTranscriber,
        FileNotifier,
        speech_8k,
        wav_bytes,
    )

    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    upgrade(url)
    front = s3.settings(tmp_path / "front", prefix=f"{tmp_path.name}-q", database_url=url)
    audio = wav_bytes(speech_8k(2.0))
    taken = ingest(audio, source="upload", **ingest_kwargs(front))  # stored, not processed
    s3.proxy.off()
    try:  # the store is down: nothing changes, the spool keeps the original
        assert not archive_before_handing_over(front, taken.id)
    finally:
        s3.proxy.on()
    assert taken.original_path is not None and taken.original_path.is_file()
    assert archive_before_handing_over(front, taken.id)
    assert not taken.original_path.exists()  # the bucket has it now
    shutil.rmtree(front.data_dir)  # the worker's machine cannot see this disk anyway

    worker = s3.settings(tmp_path / "worker", prefix=f"{tmp_path.name}-q", database_url=url)
    notifier = FileNotifier(tmp_path / "sent")
    stages = default_stages(
        transcriber=FakeTranscriber(),
        extractor=FakeExtractor(),
        notifier=notifier,
        archive=archive_stage(worker),
    )
    (done,) = resume_pending(url, stages)
    assert done.status == "done" and done.location and done.location.startswith("s3://")
    assert [s.name for s in done.stages][:3] == ["store", "archive", "decode"]
    assert next(s for s in done.stages if s.name == "archive").attempts == 1
    assert len(notifier.sent()) == 1


def test_each_users_greeting_has_its_own_key_in_the_bucket(s3: S3Server, tmp_path: Path) -> None:
    """A user's greeting is kept under their id, reaches every machine, and a line whose
    user has none plays the install's; removing theirs falls back to the install's."""
    from ringback.lines import LineKind
    from ringback.telephony.greetings import GreetingStore

    def machine(name: str) -> GreetingStore:
        settings = s3.settings(tmp_path / name, prefix=f"{tmp_path.name}-u")
        return GreetingStore.for_settings(settings)

    personal = LineKind.PERSONAL
    machine("app").save(personal, b"RIFF-install", {})
    sams = machine("app").save(personal, b"RIFF-sam", {"source": "sam.m4a"}, 7)
    assert s3.body(f"{tmp_path.name}-u/greetings/users/7/personal.wav") == b"RIFF-sam"
    assert s3.body(f"{tmp_path.name}-u/greetings/personal.wav") == b"RIFF-install"

    worker = machine("worker")  # another machine, empty folder
    played = worker.playing(personal, 7)
    assert played is not None and played.path.read_bytes() == b"RIFF-sam"
    assert played.name == sams.name and sams.name.startswith("u7-personal-")
    others = worker.playing(personal, 8)  # a user without one: the install's
    assert others is not None and others.path.read_bytes() == b"RIFF-install"
    assert worker.by_name(sams.name) is not None and worker.by_name("u8" + sams.name[2:]) is None

    assert machine("app").remove(personal, 7)
    fallback = machine("worker").playing(personal, 7)
    assert fallback is not None and fallback.path.read_bytes() == b"RIFF-install"
