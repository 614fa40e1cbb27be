"""``ringback contacts import FILE``: HubSpot / Salesforce CSV exports and vCard files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ringback.console import console, fail, print_json
from ringback.contacts.cli_common import unit_of_work
from ringback.timefmt import plural

if TYPE_CHECKING:
    from ringback.contacts.importers import Progress

_EPILOG = """\b
Examples:
  ringback contacts import hubspot-contacts.csv --dry-run
  ringback contacts import salesforce-report.csv --format salesforce
  ringback contacts import phone-export.vcf --json

\b
The format is detected from the file (vCard) or its column names (HubSpot, Salesforce).
Phones are stored in E.164, read with RINGBACK_DEFAULT_REGION. A row whose phone or email
is already on file (or earlier in the file) is merged into that contact: empty fields are
filled and new phones/emails added; a different non-empty value is kept and reported.
The import is one transaction: if anything fails, nothing is written.
Exit code 1 when no row at all could be imported."""

SHOWN = 50  # per section in the human report; --json has everything


@click.command("import", epilog=_EPILOG)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "hubspot", "salesforce", "vcard"], case_sensitive=False),
    default="auto",
    show_default=True,
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_command(file: Path, fmt: str, dry_run: bool, as_json: bool) -> None:
    """Import contacts from a HubSpot or Salesforce CSV export or a vCard (.vcf) file."""
    from ringback.contacts.importers import ImportFileError, import_file

    if not file.exists():
        fail(f"{file} does not exist", hint="check the path (ls) and try again")
    if file.is_dir():
        fail(f"{file} is a directory", hint="give the exported .csv or .vcf file itself")
    show_progress = not as_json and sys.stderr.isatty()
    with unit_of_work() as (session, settings), _progress(show_progress) as progress:
        try:
            report = import_file(
                session,
                file,
                fmt=fmt.lower(),
                region=settings.default_region,
                dry_run=dry_run,
                progress=progress,
            )
        except ImportFileError as exc:
            fail(f"{exc}; nothing was written", hint=exc.hint)
        data = report.as_dict()
        counts = data["counts"]
        nothing = counts["created"] + counts["merged"] + counts["unchanged"] == 0
        if nothing and not dry_run:
            # Every row failed: refuse loudly, and let the transaction roll back.
            _print(data, as_json)
            fail(f"no row of {file.name} could be imported; nothing was written")
    _print(data, as_json)
    if nothing:
        sys.exit(1)


def _print(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    out = console()
    counts = data["counts"]
    row = "card" if data["format"] == "vcard" else "row"
    head = "[bold]Dry run[/] (nothing written)" if data["dry_run"] else "[bold green]Imported[/]"
    out.print(
        f"{head} {escape(Path(data['file']).name)} ({data['format']}, {data['encoding']}): "
        f"{data['rows']} {row}{'' if data['rows'] == 1 else 's'} → {counts['created']} created, {counts['merged']} merged, "
        f"{counts['unchanged']} already on file, {counts['skipped']} skipped "
        f"in {data['seconds']:.1f}s"
    )
    _section(out, "Merged", [_merge_line(m, row) for m in data["merged"]])
    _section(out, "Skipped", [f"{row} {s['row']}: {escape(s['reason'])}" for s in data["skipped"]])
    _section(
        out, "Warnings", [f"{row} {w['row']}: {escape(w['message'])}" for w in data["warnings"]]
    )
    _section(out, "Notes", [escape(n) for n in data["notes"]])


def _section(out: Any, title: str, lines: list[str]) -> None:
    if not lines:
        return
    out.print(f"\n[bold]{title}[/] ({len(lines)})")
    for line in lines[:SHOWN]:
        out.print(f"  {line}")
    if len(lines) > SHOWN:
        out.print(f"  … and {len(lines) - SHOWN} more (--json lists all)")


def _merge_line(entry: dict[str, Any], row: str) -> str:
    from rich.markup import escape

    into = entry["into"]
    target = f"contact {into['contact_id']}" if "contact_id" in into else f"{row} {into['row']}"
    parts = [f"added phone {p}" for p in entry["added_phones"]]
    parts += [f"added email {e}" for e in entry["added_emails"]]
    parts += [f"filled {k} '{v}'" for k, v in entry["filled"].items()]
    if entry.get("added_notes"):
        parts.append(f"added {plural(entry['added_notes'], 'note')}")
    parts += [
        f"kept {c['field']} '{c['kept']}' (file has '{c['file']}')" for c in entry["conflicts"]
    ]
    detail = "; ".join(parts) or "same person, nothing new"
    return f"{row} {entry['row']} ({escape(entry['name'])}) into {target}: {escape(detail)}"


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar on stderr, one task per stage; nothing when not on a terminal."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=max(total, done))
        task = tasks[stage]
        bar.update(task, completed=done, total=max(total, done))

    with bar:
        yield update
