"""``ringback call analyze | report | accept`` (``list`` and ``delete``, of the reviews
made on the web app, are :mod:`ringback.calls.cli_reviews`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ringback.calls.cli_reviews import COMMANDS as REVIEW_COMMANDS
from ringback.command_kit import contact_option
from ringback.console import console, fail, print_json

if TYPE_CHECKING:
    from ringback.calls.analysis import CallAnalysis
    from ringback.config import Settings


@click.group(
    epilog="""\b
Examples:
  ringback call analyze call.wav
  ringback call analyze twilio-dual.wav --rep-channel 1 --json
  ringback call report call.wav --contact "Bill Turner" --out reviews/bill
  ringback call accept reviews/bill
  ringback call list
  ringback call delete 7"""
)
def call() -> None:
    """Review a recorded call: talk share, questions, interruptions, listening."""


for _command in REVIEW_COMMANDS:
    call.add_command(_command)


@contextmanager
def _status(
    enabled: bool,
) -> Iterator[tuple[Callable[[str], None], Callable[[float], None] | None]]:
    """What is happening, in words, and a bar through the transcription, on stderr (never
    on stdout, which may be JSON), only on a terminal (:func:`ringback.console.stage_bar`).

    Yields ``analyze_call``'s ``(progress, on_progress)`` callbacks."""
    from ringback.console import stage_bar

    with stage_bar("analysing the call", enabled=enabled) as bar:
        if bar is None:
            yield (lambda _msg: None), None
            return
        yield (lambda msg: bar.stage(f"{msg}…")), bar.advance


# Shared by `call analyze` and `call report`.
_rep_voice_option = click.option(
    "--rep-voice",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Mono: a recording of you alone; the voice like it is the rep "
    "[default: your uploaded greeting, if any].",
)


def run_analysis(
    file: Path,
    settings: Settings,
    *,
    rep_channel: int,
    mono: bool,
    quiet: bool,
    rep_voice: Path | None = None,
) -> CallAnalysis:
    """Analyse ``file`` as the acting user's call (``--as``: the name they introduce
    themselves with), its progress on stderr unless ``quiet``."""
    from ringback.accounts.acting import command_speaker
    from ringback.calls.audio import CallAudioError
    from ringback.calls.service import analyze_call
    from ringback.speech import SpeechError

    rep = command_speaker(settings)
    try:
        with _status(not quiet) as (say, on_progress):
            result = analyze_call(
                file,
                settings=settings,
                rep_channel=rep_channel,
                mono=mono,
                rep_voice=rep_voice,
                progress=say,
                on_progress=on_progress,
                rep=rep,
            )
    except CallAudioError as exc:
        fail(str(exc), hint=exc.hint or None)
    except SpeechError as exc:
        fail(f"transcription failed: {exc}", hint="check RINGBACK_WHISPER_MODEL")
    err = console(stderr=True)
    from rich.markup import escape

    for warning in result.warnings:
        err.print(f"[yellow]Warning:[/] {escape(warning)}")
    return result


