"""process_backlog: several worker processes, each with a warm model, the same pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench import voicemail_corpus

from ringback.voicemail.backlog import threads_per_worker


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
