"""``ringback note CONTACT "text"`` and ``ringback note CONTACT --audio memo.m4a``.

Seed 002: "take notes while listening and come back when you have the chance rather than
interrupting"; seed 003: keep a pad and pencil. A note lands on the contact's timeline as
an interaction of kind ``note``, stamped now (or ``--at``); a voice memo is transcribed
offline by the same Whisper model as voicemail, and the note says it came from audio.
"""

from __future__ import annotations

from pathlib import Path

import click

from ringback.console import console, fail, print_json


def transcribe_memo(path: Path) -> str:
    """The note a memo makes (``(voice memo NAME) words``), or a clear error (not audio,
    no speech): :func:`ringback.contacts.notes.memo_text`, as the contact page uses."""
    from ringback.command_kit import load_settings
    from ringback.contacts.notes import NoteError, memo_text
    from ringback.speech import FasterWhisperTranscriber, SpeechError
    from ringback.speech.files import decode_or_fail

    settings = load_settings()
    samples = decode_or_fail(
        path,
        settings,
        what="the voice memo",
        size_hint="a voice memo is a few minutes; raise RINGBACK_MAX_UPLOAD_MB if this is right",
        redo_hint="record the memo again",
    )
    try:
        with console(stderr=True).status(f"transcribing {path.name}…"):
            engine = FasterWhisperTranscriber.from_settings(settings)
            return memo_text(samples, transcriber=engine, name=path.name)
    except SpeechError as exc:
        fail(f"transcription failed: {exc}", hint="check RINGBACK_WHISPER_MODEL")
    except NoteError as exc:
        fail(str(exc), hint="check the memo is not silent, or type the note instead")


@click.command(
    epilog="""\b
Examples:
  ringback note "Bill Turner" "Budget frees up in March; call back the week of the 3rd"
  ringback note 12 --audio memo.m4a
  ringback note bill@abc.example "Prefers email before calls" --at "2026-11-20 16:05" --json"""
)
@click.argument("contact")
@click.argument("text", required=False)
@click.option(
    "--audio",
    type=click.Path(path_type=Path),
    help="A voice memo to transcribe (offline) instead of TEXT.",
)
@click.option("--at", "at", help="When, ISO time in your timezone (default now).")
@click.option("--json", "as_json", is_flag=True, help="Print the note as JSON.")
def note(contact: str, text: str | None, audio: Path | None, at: str | None, as_json: bool) -> None:
    """Add a note, typed or spoken, to a contact's timeline."""
    from ringback.contacts.cli_common import contact_for, local, unit_of_work
    from ringback.contacts.fields import parse_when
    from ringback.contacts.notes import NoteError, add_note, checked_note

    if (text is None) == (audio is None):
        fail(
            "give the note as TEXT or --audio FILE (one of them)", hint="see `ringback note --help`"
        )
    try:
        body = checked_note(text) if text is not None else transcribe_memo(audio)  # type: ignore[arg-type]
    except NoteError as exc:
        fail(f"{exc}; nothing was written", hint="type what you want to remember")
    with unit_of_work() as (session, settings):
        when = parse_when(at, settings.tz) if at else None
        found = contact_for(session, settings, contact)
        item = add_note(session, ref=found.id, text=body, at=when, region=settings.default_region)
        data = {**item.as_json(), "contact": found.name}
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    console().print(
        f"[green]Noted[/] for {escape(data['contact'])} at {local(data['at'], settings)}: "
        f"{escape(data['text'])}"
    )
