"""``ringback call analyze | report | accept`` and ``ringback note``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

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
                rep_voice=rep_voice,
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


def _call_time(file: Path, at: str | None, settings: Settings) -> datetime:
    from ringback.contacts.fields import parse_when

    if at:
        try:
            return parse_when(at, settings.tz)
        except ValueError as exc:
            fail(str(exc), hint="write e.g. --at '2026-11-23 14:30'")
    # The recording's own time: recorders write the file when the call ends.
    stamp = file.stat().st_mtime if file.is_file() else datetime.now().timestamp()
    return datetime.fromtimestamp(stamp, tz=settings.tz)


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
    from ringback.calls.followups import propose
    from ringback.calls.report import ReportInput, write_report
    from ringback.calls.targets import evaluate
    from ringback.contacts.cli_common import contact_for, unit_of_work

    # Find the contact before the long analysis, so a typo costs nothing.
    with unit_of_work() as (session, settings):
        found = contact_for(session, settings, contact_ref)
        contact_id, contact_name = found.id, found.name
    call_at = _call_time(file, at, settings)
    result = run_analysis(
        file, settings, rep_channel=rep_channel, mono=mono, quiet=as_json, rep_voice=rep_voice
    )
    proposals = propose(result.metrics.turns, call_at=call_at, tz=settings.tz)
    target = out_dir or Path(f"call-review-{file.stem}")
    data = ReportInput(result, contact_id, contact_name, call_at, proposals)
    try:
        paths = write_report(data, target)
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
        print_json(
            {
                "contact": {"id": contact_id, "name": contact_name},
                "files": {k: str(v) for k, v in paths.items()},
                "analysis": result.contract(),
                "details": result.details(),
                "targets": [t.__dict__ for t in evaluate(result)],
                "proposals": [p.as_json() for p in proposals],
            }
        )
        return
    from rich.markup import escape

    out = console()
    out.print(f"[bold]Report for {escape(contact_name)}[/] written to {escape(str(target))}/")
    for t in evaluate(result):
        mark = "·" if t.met is None else ("[green]✓[/]" if t.met else "[red]✗[/]")
        out.print(f"  {mark} {t.metric}: {t.value} (target {t.target})")
    out.print(f"{len(proposals)} proposed updates; file them with: ringback call accept {target}")


def _load_proposals(path: Path) -> tuple[Path, dict[str, Any]]:
    from ringback.calls.report import PROPOSALS

    file = path / PROPOSALS if path.is_dir() else path
    if not file.is_file():
        fail(f"no {PROPOSALS} at {path}", hint="pass the folder `ringback call report` wrote")
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("proposals"), list):
            raise ValueError("no proposals list")
        int(doc["contact_id"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        fail(
            f"{file} is not a Ringback proposals file ({exc})",
            hint="run `ringback call report` again",
        )
    return file, doc


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
    from ringback.contacts.cli_common import unit_of_work
    from ringback.contacts.fields import parse_when
    from ringback.contacts.history import add_follow_up, add_interaction
    from ringback.contacts.models import Direction, InteractionKind
    from ringback.contacts.service import add_back_story, get_contact
    from ringback.durable import write_atomic

    file, doc = _load_proposals(report_dir)
    if doc.get("accepted_at"):
        fail(
            f"these proposals were already accepted on {doc['accepted_at']}; nothing was written",
            hint="run `ringback call report` again for a new review",
        )
    wanted = None
    if only:
        try:
            wanted = {int(x) for x in only.split(",") if x.strip()}
        except ValueError:
            fail(f"--only takes numbers like 1,3, not {only!r}")
    chosen = [p for p in doc["proposals"] if wanted is None or p.get("id") in wanted]
    call_at = datetime.fromisoformat(doc["call_at"])
    added: dict[str, list[dict[str, Any]]] = {"back_story": [], "follow_ups": []}
    with unit_of_work() as (session, settings):
        contact = get_contact(session, ref=int(doc["contact_id"]))
        source = f"call {Path(doc['file']).name} {call_at.astimezone(settings.tz):%Y-%m-%d}"
        interaction = add_interaction(
            session,
            contact=contact,
            kind=InteractionKind.CALL,
            direction=Direction.OUTBOUND,
            occurred_at=call_at,
            outcome="connected",
            text=str(doc.get("summary") or ""),
        )
        for p in chosen:
            minute = f"{int(p['start'] // 60):02d}:{int(p['start'] % 60):02d}"
            if p["kind"] == "back_story":
                item = add_back_story(
                    session,
                    contact=contact,
                    kind=p["story_kind"],
                    text=p["text"],
                    source=f"{source} at {minute}",
                    noted_on=call_at.astimezone(settings.tz).date(),
                )
                added["back_story"].append(
                    {"id": item.id, "kind": item.kind.value, "text": item.text}
                )
            elif p["kind"] == "follow_up":
                due = parse_when(p["due"], settings.tz) if p.get("due") else None
                follow = add_follow_up(session, contact=contact, title=p["text"][:500], due_at=due)
                follow.interaction_id = interaction.id
                added["follow_ups"].append(
                    {"id": follow.id, "title": follow.title, "due": follow.due_at}
                )
        name = contact.name
    doc["accepted_at"] = datetime.now(settings.tz).isoformat(timespec="seconds")
    write_atomic(file, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode(), file.parent)
    if as_json:
        print_json({"contact": name, "interaction_id": interaction.id, **added})
        return
    from rich.markup import escape

    console().print(
        f"[green]Filed for {escape(name)}:[/] the call, {len(added['back_story'])} back-story "
        f"items and {len(added['follow_ups'])} follow-ups"
    )
