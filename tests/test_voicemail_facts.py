"""The facts record, the pipeline's list and its progress callback.

Pins the JSON keys of ``voicemail analyze --json`` and ``inbox show --json`` (what users
and scripts read), the stored shape of ``MessageFacts`` (an old row written back keeps
its keys), and that a database written by the previous code (store recorded outside the
stage list) still resumes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ringback.config import Settings
from ringback.speech import Transcript, Word
from ringback.voicemail.analyze import CONTRACT_KEYS
from ringback.voicemail.facts import FactDate, MessageFacts
from ringback.voicemail.pipeline import Stage, default_stages, ingest, resume_pending
from tests.conftest import Cli
from tests.support.pipeline import (
    FakeExtractor,
    FakeTranscriber,
    FileNotifier,
    speech_8k,
    wav_bytes,
)

SAID = "Hi, this is Bill Turner from Acme. Call me back at 212 555 0199 tomorrow at 3 pm."
WHEN = datetime(2026, 11, 23, 15, 12, tzinfo=UTC)

# The stored facts begin with the analyze contract's keys, in its order.
FACT_KEYS = [
    *CONTRACT_KEYS[2:],
    "callback_number_source",
    "intent",
    "asks_callback",
    "callback_due",
    "callback_due_text",
    "number_check",
    "caller_name_confidence",  # issue 14 §3: below the line, shown "(unsure)"
    "company_confidence",
]
PIPELINE = ["store", "decode", "detect_speech", "transcribe", "extract", "notify"]
SHOW_KEYS = [
    "id",
    "status",
    "received_at",
    "caller",
    "from_number",
    "callback_number",
    "callback_extension",
    "duration",
    "duration_label",
    "summary",
    "urgent",
    "is_prospect",
    "handled",
    "handled_at",
    "contact_id",
    "status_reason",
    "source",
    "original_path",
    "original_filename",
    "language",
    "transcript",
    "low_confidence_words",
    "facts",
    "email_key",
    "follow_up",
    "stages",
    "proposed_back_story",
]


def said(text: str) -> Transcript:
    words = tuple(Word(" " + w, i * 0.3, i * 0.3 + 0.25, 0.95) for i, w in enumerate(text.split()))
    return Transcript(" " + text, "en", words, 0.99)


class SaidTranscriber:
    def transcribe(self, audio: Any) -> Transcript:
        return said(SAID)


def settings_for(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **kw)  # type: ignore[call-arg]


def test_the_extractor_makes_every_key_in_order(tmp_path: Path) -> None:
    from ringback.voicemail.adapters import FactsExtractor

    facts = FactsExtractor(settings_for(tmp_path)).extract(
        said(SAID), caller_id=None, received_at=WHEN
    )
    assert isinstance(facts, MessageFacts)
    stored = facts.to_json()
    assert list(stored) == FACT_KEYS, "no 'line' unless called on the prospect line"
    assert stored["callback_number"] == "+12125550199" and stored["caller_name"] == "Bill Turner"
    assert MessageFacts.from_json(stored) == facts
    assert json.loads(json.dumps(stored)) == stored


def test_analyze_json_keys_are_the_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from ringback.voicemail import adapters
    from ringback.voicemail.analyze import analyze_file

    class Engine:
        def transcribe(self, audio: Any) -> Transcript:
            return Transcript(said(SAID).text, "en", said(SAID).words, 0.99, duration=3.0)

    monkeypatch.setattr(adapters, "speech_engine", lambda settings: Engine())
    path = tmp_path / "vm.wav"
    path.write_bytes(wav_bytes(speech_8k(3.0)))
    out = analyze_file(path, settings_for(tmp_path), received_at=WHEN)
    assert tuple(out) == CONTRACT_KEYS
    assert out["callback_number"] == "+12125550199" and out["callback_extension"] is None


def test_a_stored_record_writes_back_the_keys_it_was_read_with() -> None:
    old = {"callback_number": "+14155550137", "summary": "call me", "dates": [], "urgent": 0}
    facts = MessageFacts.from_json(old)
    assert facts.urgent is False and facts.callback_extension is None
    assert facts.to_json() == {**old, "urgent": False}
    due = MessageFacts(
        dates=(FactDate("tomorrow", "2026-11-24"),),
        callback_due=datetime(2026, 11, 24, 10, tzinfo=UTC),
        line="prospect",
    ).to_json()
    assert due["dates"] == [{"text": "tomorrow", "iso": "2026-11-24"}]
    assert due["callback_due"] == "2026-11-24T10:00:00+00:00" and due["line"] == "prospect"


def test_inbox_show_json_keys(cli: Cli, tmp_path: Path, db_url: str) -> None:
    from ringback.voicemail.adapters import FactsExtractor

    data_dir = Path(cli.env["RINGBACK_DATA_DIR"])
    settings = settings_for(tmp_path, database_url=db_url)
    stages = default_stages(
        transcriber=SaidTranscriber(),
        extractor=FactsExtractor(settings),
        notifier=FileNotifier(tmp_path / "sent"),
    )
    heard: list[str] = []
    result = ingest(
        wav_bytes(speech_8k(3.0)),
        source="upload",
        url=db_url,
        data_dir=data_dir,
        stages=stages,
        on_stage=heard.append,
        region="US",
    )
    assert result.status == "done", result.status_reason
    assert heard == PIPELINE[1:], "each stage as it starts; 'store' was done by ingest"
    assert isinstance(result.facts, MessageFacts) and result.facts.caller_name == "Bill Turner"
    shown = cli("inbox", "show", str(result.id), "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert list(data) == SHOW_KEYS
    assert list(data["facts"]) == FACT_KEYS


class FollowUp(Stage):
    name = "follow_up"


def test_the_list_reads_in_the_order_it_runs(tmp_path: Path) -> None:
    stages = default_stages(
        transcriber=FakeTranscriber(),
        extractor=FakeExtractor(),
        notifier=FileNotifier(tmp_path / "sent"),
        follow_up=FollowUp(),
    )
    assert [s.name for s in stages] == [*PIPELINE, "follow_up"]


def test_a_message_stored_by_the_old_code_resumes(db_url: str, tmp_path: Path) -> None:
    """The previous runner took the list without 'store' (ingest recorded it at position
    0): a stored message, or a list passed the old way, carries on the same."""
    data_dir = tmp_path / "data"
    stored = ingest(
        wav_bytes(speech_8k(3.0)), source="watch", url=db_url, data_dir=data_dir, region="US"
    )
    assert stored.status == "received" and [s.name for s in stored.stages] == ["store"]
    old_list = default_stages(
        transcriber=FakeTranscriber(),
        extractor=FakeExtractor(),
        notifier=FileNotifier(tmp_path / "sent"),
    )[1:]
    (done,) = resume_pending(db_url, old_list)
    assert done.status == "done"
    assert [s.name for s in done.stages] == PIPELINE
    assert isinstance(done.facts, MessageFacts) and done.facts.caller_name == "Sarah Chen"
