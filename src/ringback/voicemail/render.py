"""Rich output for the inbox and analyze commands (JSON is printed by the commands)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ringback.console import console
from ringback.speech.legibility import UNTRANSCRIBED_INTENT

STAGE_LABELS = {
    "archive": "Copying the recording to the object store",
    "decode": "Decoding the audio",
    "detect_speech": "Listening for speech",
    "transcribe": "Transcribing",
    "extract": "Reading the message",
    "notify": "Sending the email",
    "follow_up": "Creating the callback task",
    "webhooks": "Queuing the webhooks to your CRM",
}
STATUS_STYLE = {
    "done": "green",
    "no_message": "yellow",
    "rejected": "red",
    "failed": "red",
    "processing": "cyan",
    "received": "cyan",
}


@contextmanager
def progress(enabled: bool = True) -> Iterator[tuple[Any, Any]]:
    """A bar on stderr naming the running stage and advancing through the transcription,
    only on a terminal (:func:`ringback.console.stage_bar`) and when ``enabled`` (not
    with ``--json``).

    Yields the runner's ``(on_stage, on_progress)`` callbacks, for
    ``add_file(on_stage=..., on_progress=...)``: both None when there is no bar."""
    from ringback.console import stage_bar

    with stage_bar("Storing the recording…", enabled=enabled) as bar:
        if bar is None:
            yield None, None
            return
        yield (lambda name: bar.stage(f"{STAGE_LABELS.get(name, name)}…")), bar.advance


@contextmanager
def spinner(text: str) -> Iterator[None]:
    err = console(stderr=True)
    if not err.is_terminal:
        yield
        return
    with err.status(text):
        yield


def _number(value: str | None, extension: str | None = None) -> str:
    from ringback.phones import pretty

    return pretty(value, extension) if value else "—"


def _when(iso: Any) -> str:
    """``2026-11-26T14:00:00-05:00`` → ``Thu 26 Nov, 2:00 pm`` (:mod:`ringback.timefmt`):
    in the zone it carries, which is the user's (the service writes local ISO 8601); a date
    alone keeps no time; anything that is not ISO 8601 is shown as it is; None is "—"."""
    from datetime import UTC, datetime

    from ringback.timefmt import format_mentioned

    if iso is None:
        return "—"
    text = str(iso)
    try:
        zone = datetime.fromisoformat(text).tzinfo or UTC
    except ValueError:
        zone = UTC
    return format_mentioned(text, zone)


def _call_back(facts: Any) -> str:
    """The number with its confidence, and "check the recording" under the flag line."""
    from ringback.extract.callback import UNSURE_NUMBER

    shown = f"{_number(facts.callback_number, facts.callback_extension)}"
    shown += f"  (confidence {facts.callback_number_confidence:.2f})"
    if facts.callback_number and facts.callback_number_confidence < UNSURE_NUMBER:
        shown += ", check the recording"
    return shown


def _number_check_rows(facts: Any) -> list[tuple[str, str]]:
    """The other number (the caller ID or the number heard) and why it is not the one used."""
    check = facts.number_check
    if check is None:
        return []
    label = "Heard as" if check.used_is == "caller_id" else "Caller ID"
    flag = "  (not used: a digit or two off, check the recording)" if check.near else ""
    return [(label, _number(check.other) + flag), ("Why", check.reason)]


def _unsure(value: str | None, unsure: bool) -> str:
    """A name or company as heard, marked when extraction was not sure of it."""
    if not value:
        return "—"
    return f"{value} (unsure)" if unsure else value


def _facts_table(data: Mapping[str, Any]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    from ringback.voicemail.facts import MessageFacts

    facts = MessageFacts.from_json(data)  # the printed JSON, read back as the record

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows: list[tuple[str, str]] = [
        ("Caller", _unsure(facts.caller_name, facts.unsure_name)),
        ("Company", _unsure(facts.company, facts.unsure_company)),
        ("Call back", _call_back(facts)),
        *_number_check_rows(facts),
        ("Summary", facts.summary or "—"),
        ("Callback time", _when(facts.callback_at) if facts.callback_at else "— (none asked)"),
    ]
    for date in facts.dates:
        rows.append(("When", f"{date.text} → {_when(date.iso)}"))
    listed = (("Amounts", facts.amounts), ("Emails", facts.emails), ("Addresses", facts.addresses))
    rows.extend((label, ", ".join(values)) for label, values in listed if values)
    flags = [
        name for name, on in (("urgent", facts.urgent), ("new prospect", facts.is_prospect)) if on
    ]
    if flags:
        rows.append(("Flags", ", ".join(flags)))
    if facts.callback_due is not None:
        rows.append(("Call back by", _when(facts.callback_due.isoformat())))
    for label, value in rows:
        # Values come from what the caller said: shown as said, never read as markup.
        table.add_row(label, escape(value))
    return table


def analysis(data: Mapping[str, Any], filename: str) -> None:
    from rich.console import Group
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    body = Group(
        _facts_table(data),
        Text(""),
        Text(data["transcript"] or "(no speech)", style="italic"),
    )
    title = escape(filename)
    if data.get("duration") is not None:  # a transcript read from text has no length
        minutes, seconds = divmod(round(float(data["duration"])), 60)
        title += f" · {minutes}:{seconds:02d}"
    console().print(Panel(body, title=title, title_align="left", expand=False))


def outcome(data: Mapping[str, Any], *, email_words: str | None = None) -> None:
    """What `inbox add` did with one file; ``email_words``: what happened to its email, as
    ``mail.service.delivery_words`` says it."""
    from rich.markup import escape

    out = console()
    status = data["status"]
    style = STATUS_STYLE.get(status, "")
    known = "" if data.get("created", True) else " (already in the inbox)"
    out.print(f"Voicemail #{data['id']}: [{style}]{status}[/]{known}")
    if data.get("status_reason"):
        out.print(f"  reason: {escape(str(data['status_reason']).splitlines()[0])}")
    if data.get("caller_name"):
        out.print(f"  caller: {escape(str(data['caller_name']))}")
    out.print(
        f"  call back: {_number(data.get('callback_number'), data.get('callback_extension'))}"
    )
    if data.get("summary"):
        out.print(f"  summary: {escape(str(data['summary']))}")
    if data.get("email_key"):
        out.print(f"  email: {escape(email_words or str(data.get('email_status')))}")
    if data.get("original_path"):
        # soft_wrap: a path broken across lines cannot be copied.
        out.print(f"  original kept at {escape(str(data['original_path']))}", soft_wrap=True)


def inbox_table(rows: Sequence[Mapping[str, Any]], *, include_handled: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    if not rows:
        out.print("No messages." if include_handled else "Inbox is empty: nothing left to handle.")
        return
    table = Table(title="Voicemail" if include_handled else "Voicemail: to handle")
    for column in ("#", "received", "caller", "length", "status", "summary", "handled"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = STATUS_STYLE.get(row["status"], "")
        received = _when(row["received_at"])
        flag = " [red]![/]" if row.get("urgent") else ""
        table.add_row(
            str(row["id"]),
            received,
            escape(row["caller"]) + flag,
            row["duration_label"],
            f"[{style}]{row['status']}[/]",
            escape(row["summary"] or ""),
            "yes" if row["handled"] else "",
        )
    out.print(table)


def detail(data: Mapping[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    style = STATUS_STYLE.get(data["status"], "")
    out.print(
        f"[bold]Voicemail #{data['id']}[/] from {escape(data['caller'])}, "
        f"{_when(data['received_at'])}, {data['duration_label'] or '?'}"
        f" — [{style}]{data['status']}[/]"
    )
    if data.get("status_reason"):
        out.print(f"Reason: {escape(str(data['status_reason']).splitlines()[0])}")
    language = data.get("language")
    handled = _when(data["handled_at"]) if data.get("handled_at") else "no"
    out.print(f"Language: {language or '—'}   Handled: {handled}")
    if (data.get("facts") or {}).get("intent") == UNTRANSCRIBED_INTENT:
        out.print("\n[bold]Transcript[/]")
        out.print("[yellow]Ringback could not transcribe this message (another language?)[/]")
        where = str(data.get("original_path") or "not kept")
        out.print(f"Listen to the audio: {escape(where)}", soft_wrap=True, highlight=False)
    elif data.get("transcript"):
        out.print("\n[bold]Transcript[/]")
        out.print(escape(data["transcript"]))
        if data.get("low_confidence_words"):
            words = ", ".join(data["low_confidence_words"])
            out.print(f"[dim]Unsure of: {escape(words)}[/]")
    if data.get("facts"):
        out.print("\n[bold]Facts[/]")
        out.print(_facts_table(data["facts"]))
    proposed = data.get("proposed_back_story") or ()
    if proposed and data.get("handled_at") is None:
        out.print("\n[bold]Capturing files as back story[/] (choose with --keep)")
        for item in proposed:
            out.print(f"  {item['index']}. {item['label']}: {escape(item['text'])}")
    if data.get("follow_up"):
        task = data["follow_up"]
        done = " (done)" if task["done"] else ""
        out.print(
            f"\n[bold]Callback task[/] #{task['id']}: {escape(task['title'])}, "
            f"due {_when(task['due_at'])}{done}"
        )
    stages = Table(title="Stages")
    for column in ("stage", "status", "attempts", "ms", "error"):
        stages.add_column(column, overflow="fold")
    for stage in data.get("stages") or ():
        stages.add_row(
            stage["name"],
            stage["status"],
            str(stage["attempts"]),
            "" if stage["duration_ms"] is None else str(stage["duration_ms"]),
            escape(stage["error"] or ""),
        )
    out.print(stages)
    if data.get("original_path"):
        out.print(f"Original: {escape(data['original_path'])}", soft_wrap=True)


def captured(data: Mapping[str, Any]) -> None:
    from rich.markup import escape

    out = console()
    if data["already_captured"]:
        out.print(f"Voicemail #{data['voicemail_id']} was already captured; nothing changed.")
    if data["contact_id"] is None:
        out.print(f"Voicemail #{data['voicemail_id']} marked handled (no caller to file it under).")
        if data["follow_up"]:
            task = data["follow_up"]
            out.print(f"  task #{task['id']} due {_when(task['due_at'])}: {escape(task['title'])}")
        return
    for moved in [data.get("merged") or {}]:
        if moved:
            what = ", ".join(f"{n} {k}" for k, n in moved.items())
            out.print(f"Merged the caller's earlier contact into #{data['contact_id']}: {what}.")
    new = " (new contact)" if data["created_contact"] else ""
    out.print(
        f"Voicemail #{data['voicemail_id']} → contact #{data['contact_id']} "
        f"{escape(data['contact_name'] or '')}{new}"
    )
    for item in data["back_story"]:
        out.print(f"  back story ({item['kind']}): {escape(item['text'])}")
    if data["interaction_id"]:
        out.print(f"  interaction #{data['interaction_id']}: voicemail received")
    if data["follow_up"]:
        task = data["follow_up"]
        out.print(
            f"  callback task #{task['id']} due {_when(task['due_at'])}: {escape(task['title'])}"
        )
    for match in data.get("proposed_merge") or ():
        out.print(
            f"  looks like {escape(match['name'])} (#{match['contact_id']}), kept apart; "
            f"to merge: ringback contacts merge {match['contact_id']} {data['contact_id']}"
        )


def deletion(data: Mapping[str, Any]) -> None:
    """What deleting a message removes and keeps (``deleted`` False: what it would)."""
    from ringback.console import print_deletion

    shared = ["The recording stays: another message has the same audio."]
    print_deletion(f"voicemail #{data['id']}", data, shared if data["recording_shared"] else ())


def batch_table(rows: Sequence[Mapping[str, Any]]) -> None:
    """What `inbox add A B C` did: one line per file, then the totals."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(rows)} recordings", title_justify="left")
    for column in ("#", "file", "status", "caller", "call back", "summary"):
        table.add_column(column, overflow="fold")
    for r in rows:
        status = str(r["status"])
        if not r.get("created", True):
            status += " (already in)"
        table.add_row(
            str(r["id"] or ""),  # none when the file could not be stored
            escape(Path(str(r["file"])).name),
            f"[{STATUS_STYLE.get(str(r['status']), '')}]{escape(status)}[/]",
            escape(str(r.get("caller_name") or "")),
            _number(r.get("callback_number"), r.get("callback_extension")),
            escape(str(r.get("summary") or r.get("status_reason") or "")),
        )
    console().print(table)
    counts: dict[str, int] = {}
    for r in rows:
        counts[str(r["status"])] = counts.get(str(r["status"]), 0) + 1
    console().print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
