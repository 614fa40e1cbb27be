"""`ringback backup` / `ringback restore`: the database and the stored files in one
archive, round trips on SQLite and PostgreSQL (and SQLite into PostgreSQL), a backup
taken while a writer inserts, and a damaged archive refused."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from ringback.backup.service import backup
from ringback.config import Settings
from ringback.db.base import utcnow
from ringback.db.migrate import upgrade
from ringback.db.models import metadata
from ringback.db.session import get_engine, transaction
from ringback.voicemail.models import (
    StageStatus,
    Voicemail,
    VoicemailSource,
    VoicemailStage,
    VoicemailStatus,
)
from ringback.voicemail.store import store_original
from tests.conftest import Cli
from tests.support.accounts import add_user
from tests.support.audio import to_wav
from tests.support.pg import fresh_database
from tests.support.s3 import s3_server

GREETING = to_wav((8000 * np.sin(np.arange(8000) / 7)).astype(np.int16))
REPORT = b'{"talk_ratio": 0.42, "questions": 7}\n'


def add_voicemail(url: str, data_dir: Path, n: int) -> None:
    """One voicemail, its stored original and its 'store' stage, in one transaction."""
    audio = to_wav((3000 * np.sin(np.arange(4000 + n) / 3)).astype(np.int16))
    stored = store_original(audio, data_dir, filename=f"m{n}.wav")
    with transaction(url) as session:
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key=f"sha256:{stored.sha256}",
            original_path=str(stored.path),
            original_sha256=stored.sha256,
            original_size=stored.size,
            mime="audio/wav",
            from_number="+12125550199",
            caller_name="Sarah “Sal” Chen",
            received_at=utcnow(),
            status=VoicemailStatus.DONE,
            transcript=f"Hi, this is message {n}.",
            facts={"summary": f"message {n}", "amounts": ["$450,000"]},
        )
        session.add(row)
        session.flush()
        session.add(
            VoicemailStage(
                voicemail_id=row.id, stage="store", status=StageStatus.DONE, output={"n": n}
            )
        )


def populate(url: str, data_dir: Path, messages: int = 3) -> None:
    upgrade(url)
    add_user(url, name="Dana Wells")
    for n in range(messages):
        add_voicemail(url, data_dir, n)
    (data_dir / "greetings").mkdir(parents=True, exist_ok=True)
    (data_dir / "greetings" / "personal.wav").write_bytes(GREETING)
    (data_dir / "calls" / "reviews" / "1").mkdir(parents=True, exist_ok=True)
    (data_dir / "calls" / "reviews" / "1" / "result.json").write_bytes(REPORT)


def counts(url: str) -> dict[str, int]:
    with get_engine(url).connect() as conn:
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in metadata.sorted_tables
        }


def run_json(cli: Cli, *args: str, code: int = 0) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 else result


@pytest.fixture
def other_db(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``db_url``, to restore into."""
    if not db_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with fresh_database(request.getfixturevalue("pg_admin_url"), "ringback_restore") as url:
        yield url


def test_round_trip_restores_every_row_and_file_into_a_new_place(
    db_url: str, other_db: str, tmp_path: Path
) -> None:
    source = Cli(tmp_path / "data", db_url)
    populate(db_url, tmp_path / "data")
    archive = tmp_path / "ringback.tar.gz"
    made = run_json(source, "backup", str(archive))
    assert made["tables"]["voicemails"] == 3 and made["tables"]["users"] == 1
    assert made["objects"] == 5  # three originals, the greeting, the review's report
    assert archive.stat().st_mode & 0o077 == 0  # password hashes inside: owner only

    target = Cli(tmp_path / "restored", other_db)
    restored = run_json(target, "restore", str(archive))
    assert restored["rows"] == made["rows"] and restored["objects"] == 5
    assert counts(other_db) == counts(db_url) == made["tables"]
    with transaction(other_db) as session:
        rows = session.scalars(select(Voicemail).order_by(Voicemail.id)).all()
        for row in rows:  # paths moved to the new data folder, the bytes with them
            path = Path(row.original_path or "")
            assert (
                path.is_relative_to(tmp_path / "restored")
                and path.stat().st_size == row.original_size
            )
        assert rows[0].caller_name == "Sarah “Sal” Chen" and rows[0].facts["amounts"] == [
            "$450,000"
        ]
        assert rows[0].received_at.tzinfo is not None
    assert (tmp_path / "restored" / "greetings" / "personal.wav").read_bytes() == GREETING
    assert (tmp_path / "restored" / "calls/reviews/1/result.json").read_bytes() == REPORT
    # New rows after a restore get new ids (PostgreSQL's sequences moved on).
    add_voicemail(other_db, tmp_path / "restored", 99)
    assert counts(other_db)["voicemails"] == 4

    again = run_json(target, "restore", str(archive), code=1)
    assert "already holds data" in again.output and "--force" in again.output
    forced = run_json(target, "restore", str(archive), "--force")
    assert forced["tables"]["voicemails"] == 3 and counts(other_db)["voicemails"] == 3