def _render(result: CallAnalysis) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    m = result.metrics
    label = "stereo, one party per channel" if result.mode == "stereo" else "MONO, lower confidence"
    out.print(
        f"[bold]Call review[/] {escape(result.path.name)} · {m.duration / 60:.1f} min · {label}"
    )
    table = Table(show_header=True, header_style="bold")
    table.add_column("")
    table.add_column("rep", justify="right")
    table.add_column("customer", justify="right")
    share = m.talk_share_rep
    rows = [
        ("talk share", f"{share:.0%}", f"{1 - share:.0%}"),
        *[
            (
                name,
                fmt(getattr(m.speakers["rep"], attr)),
                fmt(getattr(m.speakers["customer"], attr)),
            )
            for name, attr, fmt in (
                ("talk time", "talk_seconds", lambda v: f"{v / 60:.1f} min"),
                ("words per minute", "words_per_minute", lambda v: f"{v:.0f}"),
                ("longest monologue", "longest_monologue_seconds", lambda v: f"{v:.0f} s"),
                ("turns", "turns", str),
                ("fillers / 100 words", "fillers_per_100_words", lambda v: f"{v:.1f}"),
                ("backchannels", "backchannels", str),
            )
        ],
    ]
    for row in rows:
        table.add_row(*row)
    out.print(table)
    rep_q = [q for q in result.questions if q.speaker == "rep"]
    open_q = sum(1 for q in rep_q if q.kind == "open")
    patience = f"{m.patience_seconds:.1f} s" if m.patience_seconds is not None else "n/a"
    out.print(
        f"Rep questions: {len(rep_q)} ({open_q} open) · interruptions by the rep: "
        f"{sum(1 for e in m.interruptions if e.speaker == 'rep')} · patience: {patience} · "
        f"backchannels per customer minute: {m.rep_backchannels_per_customer_minute:.1f}"
    )
    for q in rep_q:
        out.print(
            f"  {q.start // 60:02.0f}:{q.start % 60:04.1f} {escape(f'[{q.kind}]')} {escape(q.text)}"
        )
    story = m.customer_longest_story
    if story:
        out.print(
            f"Customer's longest story: {story.end - story.start:.0f} s at "
            f"{story.start // 60:02.0f}:{story.start % 60:02.0f}"
        )


@call.command(
    epilog="""\b
Channel 0 is the left channel. In Twilio dual-channel recordings of calls you place, the
first channel is usually you (the rep); pass --rep-channel 1 if it is the customer. Mono
recordings are analysed too, by telling the voices apart, and labelled lower confidence.
In mono the rep is the voice that sounds like your uploaded greeting (ringback greeting
upload) or --rep-voice; without either, the voice of the first real turn (a second of
speech: a "Hello?" from whoever picked up does not count; --rep-channel 1: the other).

\b
JSON: talk_share_rep is the rep's fraction (0-1) of all talk time; times are seconds from
the start of the recording; interruptions list who cut in (overlap over 0.5 s).

\b
Examples:
  ringback call analyze call.wav
  ringback call analyze call.wav --rep-channel 1 --json > review.json
  ringback call analyze conference.mp3 --mono
  ringback call analyze mono-call.wav --rep-voice my-greeting.wav"""
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--rep-channel",
    type=click.IntRange(0, 1),
    default=0,
    show_default=True,
    help="Which channel is you (the rep); in mono, 0 = the voice of the first real turn.",
)
@click.option("--mono", is_flag=True, help="Mix the channels down and tell the voices apart.")
@_rep_voice_option
@click.option("--full", is_flag=True, help='With --json: add a "details" object (fillers…).')
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation contract as JSON.")
def analyze(
    file: Path, rep_channel: int, mono: bool, rep_voice: Path | None, full: bool, as_json: bool
) -> None:
    """Talk share, questions, interruptions and listening metrics of a recorded call.

    Warnings (mono fallback, a silent or clipped channel, channels that look swapped) go
    to stderr, so the JSON on stdout stays exactly the documented shape.
    """
    from ringback.command_kit import load_settings

    result = run_analysis(
        file,
        load_settings(),
        rep_channel=rep_channel,
        mono=mono,
        quiet=as_json,
        rep_voice=rep_voice,
    )
    if as_json:
        data = result.contract()
        if full:
            data["details"] = result.details()
        print_json(data)
        return
    _render(result)


