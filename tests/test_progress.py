"""A bar through the transcription: the speech code reports how far it has got, the CLI
draws it (only on a terminal; never in --json or a pipe)."""

from __future__ import annotations

import io
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.support.audio import E164, needs_audio, voicemail_wav

pytestmark = [pytest.mark.slow, needs_audio]


@pytest.fixture(scope="module")
def long_message(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 35 s: the voicemail, then 13 s of silence that VAD skips (it counts as done)."""
    path = tmp_path_factory.mktemp("audio") / "long.wav"
    path.write_bytes(voicemail_wav(tail_seconds=13.0))
    return path


def test_the_transcription_reports_increasing_fractions_ending_at_one(long_message: Path) -> None:
    from ringback.config import Settings
    from ringback.speech import FasterWhisperTranscriber

    heard: list[float] = []
    engine = FasterWhisperTranscriber.from_settings(Settings())
    transcript = engine.transcribe(long_message, on_progress=heard.append)
    assert "tomorrow" in transcript.text.lower()
    assert heard[0] == 0.0 and heard[-1] == 1.0
    assert all(a < b for a, b in itertools.pairwise(heard)), heard
    # Segments come out one by one: the bar moves in between, not only at the end.
    assert len([f for f in heard if 0.0 < f < 1.0]) >= 2, heard


def _terminals(monkeypatch: pytest.MonkeyPatch) -> tuple[io.StringIO, io.StringIO]:
    """stdout and stderr as terminals (rich's ``force_terminal``), each into a buffer."""
    import importlib

    import ringback.console as console_mod
    from ringback.cli import COMMANDS

    # Modules that bind ``console`` when imported must bind the real one: imported first
    # under the patch, they would keep writing into this test's buffers ever after.
    for module in {m for m, _ in COMMANDS.values()} | {"ringback.voicemail.render"}:
        importlib.import_module(module)
    out, err = io.StringIO(), io.StringIO()
    make = console_mod._safe_console_class()

    def console(stderr: bool = False) -> Any:
        return make(file=err if stderr else out, force_terminal=True, width=100, highlight=False)

    monkeypatch.setattr(console_mod, "console", console)
    return out, err


def test_inbox_add_draws_a_bar_through_the_transcription_on_a_terminal(
    cli_embedded: Cli, long_message: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, err = _terminals(monkeypatch)
    result = cli_embedded("inbox", "add", str(long_message), "--from", "212 555 0199")
    assert result.exit_code == 0, result.output
    drawn = err.getvalue()
    assert "Transcribing…" in drawn
    assert "━" in drawn  # the bar itself
    shown = [int(p) for p in re.findall(r"(\d+)%", drawn)]
    assert shown and shown[-1] == 100 and any(0 < p < 100 for p in shown), shown


def test_no_bar_with_json_even_on_a_terminal(
    cli_embedded: Cli, long_message: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, err = _terminals(monkeypatch)
    result = cli_embedded("inbox", "add", str(long_message), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["callback_number"] == E164
    assert "━" not in err.getvalue() and "%" not in err.getvalue()


def test_call_analyze_draws_a_bar_across_both_channels(
    cli_embedded: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import call_corpus

    if not call_corpus.available():
        pytest.skip("needs the Asterisk prompts (scripts/test-deps)")
    path = tmp_path / "call.wav"
    call_corpus.write(path, 30.0, seed=4)
    _, err = _terminals(monkeypatch)
    result = cli_embedded("call", "analyze", str(path))
    assert result.exit_code == 0, result.output
    drawn = err.getvalue()
    assert "transcribing channel 1" in drawn and "━" in drawn
    shown = [int(p) for p in re.findall(r"(\d+)%", drawn)]
    # The first channel fills half the bar, the second the rest.
    assert any(0 < p <= 50 for p in shown) and any(50 < p < 100 for p in shown), shown
    assert shown[-1] == 100