@pytest.mark.postgres
def test_a_sqlite_backup_restores_into_postgresql(pg_url: str, tmp_path: Path) -> None:
    sqlite = f"sqlite:///{tmp_path / 'laptop.db'}"
    populate(sqlite, tmp_path / "data")
    archive = tmp_path / "laptop.tar.gz"
    run_json(Cli(tmp_path / "data", sqlite), "backup", str(archive))
    run_json(Cli(tmp_path / "team", pg_url), "restore", str(archive))
    assert counts(pg_url) == counts(sqlite)


def test_a_backup_taken_while_a_writer_inserts_is_one_moment(db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    populate(db_url, data_dir, messages=2)
    settings = Settings(data_dir=data_dir, database_url=db_url)
    written: list[int] = []

    def writer() -> None:
        add_voicemail(db_url, data_dir, 100 + len(written))
        written.append(1)

    def meanwhile(what: str, name: str, n: int) -> None:
        # Right after voicemails were read and before their stages are: a message and its
        # stage are committed by another connection (a torn dump would keep the stage).
        if what == "table" and name == "voicemails":
            for _ in range(2):
                thread = threading.Thread(target=writer)
                thread.start()
                thread.join()

    made = backup(settings, tmp_path / "live.tar.gz", progress=meanwhile)
    assert len(written) == 2 and counts(db_url)["voicemails"] == 4  # the writer did write
    assert made.tables["voicemails"] == made.tables["voicemail_stages"] == 2
    with tarfile.open(tmp_path / "live.tar.gz") as tar:
        lines = tar.extractfile("db/voicemail_stages.jsonl").read().splitlines()  # type: ignore[union-attr]
    assert len(lines) == 2  # the manifest's counts are what the archive holds

    restored_url = f"sqlite:///{tmp_path / 'back.db'}"
    run_json(Cli(tmp_path / "back", restored_url), "restore", str(tmp_path / "live.tar.gz"))
    assert counts(restored_url)["voicemails"] == counts(restored_url)["voicemail_stages"] == 2


def test_a_damaged_backup_is_refused_and_nothing_is_restored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    populate(url, tmp_path / "data", messages=1)
    good = tmp_path / "good.tar.gz"
    run_json(Cli(tmp_path / "data", url), "backup", str(good))
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(good) as src, tarfile.open(bad, "w:gz") as out:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("objects/greetings/"):
                data = data[:-1] + bytes([data[-1] ^ 1])  # one bit flipped
            out.addfile(member, io.BytesIO(data))
    target_url = f"sqlite:///{tmp_path / 'b.db'}"
    target = Cli(tmp_path / "b", target_url)
    refused = run_json(target, "restore", str(bad), code=1)
    assert "damaged" in refused.output and "greetings/personal.wav" in refused.output
    assert sum(counts(target_url).values()) == 0 if Path(tmp_path / "b.db").exists() else True
    assert not (tmp_path / "b" / "greetings").exists()
    (tmp_path / "junk.tar.gz").write_bytes(b"not a backup")
    junk = run_json(target, "restore", str(tmp_path / "junk.tar.gz"), code=1)
    assert "not a Ringback backup" in junk.output


def test_a_backup_from_a_bucket_restores_into_the_data_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with s3_server() as s3:
        populate(url, tmp_path / "spool", messages=1)
        store_settings = s3.settings(tmp_path / "spool", "bk", database_url=url)
        from ringback.storage import storage_from_settings

        store = storage_from_settings(store_settings)
        store.put_bytes("greetings/prospect.wav", GREETING)
        made = backup(store_settings, tmp_path / "s3.tar.gz")
    # The bucket's greeting, plus the original still in the local spool.
    assert made.objects == 1 and made.spooled == 1
    restored_url = f"sqlite:///{tmp_path / 'c.db'}"
    run_json(Cli(tmp_path / "c", restored_url), "restore", str(tmp_path / "s3.tar.gz"))
    assert (tmp_path / "c" / "greetings" / "prospect.wav").read_bytes() == GREETING
    with transaction(restored_url) as session:
        (row,) = session.scalars(select(Voicemail)).all()
        assert Path(row.original_path or "").is_relative_to(tmp_path / "c")
        assert Path(row.original_path or "").is_file()
