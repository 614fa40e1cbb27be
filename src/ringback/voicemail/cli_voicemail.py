"""``ringback voicemail``: a recording (``analyze``) or a transcript made elsewhere
(``extract``) in, the facts out; nothing is stored."""

from __future__ import annotations

from pathlib import Path

import click

from ringback.command_kit import load_settings as _settings
from ringback.console import fail, print_json
from ringback.voicemail.cli_support import guard as _guard
from ringback.voicemail.cli_support import parse_time_or_fail as _time

_KEYS = """\b
JSON keys (stable): transcript, duration, callback_number (E.164 or null),
callback_number_confidence, caller_name, company, emails, dates [{text, iso}],
amounts, addresses, summary, urgent, is_prospect, callback_extension (digits or null),
callback_at (when to call back: ISO 8601, a date alone when only a day was said, or null)."""


@click.group(
    epilog="\b\nExamples:\n  ringback voicemail analyze message.wav --json\n"
    "  ringback voicemail extract --file transcript.txt --json"
)
def voicemail() -> None:
    """Analyze a voicemail recording or transcript without storing anything."""


_CALLER_ID = click.option(
    "--caller-id", metavar="NUMBER", help="The calling number, to cross-check."
)
_RECEIVED_AT = click.option(
    "--received-at",
    metavar="TIME",
    help="When it was left (ISO 8601; no zone = RINGBACK_TIMEZONE). Default now; "
    "relative times (tomorrow, Friday) count from it.",
)
_JSON = click.option(
    "--json", "as_json", is_flag=True, help="Print the evaluation contract as JSON."
)


@voicemail.command(
    epilog="""\b
Examples:
  ringback voicemail analyze msg0001.wav
  ringback voicemail analyze msg.wav --caller-id +14155550137 --received-at 2026-11-23T09:30 --json

"""
    + _KEYS
)
@click.argument("file", type=click.Path(path_type=Path))
@_CALLER_ID
@_RECEIVED_AT
@_JSON
def analyze(file: Path, caller_id: str | None, received_at: str | None, as_json: bool) -> None:
    """Transcribe FILE and extract the callback number, names, dates, amounts... (no DB)."""
    from ringback.voicemail import render
    from ringback.voicemail.analyze import BadAudio, analyze_file

    settings = _settings()
    when = _time(received_at, settings)
    try:
        with render.spinner("Transcribing…"):
            data = _guard(
                lambda: analyze_file(file, settings, caller_id=caller_id, received_at=when)
            )
    except BadAudio as exc:
        fail(str(exc), hint="pass a recording: WAV, GSM, MP3, OGG, M4A...")
    if as_json:
        print_json(data)
    else:
        render.analysis(data, file.name)


@voicemail.command(
    epilog="""\b
Examples:
  ringback voicemail extract --text "Hi, it's Dana, call me tomorrow after 3 at 415 555 0137."
  ringback voicemail extract --file vm-0412.txt --caller-id +14155550137 \\
      --received-at 2026-11-23T09:30 --json

"""
    + _KEYS
    + "\n\b\nduration is null: there is no recording."
)
@click.option("--text", "text", metavar="TEXT", help="The transcript itself.")
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path, dir_okay=True),
    metavar="FILE",
    help="A UTF-8 text file holding the transcript.",
)
@_CALLER_ID
@_RECEIVED_AT
@_JSON
def extract(
    text: str | None,
    file: Path | None,
    caller_id: str | None,
    received_at: str | None,
    as_json: bool,
) -> None:
    """Read a transcript made elsewhere (a carrier's or PBX's voicemail-to-text) as the
    inbox reads a message: callback number and time, caller, dates, amounts... (no DB)."""
    from ringback.phones import e164_or_none
    from ringback.voicemail import render
    from ringback.voicemail.analyze import BadTranscript, analyze_text, read_transcript

    settings = _settings()
    when = _time(received_at, settings)
    if caller_id is not None and e164_or_none(caller_id, settings.default_region) is None:
        fail(
            f"cannot read the caller ID {caller_id[:40]!r} as a phone number",
            hint="give it with its area code, e.g. +14155550137 or 415-555-0137",
        )
    try:
        transcript = read_transcript(text, file)
    except BadTranscript as exc:
        fail(str(exc), hint="ringback voicemail extract --text 'TEXT' or --file FILE")
    data = analyze_text(transcript, settings, caller_id=caller_id, received_at=when)
    if as_json:
        print_json(data)
    else:
        render.analysis(data, file.name if file is not None else "transcript")
