"""``ringback coach score | compose | opener``."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ringback.command_kit import contact_option
from ringback.console import console, fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.speaker import Speaker
    from ringback.coach.rehearse import Rehearsal
    from ringback.coach.scoring import Score
    from ringback.coach.service import ComposedVoicemails
    from ringback.config import Settings
    from ringback.contacts.profile import ContactProfile

CONTACT_HINT = "find it with `ringback contacts list`; --contact takes an id, phone, email or name"


@click.group()
def coach() -> None:
    """Score, compose and check voicemails and live-call openers."""


_DRAIN_LIMIT = 64 * 1024 * 1024


def read_script(text: str | None) -> str:
    """TEXT as given, or stdin for "-" (read no further than the size limit + 1 byte)."""
    from ringback.coach.text import MAX_BYTES

    if text is None:
        if sys.stdin.isatty():
            fail("no script given", hint='pass the message as TEXT, or "-" to read it from stdin')
        text = "-"
    if text == "-":
        stream = sys.stdin
        head = stream.read(MAX_BYTES + 1)
        if len(head) <= MAX_BYTES:
            return head
        # Too big: drain the rest without keeping it, to report the real size (and so the
        # writer on the other end of the pipe does not die of a broken pipe).
        size = len(head.encode("utf-8", "surrogatepass"))
        # Up to a bound: stdin may be endless (< /dev/zero, `yes |`).
        while size <= _DRAIN_LIMIT and (chunk := stream.read(1 << 20)):
            size += len(chunk.encode("utf-8", "surrogatepass"))
        over = "over " if size > _DRAIN_LIMIT else ""
        fail(
            f"the script is {over}{size / 1000:,.0f} KB; the limit is {MAX_BYTES // 1000} KB",
            hint="a voicemail is about 75 words (30 seconds); paste just the message",
        )
    return text


def _score_or_fail(
    text: str, owner: Speaker, profile: ContactProfile | None = None, *, opener: bool = False
) -> Score:
    from ringback.coach.service import check_opener, score_draft
    from ringback.coach.text import ScriptError

    try:
        if opener:
            return check_opener(text=text, owner=owner)
        return score_draft(text=text, profile=profile, owner=owner)
    except ScriptError as exc:
        fail(str(exc), hint=exc.hint)


def _speaker_and_profile(ref: str | None) -> tuple[Speaker, ContactProfile | None]:
    """Who the hints speak as (the acting user, ``--as``) and, with ``ref``, the contact."""
    from ringback.accounts.profile import acting_speaker
    from ringback.coach.service import contact_profile

    with _contact_work() as (session, settings):
        owner = acting_speaker(session, settings=settings)
        if ref is None:
            return owner, None
        return owner, contact_profile(session, ref=ref, region=settings.default_region)


def _contact_work() -> AbstractContextManager[tuple[Session, Settings]]:
    """One read of the contacts, on a ready database (a fresh embedded one is created on
    first use); a contact not found or an unreachable database becomes a message and a
    hint."""
    from ringback.command_kit import Hint, work
    from ringback.contacts.service import ContactNotFound

    return work({ContactNotFound: Hint(CONTACT_HINT, written=False)})


def _render_score(result: Score, title: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    colour = "green" if result.score >= 75 else "yellow" if result.score >= 50 else "red"
    out.print(
        f"[bold]{title}:[/] [bold {colour}]{result.score}/100[/]  ·  "
        f"about {result.seconds:.0f} s spoken  ·  {result.words} words"
    )
    table = Table(show_header=True, header_style="bold", show_lines=False, expand=False)
    table.add_column("", width=1)
    table.add_column("rule")
    table.add_column("pts", justify="right")
    table.add_column("finding, and what to try")
    for f in result.findings:
        mark = "[green]✓[/]" if f.passed else "[red]✗[/]"
        points = f"{f.credit * f.weight:.0f}/{f.weight}"
        finding = escape(f.message) + (f"\n[cyan]→ {escape(f.hint)}[/]" if f.hint else "")
        table.add_row(mark, f.title, points, finding)
    out.print(table)


@coach.command(
    epilog="""\b