@call.command(
    epilog="""\b
Writes report.md, report.html, timeline.svg and proposals.json into --out (default
./call-review-FILESTEM). Nothing is added to the contact until you accept the proposals.

\b
Examples:
  ringback call report call.wav --contact "Bill Turner"
  ringback call report call.wav --contact 12 --out reviews/bill-2026-11-23 --json
  ringback call accept reviews/bill-2026-11-23"""
)
@click.argument("file", type=click.Path(path_type=Path))
@contact_option("Who the call was with: an id, a name, an email or a phone.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--rep-channel", type=click.IntRange(0, 1), default=0, show_default=True)
@click.option("--mono", is_flag=True, help="Mix the channels down and tell the voices apart.")
@_rep_voice_option
@click.option("--at", "at", help="When the call took place (default: the file's time).")
@click.option("--json", "as_json", is_flag=True, help="Print the report's content as JSON.")
def report(
    file: Path,
    contact_ref: str,
    out_dir: Path | None,
    rep_channel: int,
    mono: bool,
    rep_voice: Path | None,
    at: str | None,
    as_json: bool,
) -> None:
    """A coaching report of a call with a contact: timeline, metrics against targets with
    their sources, and proposed back-story updates and follow-ups."""
    from ringback.calls.service import call_contact, call_time, write_call_report
    from ringback.contacts.cli_common import unit_of_work

    # Find the contact before the long analysis, so a typo costs nothing.
    with unit_of_work() as (session, settings):
        contact = call_contact(session, ref=contact_ref, region=settings.default_region)
    try:
        call_at = call_time(file, at=at, tz=settings.tz)
    except ValueError as exc:
        fail(str(exc), hint="write e.g. --at '2026-11-23 14:30'")
    result = run_analysis(
        file, settings, rep_channel=rep_channel, mono=mono, quiet=as_json, rep_voice=rep_voice
    )
    target = out_dir or Path(f"call-review-{file.stem}")
    try:
        written = write_call_report(
            analysis=result, contact=contact, call_at=call_at, out_dir=target, tz=settings.tz
        )
    except ModuleNotFoundError as exc:
        fail(
            f"{exc.name} is not installed; no report was written",
            hint="pip install 'ringback[calls]'",
        )
    except OSError as exc:
        fail(
            f"cannot write the report to {target}: {exc.strerror or exc}", hint="pick another --out"
        )
    if as_json:
        print_json(written.as_json())
        return
    from rich.markup import escape

    out = console()
    out.print(f"[bold]Report for {escape(contact.name)}[/] written to {escape(str(target))}/")
    for t in written.targets:
        mark = "·" if t.met is None else ("[green]✓[/]" if t.met else "[red]✗[/]")
        out.print(f"  {mark} {t.metric}: {t.value} (target {t.target})")
    out.print(
        f"{len(written.proposals)} proposed updates; file them with: ringback call accept {target}"
    )


@call.command(
    epilog="""\b
Examples:
  ringback call accept call-review-call
  ringback call accept reviews/bill/proposals.json --only 1,3 --json"""
)
@click.argument("report_dir", type=click.Path(path_type=Path))
@click.option("--only", help="Accept just these proposal numbers, e.g. 1,3.")
@click.option("--json", "as_json", is_flag=True, help="Print what was added as JSON.")
def accept(report_dir: Path, only: str | None, as_json: bool) -> None:
    """File a call report's proposed back-story updates and follow-ups into the contact,
    with the call itself on their timeline. One command; never twice."""
    from ringback.calls.service import (
        ProposalsError,
        accept_call_proposals,
        mark_proposals_accepted,
        read_proposals,
    )
    from ringback.contacts.cli_common import unit_of_work

    try:
        proposals = read_proposals(report_dir)
    except ProposalsError as exc:
        fail(str(exc), hint=exc.hint)
    wanted = None
    if only:
        try:
            wanted = {int(x) for x in only.split(",") if x.strip()}
        except ValueError:
            fail(f"--only takes numbers like 1,3, not {only!r}")
    with unit_of_work() as (session, settings):
        accepted = accept_call_proposals(
            session, proposals=proposals, settings=settings, only=wanted
        )
    mark_proposals_accepted(proposals, now=datetime.now(settings.tz))
    if as_json:
        print_json(accepted.as_json())
        return
    from rich.markup import escape

    from ringback.timefmt import plural

    console().print(
        f"[green]Filed for {escape(accepted.contact)}:[/] the call, "
        f"{plural(len(accepted.back_story), 'back-story item')} and "
        f"{plural(len(accepted.follow_ups), 'follow-up')}"
    )
