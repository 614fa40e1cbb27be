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

MAX_NOTE_CHARS = 20_000


def transcribe_memo(path: Path) -> str:
    """The memo's words, or a clear error (not audio, no speech)."""
    from ringback.command_kit import load_settings
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
            transcript = FasterWhisperTranscriber.from_settings(settings).transcribe(samples)
    except SpeechError as exc:
        fail(f"transcription failed: {exc}", hint="check RINGBACK_WHISPER_MODEL")
    if transcript.is_empty:
        fail(
            f"no speech found in {path.name}; nothing was written",
            hint="check the memo is not silent, or type the note instead",
        )
    return transcript.text.strip()


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
    from ringback.contacts.history import add_interaction, interaction_dict
    from ringback.contacts.models import Direction, InteractionKind

    if (text is None) == (audio is None):
        fail(
            "give the note as TEXT or --audio FILE (one of them)", hint="see `ringback note --help`"
        )
    if text is not None:
        body = text.strip()
        if not body:
            fail("the note is empty; nothing was written", hint="type what you want to remember")
    else:
        assert audio is not None
        body = f"(voice memo {audio.name}) " + transcribe_memo(audio)
    if len(body) > MAX_NOTE_CHARS:
        fail(
            f"the note is {len(body):,} characters; the limit is {MAX_NOTE_CHARS:,}",
            hint="keep notes short; attach long documents elsewhere",
        )
    with unit_of_work() as (session, settings):
        when = parse_when(at, settings.tz) if at else None
        found = contact_for(session, settings, contact)
        item = add_interaction(
            session,
            contact=found,
            kind=InteractionKind.NOTE,
            direction=Direction.NONE,
            occurred_at=when,
            text=body,
        )
        data = {**interaction_dict(item), "contact": found.name}
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    console().print(
        f"[green]Noted[/] for {escape(data['contact'])} at {local(data['at'], settings)}: "
        f"{escape(data['text'])}"
    )
