"""``ringback speech``: transcribe a recording offline, or find the callback number in it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

import click

from ringback.console import console, fail, print_json

T = TypeVar("T")
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def speech() -> None:
    """Speech to text with the local Whisper model (settings: RINGBACK_WHISPER_*)."""


@speech.command()
@click.argument("file", type=_FILE)
@click.option("--json", "as_json", is_flag=True, help="Print the transcript as JSON.")
@click.option("--words", is_flag=True, help="Also print each word with its time and confidence.")
def transcribe(file: Path, as_json: bool, words: bool) -> None:
    """Transcribe FILE (WAV, GSM, MP3, OGG, M4A… anything FFmpeg reads).

    \b
    Examples:
      ringback speech transcribe message.wav
      ringback speech transcribe msg0001.WAV --json
    """
    from ringback.speech import FasterWhisperTranscriber

    transcriber = FasterWhisperTranscriber.from_settings()
    started = time.perf_counter()
    transcript = _run(lambda: transcriber.transcribe(file))
    elapsed = time.perf_counter() - started
    if as_json:
        data = asdict(transcript)
        data["words"] = [asdict(w) for w in transcript.words]
        for segment in data["segments"]:
            segment.pop("words", None)
        data["seconds"] = round(elapsed, 3)
        print_json(data)
        return
    out = console()
    out.print(transcript.text or "[no speech]")
    if words:
        for w in transcript.words:
            out.print(f"  {w.start:7.2f}–{w.end:7.2f}  {w.probability:4.2f}  {w.text.strip()}")
    err = console(stderr=True)
    err.print(
        f"[dim]{transcript.duration:.1f} s of audio ({transcript.speech_duration:.1f} s speech), "
        f"language {transcript.language}, transcribed in {elapsed:.1f} s[/dim]"
    )


@speech.command("callback-number")
@click.argument("file", type=_FILE)
@click.option("--caller-id", default=None, help="The calling number, to cross-check.")
@click.option("--region", default=None, help="Region for numbers said without +country.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def callback_number(file: Path, caller_id: str | None, region: str | None, as_json: bool) -> None:
    """The callback number said in FILE, with its confidence.

    \b
    Example:
      ringback speech callback-number msg0001.wav --caller-id "+1 415 555 0137"
    """
    from ringback.config import get_settings
    from ringback.phones import pretty
    from ringback.speech import FasterWhisperTranscriber
    from ringback.speech.callback_audio import callback_number_from_audio

    settings = get_settings()
    transcriber = FasterWhisperTranscriber.from_settings(settings)
    transcript, number = _run(
        lambda: callback_number_from_audio(
            transcriber,
            file,
            region=(region or settings.default_region),
            caller_id=caller_id,
        )
    )
    if as_json:
        print_json({"transcript": transcript.text, **asdict(number)})
        return
    out = console()
    if number.e164 is None:
        out.print("No callback number found.")
    else:
        out.print(f"{pretty(number.e164)}  (confidence {number.confidence:.2f}, {number.source})")
        for span in number.spans:
            out.print(f"  heard: {span}")


def _run(action: Callable[[], T]) -> T:
    """Run a speech action, turning its known failures into messages that say what to do."""
    from ringback.speech import AudioDecodeError, ModelNotAvailableError

    try:
        return action()
    except AudioDecodeError as exc:
        fail(
            f"cannot read the recording: {exc.reason}", hint="give a WAV, GSM, MP3, OGG or M4A file"
        )
    except ModelNotAvailableError as exc:
        fail(str(exc), hint="see `ringback config` for the whisper_* settings")