Examples:
  ringback coach score "Hi Bill, this is Dana from Acme. I'm following up on ..."
  pbpaste | ringback coach score -
  ringback coach score - --contact 12 --json < message.txt"""
)
@click.argument("text", required=False)
@contact_option("Score against this contact's goals (id, name, email or phone).", required=False)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"score", "seconds", "words", "findings"} as JSON.',
)
def score(text: str | None, contact_ref: str | None, as_json: bool) -> None:
    """Score a voicemail script 0–100.

    One finding per rule: passed or not, why, and what to try. TEXT is the script; "-" (or a
    pipe) reads it from stdin. --contact also checks it against the contact's goals.
    """
    from rich.markup import escape

    script = read_script(text)
    owner, profile = _speaker_and_profile(contact_ref)
    result = _score_or_fail(script, owner, profile)
    if as_json:
        print_json(result.as_json())
        return
    _render_score(result, f"Voicemail for {profile.name}" if profile else "Voicemail")
    if profile is not None and not profile.goals:
        console(stderr=True).print(
            f"[dim]No goals are recorded for {escape(profile.name)}, so the value rule could not "
            "check the message against them.[/]"
        )


def _render_variants(composed: ComposedVoicemails) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    out = console()
    err = console(stderr=True)
    profile, variants = composed.profile, composed.variants
    for warning in composed.warnings:
        err.print(f"[yellow]Warning:[/] {escape(warning)}")
    out.print(f"[bold]Voicemails for {profile.name}[/] ({len(variants)} variants, best first)\n")
    for v in variants:
        colour = "green" if v.score >= 85 else "yellow" if v.score >= 60 else "red"
        title = f"[bold]{v.name}[/] — [{colour}]{v.score}/100[/] · about {v.seconds:.0f} s spoken"
        body = escape(v.text)
        gaps = [
            f"[red]✗[/] {f.title}: {escape(f.message)} {escape(f.hint)}".rstrip()
            for f in v.result.failed
        ]
        if gaps:
            body += "\n\n" + "\n".join(gaps)
        out.print(Panel(body, title=title, title_align="left", expand=False, width=100))


@coach.command(
    epilog="""\b
Examples:
  ringback coach compose --contact 12
  ringback coach compose --contact "Bill Turner" --value "a 23% productivity gain" \\
      --next-step "a 30-minute review Thursday at 10 am"
  ringback coach compose --contact bill@abc.example --json

Your name, company and number come from RINGBACK_OWNER_NAME, RINGBACK_OWNER_COMPANY and
RINGBACK_OWNER_PHONE (environment or .env)."""
)
@contact_option()
@click.option("--reason", help='Why you are calling, e.g. "share the pilot results".')
@click.option("--value", help='The payback for them, e.g. "cut your month-end close by 3 days".')
@click.option(
    "--next-step", help='The concrete next step, e.g. "a 15-minute call Thursday at 10 am".'
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the variants, scores and findings as JSON."
)
def compose(contact_ref: str, as_json: bool, **angle: str | None) -> None:
    """Write scored voicemail variants from a contact's back story.

    Each variant follows up on your last conversation, speaks to their goal, says why you
    call and proposes a concrete next step, then gives your number twice.
    """
    from ringback.coach.service import compose_voicemails

    # --reason, --value and --next-step: named as compose_voicemails' keywords.
    for name in ("reason", "value", "next_step"):
        given, option = angle[name], "--" + name.replace("_", "-")
        if given is not None and not given.strip():
            fail(f"{option} is empty", hint=f"leave {option} out to let the composer choose")
    with _contact_work() as (session, settings):
        composed = compose_voicemails(session, contact_ref=contact_ref, settings=settings, **angle)
    if as_json:
        print_json(composed.as_json())
        return
    _render_variants(composed)


@coach.command(
    epilog="""\b
