"""process_backlog: several worker processes, each with a warm model, the same pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench import voicemail_corpus

from ringback.voicemail.backlog import threads_per_worker
from tests.conftest import Cli


def test_cores_are_shared_out_between_workers() -> None:
    assert threads_per_worker(1, cores=2) == 2
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(4, cores=2) == 1
    assert threads_per_worker(2, cores=8) == 4


@pytest.mark.slow
@pytest.mark.skipif(not voicemail_corpus.available(), reason="needs Asterisk prompts and FSDD")
@pytest.mark.parametrize("workers", [1, 2])
def test_backlog_runs_every_message_through_the_pipeline_once(tmp_path: Path, workers: int) -> None:
    from ringback.config import Settings
    from ringback.db.migrate import ensure_current
    from ringback.voicemail.backlog import process_backlog

    settings = Settings(data_dir=tmp_path / "data", smtp_host="")
    ensure_current(settings.effective_database_url)
    paths = []
    for i in range(3):
        path = tmp_path / "in" / f"vm{i}.wav"
        voicemail_corpus.write(path, 15.0, seed=100 + i)
        paths.append(path)
    paths.append(paths[0])  # the same recording twice is one voicemail
    results = process_backlog(paths, settings, workers=workers)
    assert [r.status for r in results] == ["done"] * 4
    assert len({r.id for r in results}) == 3
    mails = list((settings.data_dir / "mail").rglob("*"))
    assert len([m for m in mails if m.is_file() and m.parent.name == "new"]) == 3


def test_batch_options_that_describe_one_call_are_refused(
    cli_embedded: Cli, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    a.write_bytes(b"x")
    b.write_bytes(b"x")
    result = cli_embedded("inbox", "add", str(a), str(b), "--from", "415-555-0137")
    assert result.exit_code == 1
    assert "describe one call" in result.output
    missing = cli_embedded("inbox", "add", str(a), str(tmp_path / "nope.wav"))
    assert missing.exit_code == 1 and "nope.wav" in missing.output


@pytest.mark.slow
@pytest.mark.skipif(not voicemail_corpus.available(), reason="needs Asterisk prompts and FSDD")
def test_inbox_add_several_files_with_two_workers(cli_embedded: Cli, tmp_path: Path) -> None:
    import json

    paths = []
    for i in range(2):
        path = tmp_path / "in" / f"vm{i}.wav"
        voicemail_corpus.write(path, 12.0, seed=200 + i)
        paths.append(path)
    bad = tmp_path / "in" / "notes.wav"
    bad.write_bytes(b"%PDF-1.4 not audio at all")
    result = cli_embedded.subprocess(
        "inbox", "add", *map(str, paths), str(bad), "--workers", "2", "--json"
    )
    assert result.exit_code == 1, result.output  # one file was rejected
    rows = json.loads(result.stdout)
    assert [Path(r["file"]).name for r in rows] == ["vm0.wav", "vm1.wav", "notes.wav"]
    assert [r["status"] for r in rows] == ["done", "done", "rejected"]
    assert all(r["transcript"] for r in rows[:2])
    assert rows[2]["original_path"]  # kept, as every original is
    assert Path(rows[2]["original_path"]).read_bytes() == bad.read_bytes()
