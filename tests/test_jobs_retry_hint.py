"""`ringback jobs retry` of a job with nothing to retry names the command to look at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ringback.db.migrate import ensure_current
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailStatus
from ringback.voicemail.pipeline import ingest
from tests.support.pipeline import speech_8k, wav_bytes


def test_retrying_a_finished_job_says_which_voicemail_to_look_at(
    cli_embedded: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'ringback.db'}"
    data.mkdir(parents=True, exist_ok=True)
    ensure_current(url)
    vm = ingest(wav_bytes(speech_8k(1.0)), source="upload", url=url, data_dir=data)
    with transaction(url) as session:
        row = session.get(Voicemail, vm.id)
        assert row is not None
        row.status = VoicemailStatus.DONE
    done = cli_embedded("jobs", "retry", str(vm.id))
    assert done.exit_code == 1 and "nothing to retry" in done.output
    assert f"ringback inbox show {vm.id}`" in done.output  # a command to paste, not "ID"