Examples:
  ringback coach opener "Hi Bill, this is Dana from Acme. I'm calling about your Q3 hiring plan. Is now a good time?"
  ringback coach opener - --json < opener.txt"""
)
@click.argument("text", required=False)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"score", "seconds", "words", "findings"} as JSON.',
)
def opener(text: str | None, as_json: bool) -> None:
    """Check a live-call opener for defensiveness triggers.

    "How are you today?", a pitch before your name and reason, no respect for their time.
    TEXT is the opener; "-" (or a pipe) reads it from stdin.
    """
    script = read_script(text)
    result = _score_or_fail(script, _speaker_and_profile(None)[0], opener=True)
    if as_json:
        print_json(result.as_json())
        return
    _render_score(result, "Opener")


@coach.command(
    epilog="""\b
Examples:
  ringback coach rehearse take1.wav
  ringback coach rehearse take2.m4a --script "Hi Bill, this is Dana from Northwind ..."
  ringback coach rehearse take2.m4a --script - --json < script.txt"""
)
@click.argument("audio", type=click.Path(path_type=Path))
@click.option("--script", "script_text", help='The script you meant to say ("-" = stdin).')
@click.option("--json", "as_json", is_flag=True, help="Print the measurements as JSON.")
def rehearse(audio: Path, script_text: str | None, as_json: bool) -> None:
    """Rehearse a voicemail: record it, and get the words scored and the delivery measured.

    Length, speaking rate, pauses, pitch variation (monotone or lively), filler words, how
    slowly the callback number was said, how far you strayed from --script, and the top
    three things to change before the next take.
    """
    from ringback.coach.rehearse import NoSpeech
    from ringback.coach.service import rehearse_take
    from ringback.command_kit import load_settings
    from ringback.speech import SpeechError
    from ringback.speech.files import decode_or_fail

    settings = load_settings()
    script = read_script(script_text) if script_text is not None else None
    samples = decode_or_fail(
        audio,
        settings,
        what="the recording of your practice voicemail",
        size_hint="a voicemail is under a minute",
        redo_hint="record the take again",
    )
    try:
        with console(stderr=True).status("listening to your take…") if not as_json else _quiet():
            result = rehearse_take(samples=samples, script=script, settings=settings)
    except SpeechError as exc:
        fail(f"transcription failed: {exc}", hint="check RINGBACK_WHISPER_MODEL")
    except NoSpeech:
        fail(
            f"no words heard in {audio.name}; nothing to measure",
            hint="check the microphone and record the take again",
        )
    if as_json:
        print_json(result.as_json())
        return
    _render_rehearsal(result)


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _render_rehearsal(r: Rehearsal) -> None:
    from rich.markup import escape
    from rich.table import Table

    from ringback.coach.rehearse import MAX_DIGITS_PER_SECOND, MONOTONE_SEMITONES

    out = console()
    out.print(f"[bold]Your take[/]: “{escape(r.transcript)}”\n")
    table = Table(show_header=False)
    table.add_column("measure")
    table.add_column("value")
    table.add_row("length", f"{r.duration:.1f} s ({r.speech_seconds:.1f} s of speech)")
    table.add_row("speaking rate", f"{r.words_per_minute:.0f} words per minute")
    table.add_row("pauses", f"{r.pauses} (longest {r.longest_pause:.1f} s)")
    if r.pitch_variation_semitones is not None:
        tone = "monotone" if r.pitch_variation_semitones < MONOTONE_SEMITONES else "lively"
        table.add_row("pitch variation", f"{r.pitch_variation_semitones:.1f} semitones ({tone})")
    table.add_row("filler words", str(r.fillers))
    for n in r.numbers:
        ok = "ok" if n.digits_per_second <= MAX_DIGITS_PER_SECOND else "too fast"
        table.add_row(
            "callback number", f"{n.digits_per_second:.1f} digits/s ({ok}): {escape(n.text)}"
        )
    if not r.numbers:
        table.add_row("callback number", "not heard")
    if r.script_similarity is not None:
        table.add_row("matches the script", f"{r.script_similarity:.0%}")
    if r.score is not None:
        table.add_row("coach score", f"{r.score.score}/100")
    out.print(table)
    if r.changes:
        out.print("\n[bold]Top things to change[/]")
        for i, c in enumerate(r.changes[:3], 1):
            out.print(f" {i}. {escape(c.what)}\n    [cyan]→ {escape(c.how)}[/]")
    else:
        out.print("\n[green]Nothing to change: record it like that.[/]")
