"""The inbox benchmarks start, and the voicemail corpus builds what it is asked for.

No timings here: the figures live in docs/benchmarks.md, measured by the benches.
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from bench import bench_import, bench_wer, voicemail_corpus

from tests.support.bench import assert_help_works

ROOT = Path(__file__).resolve().parents[1]
needs_corpus = pytest.mark.skipif(
    not voicemail_corpus.available(),
    reason="needs the Asterisk prompts (asterisk-core-sounds-en[-wav]) and FSDD recordings",
)


@pytest.mark.parametrize(
    "script",
    [
        "bench_inbox.py",
        "bench_wer.py",
        "voicemail_corpus.py",
        "bench_twilio.py",
        "bench_web.py",
        "bench_outage.py",
        "bench_workers.py",
        "bench_api.py",
        "bench_import.py",
    ],
)
def test_help_works(script: str) -> None:
    assert_help_works(script)


@needs_corpus
@pytest.mark.parametrize("seconds", [15.0, 30.0, 42.5])
def test_corpus_builds_a_voicemail_of_the_requested_length(tmp_path: Path, seconds: float) -> None:
    path = tmp_path / "vm.wav"
    message = voicemail_corpus.write(path, seconds, seed=7)
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() == round(seconds * 8000)
    assert message.duration == pytest.approx(seconds)
    assert message.e164 == "+1" + message.digits and len(message.digits) == 10
    # The digits are in what is said, and there is real speech besides them.
    assert " ".join(message.digits) in message.text
    assert message.speech_seconds > seconds / 3
    assert message.repeated == (seconds >= 25)


@needs_corpus
def test_corpus_is_reproducible_and_distinct_per_seed() -> None:
    one = voicemail_corpus.build(20.0, seed=1)
    assert voicemail_corpus.build(20.0, seed=1).wav == one.wav
    assert voicemail_corpus.build(20.0, seed=2).wav != one.wav


@needs_corpus
def test_long_file_is_written_in_blocks(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    written = voicemail_corpus.write_long(path, 130.0, seed=1, block_s=60.0)
    with wave.open(str(path), "rb") as w:
        assert w.getnframes() == 130 * 8000
    assert written == 130.0


def test_wer_normalisation_and_edit_distance() -> None:
    assert bench_wer.normalise("Press 1, then #. I'm 2nd at 28.8%!") == (
        [
            "press",
            "one",
            "then",
            "pound",
            "i",
            "am",
            "second",
            "at",
            "twenty",
            "eight",
            "point",
            "eight",
            "percent",
        ]
    )
    assert bench_wer.normalise("I am sorry") == bench_wer.normalise("I'm sorry.")
    assert bench_wer.edit_counts(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"]) == (1, 0, 1)
    assert bench_wer.edit_counts(["a", "b"], []) == (0, 2, 0)
    assert bench_wer.number_words(8500) == "eight thousand five hundred"


def test_web_bench_builds_signs_in_and_times_every_page(tmp_path: Path) -> None:
    """bench_web.py at a tiny size: the builder fills every table the pages read, the
    client signs in, and every route of its table answers (a page another branch has not
    built yet may answer 404, never a 500)."""
    from bench import bench_web

    with bench_web.database(False, tmp_path) as url:
        built = bench_web.prepare(
            url, tmp_path / "data", {"contacts": 30, "interactions": 200, "voicemails": 12}
        )
        rows = bench_web.server_times(bench_web.settings_for(url, tmp_path / "data"), built, 1)
    assert [r["route"] for r in rows] == [label for label, _ in bench_web.ROUTES]
    assert all(r["status"] in (200, 404) for r in rows), rows
    by_route = {r["route"]: r for r in rows}
    for page in ("Inbox", "A voicemail", "Calls", "Stats"):
        assert by_route[page]["status"] == 200, by_route[page]
    table = bench_web.report(
        {
            "backend": "sqlite",
            "contacts": 30,
            "interactions": 200,
            "voicemails": 12,
            "build_s": 0.1,
            "pages": rows,
            "machine": bench_web.machine(),
        }
    )
    assert all(f"`{r['path']}`" in table for r in rows)


def test_web_bench_data_has_the_asked_sizes_and_real_content(tmp_path: Path) -> None:
    from bench import bench_web
    from sqlalchemy import func, select

    from ringback.contacts.models import BackStoryItem, Contact, Interaction
    from ringback.db.session import transaction
    from ringback.voicemail.models import Voicemail

    with bench_web.database(False, tmp_path) as url:
        built = bench_web.prepare(
            url, tmp_path / "data", {"contacts": 40, "interactions": 300, "voicemails": 20}
        )
        with transaction(url) as db:
            count = lambda model: db.scalar(select(func.count()).select_from(model))  # noqa: E731
            assert (count(Contact), count(Interaction), count(Voicemail)) == (40, 300, 20)
            assert count(BackStoryItem) == 120
            message = db.get(Voicemail, built.voicemail_id)
            assert message is not None and message.contact_id is not None
            assert len(message.words) == len(message.transcript.split()) > 40
            assert message.facts["callback_number"].startswith("+1")
            assert db.scalar(select(func.count()).where(Contact.name.ilike(f"%{built.query}%")))


def test_api_bench_scopes_reps_and_times_a_managers_team_stats() -> None:
    """bench_api.py at a small size on SQLite: every contact's rows belong to a rep, every
    route answers each rep, and the statistics are timed for a manager of ten reps, who
    sees their team's voicemails: about a fifth of the owner's (issue 16 §6)."""
    import argparse

    from bench import bench_api

    args = argparse.Namespace(scale=0.0125, runs=1, sqlite=True, json=True, keep=False)
    result = bench_api.run(args)
    assert all(r["status"] == [200] for r in result["lists"]), result["lists"]
    manager, owner = result["stats"]
    assert manager["route"] == "stats: a manager of 10 reps" and manager["status"] == [200]
    assert owner["route"] == "stats: the owner (all 50)" and owner["status"] == [200]
    assert 0 < manager["voicemails_left"] < owner["voicemails_left"] * 0.3
    assert f"`{manager['path']}`" in bench_api.report(result)


def test_import_bench_writes_an_export_whose_repeats_merge(tmp_path: Path) -> None:
    # A small export through the real CLI: every repeated row merges into the contact it
    # repeats, and the second import finds every row unchanged.
    path = tmp_path / "export.csv"
    repeated = bench_import.write_export(path, rows=300, duplicates=0.1, seed=3)
    assert 10 < repeated < 60
    first = bench_import.run_import(path, tmp_path / "data", None)["report"]
    again = bench_import.run_import(path, tmp_path / "data", None)["report"]
    assert first["format"] == "hubspot"  # type: ignore[index]
    assert first["counts"] == {  # type: ignore[index]
        "created": 300 - repeated,
        "merged": repeated,
        "unchanged": 0,
        "skipped": 0,
        "warnings": 0,
    }
    assert again["counts"]["unchanged"] == 300  # type: ignore[index]
