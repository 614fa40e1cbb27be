"""``ringback call analyze | report | accept`` and ``ringback note``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

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
  ringback call accept reviews/bill"""
)
def call() -> None:
    """Review a recorded call: talk share, questions, interruptions, listening."""


@contextmanager
def _status(enabled: bool) -> Iterator[object]:
    """A spinner on stderr saying what is happening (never on stdout, which may be JSON)."""
    if not enabled:
        yield lambda _msg: None
        return
    err = console(stderr=True)
    with err.status("analysing the call") as status:
        yield lambda msg: status.update(f"{msg}…")


def run_analysis(
    file: Path, settings: Settings, *, rep_channel: int, mono: bool, quiet: bool
) -> CallAnalysis:
    from ringback.calls.analysis import analyze_call
    from ringback.calls.audio import CallAudioError
    from ringback.speech import SpeechError

    try:
        with _status(not quiet) as say:
            result = analyze_call(
                file,
                settings=settings,
                rep_channel=rep_channel,
                force_mono=mono,
                progress=say,  # type: ignore[arg-type]
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

\b
Examples:
  ringback call analyze call.wav
  ringback call analyze call.wav --rep-channel 1 --json > review.json
  ringback call analyze conference.mp3 --mono"""
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--rep-channel",
    type=click.IntRange(0, 1),
    default=0,
    show_default=True,
    help="Which channel is you (the rep); in mono, 0 = the first voice heard.",
)
@click.option("--mono", is_flag=True, help="Mix the channels down and tell the voices apart.")
@click.option("--full", is_flag=True, help='With --json: add a "details" object (fillers…).')
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation contract as JSON.")
def analyze(file: Path, rep_channel: int, mono: bool, full: bool, as_json: bool) -> None:
    """Talk share, questions, interruptions and listening metrics of a recorded call.

    Warnings (mono fallback, a silent or clipped channel, channels that look swapped) go
    to stderr, so the JSON on stdout stays exactly the documented shape.
    """
    from ringback.app_cli import load_settings

    result = run_analysis(file, load_settings(), rep_channel=rep_channel, mono=mono, quiet=as_json)
    if as_json:
        data = result.contract()
        if full:
            data["details"] = result.details()
        print_json(data)
        return
    _render(result)
