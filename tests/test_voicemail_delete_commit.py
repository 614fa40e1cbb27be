"""A voicemail deletion that fails loses nothing: its recording (in the data folder, or in
the object store and its spooled copy) and its email still in the outbox are removed only
once the deletion has committed. The database refuses the deletion's audit row (a trigger,
as a lost connection or a full disk would fail it); on SQLite and PostgreSQL, with moto's
S3 server for the object store."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import SQLAlchemyError

from ringback.db.session import transaction
from ringback.mail import DeliveryStatus, outbox_from_settings
from ringback.voicemail.models import Voicemail
from ringback.voicemail.removal import delete_voicemail
from tests.conftest import Cli
from tests.support.pipeline import archived_message
from tests.support.refuse import refusing_audit
from tests.support.s3 import S3Server, s3_server
from tests.support.team import World, email


def _alices_message_with_its_email_queued(world: World) -> tuple[int, Path, str]:
    """Alice's message, its recording hers alone (Bob's message gets its own copy of the
    bytes they share), and its email waiting in the outbox (the mail server was down)."""
    vid = world.things["alice"]["voicemail"]
    with transaction(world.url) as session:
        row = session.get(Voicemail, vid)
        bobs = session.get(Voicemail, world.things["bob"]["voicemail"])
        assert row is not None and bobs is not None and row.original_path
        recording = Path(row.original_path)
        bobs.original_path = str(recording.with_name("bobs-copy.wav"))
        Path(bobs.original_path).write_bytes(recording.read_bytes())
        row.email_key = key = f"voicemail-{row.uid}"
    message = EmailMessage()
    message["From"], message["To"] = "ringback@example.com", email("alice")
    message["Subject"] = "Voicemail"
    message.set_content("the transcript, and the audio attached")
    assert outbox_from_settings(world.settings).submit(key, message).status is DeliveryStatus.QUEUED
    return vid, recording, key


def _still_there(world: World, vid: int) -> bool:
    with transaction(world.url) as session:
        return session.get(Voicemail, vid) is not None


def test_a_deletion_that_fails_leaves_the_message_its_recording_and_its_email(
    world: World,
) -> None:
    vid, recording, key = _alices_message_with_its_email_queued(world)
    outbox = outbox_from_settings(world.settings)
    bearer = {"authorization": f"Bearer {world.tokens['alice']}"}
    cli = Cli(world.settings.data_dir, world.url)
    with refusing_audit(world.url, "voicemail_delete"):
        failed = cli("--as", email("alice"), "inbox", "delete", str(vid), "--yes", "--json")
        assert failed.exit_code != 0 and "nothing was written" in failed.output
        api = world.browser("alice").delete(f"/api/v1/voicemails/{vid}", headers=bearer)
        assert api.status_code == 500
        page = world.post("alice", f"/inbox/{vid}/delete")
        assert page.status_code == 500
    assert _still_there(world, vid)  # the message...
    assert recording.is_file()  # ... its recording...
    queued = outbox.status(key)  # ... and its email, which will still be sent
    assert queued is not None and queued.status is DeliveryStatus.QUEUED

    # Once it commits, everything goes, and the answer says so.
    done = cli("--as", email("alice"), "inbox", "delete", str(vid), "--yes", "--json")
    assert done.exit_code == 0, done.output
    said = json.loads(done.stdout)
    assert said["deleted"] and said["recordings"] == 1 and said["email_cancelled"]
    assert {"the recording", "its email, not sent yet"} <= set(said["says"]["gone"])
    assert not _still_there(world, vid) and not recording.exists()
    assert outbox.status(key) is None and outbox.flush().sent == 0


@pytest.fixture(scope="module")
def s3() -> Any:
    with s3_server() as server:
        yield server


def test_a_deletion_that_fails_leaves_the_object_in_the_bucket(
    s3: S3Server, db_url: str, tmp_path: Path
) -> None:
    settings = s3.settings(tmp_path / "data", prefix=tmp_path.name, database_url=db_url)
    made = archived_message(settings, tmp_path)
    assert (made.location or "").startswith("s3://")
    (key,) = [k for k in s3.object_keys() if k.startswith(f"{tmp_path.name}/recordings/")]
    spooled = settings.data_dir / key.removeprefix(f"{tmp_path.name}/")
    spooled.parent.mkdir(parents=True, exist_ok=True)
    spooled.write_bytes(b"the spooled copy")  # as a download for playback leaves it

    with (
        refusing_audit(db_url, "voicemail_delete"),
        pytest.raises(SQLAlchemyError, match="the audit trail refuses it"),
        transaction(db_url) as session,
    ):
        delete_voicemail(session, voicemail_id=made.id, settings=settings)
    with transaction(db_url) as session:
        assert session.get(Voicemail, made.id) is not None
    assert key in s3.object_keys() and spooled.is_file()

    with transaction(db_url) as session:
        gone = delete_voicemail(session, voicemail_id=made.id, settings=settings)
    assert gone.recordings == 2 and not gone.recording_missing
    assert key not in s3.object_keys() and not spooled.exists()
    with transaction(db_url) as session:
        assert session.get(Voicemail, made.id) is None


def test_a_store_lost_at_the_commit_leaves_the_object_named_in_the_log(
    s3: S3Server, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The store answered when asked, then went down before the commit: the message is
    deleted (as the answer said) and the log says which object is left to remove."""
    settings = s3.settings(tmp_path / "data", prefix=tmp_path.name, database_url=db_url)
    made = archived_message(settings, tmp_path)
    (key,) = [k for k in s3.object_keys() if k.startswith(f"{tmp_path.name}/recordings/")]
    try:
        with transaction(db_url) as session:
            gone = delete_voicemail(session, voicemail_id=made.id, settings=settings)
            s3.proxy.off()
    finally:
        s3.proxy.on()
    assert gone.recordings == 1
    with transaction(db_url) as session:
        assert session.get(Voicemail, made.id) is None
    assert key in s3.object_keys()
    (said,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert key.removeprefix(f"{tmp_path.name}/") in said and "remove it by hand" in said
