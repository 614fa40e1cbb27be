"""``ringback log import FILE.csv``: the bulk path from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ringback.console import console, print_json
from ringback.tracking.cli_common import JSON_OPTION as _JSON
from ringback.tracking.cli_common import UnknownContactsInFile, parse_time, tracking_work

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.tracking.bulk import CallRow


@click.command(
    name="import",
    epilog="""\b
The CSV has a header with columns contact, direction (inbound|outbound), outcome
(connected|voicemail|no-answer) and at (ISO time; without a zone, your timezone), and
optionally key (a dialler's call id). Rows already logged are counted, not added again.

\b
Examples:
  ringback log import calls.csv
  ringback log import dialler-export.csv --skip-unknown --json""",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-unknown", is_flag=True, help="Skip rows for contacts not in the database.")
@_JSON
def import_calls(path: Path, skip_unknown: bool, as_json: bool) -> None:
    """Log many calls from a CSV at once (a dialler export, a backfill)."""
    from ringback.tracking.bulk import log_calls_bulk

    with tracking_work() as (session, settings):
        rows = _read_rows(path, settings)
        report = log_calls_bulk(session, rows=rows, settings=settings)
        if report.unknown_contacts and not skip_unknown:
            shown = ", ".join(str(c) for c in report.unknown_contacts[:10])
            raise UnknownContactsInFile(f"unknown contact ids in {path.name}: {shown}")
        data = {
            "rows": len(rows),
            "inserted": report.inserted,
            "duplicates": report.duplicates,
            "unknown_contacts": report.unknown_contacts,
        }
    if as_json:
        print_json(data)
    else:
        console().print(
            f"[green]Logged {data['inserted']} calls[/] from {path.name}"
            f" ({data['duplicates']} already logged"
            + (
                f", {len(report.unknown_contacts)} unknown contacts skipped"
                if skip_unknown and report.unknown_contacts
                else ""
            )
            + ")."
        )


def _read_rows(path: Path, settings: Settings) -> list[CallRow]:
    """The file's calls. A ValueError says why the file cannot be read, or names the line
    of the first call that cannot be."""
    import csv
    import io

    from ringback.contacts.importers.csv_reader import FIELD_LIMIT, too_long
    from ringback.inputs import read_input_file

    try:
        text = read_input_file(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not UTF-8 text") from None
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[CallRow] = []
    line = 1
    try:
        for record in reader:
            line += 1
            rows.append(_call_row(record, settings))
    except csv.Error as exc:
        line = reader.line_num + 1  # the row that failed is not counted yet
        if "field limit" in str(exc):
            raise too_long(path.name, line) from None
        raise ValueError(f"{path.name} line {line}: not readable as CSV ({exc})") from None
    except (ValueError, click.BadParameter) as exc:
        raise ValueError(f"{path.name} line {line}: {exc}") from None
    return rows


def _call_row(record: dict[str, str | None], settings: Settings) -> CallRow:
    from ringback.inputs import as_id
    from ringback.tracking.bulk import CallRow
    from ringback.tracking.models import Outcome, Way

    contact = (record.get("contact") or "").strip()
    contact_id = as_id(contact)
    if contact_id is None:
        raise ValueError(f"contact {contact[:40]!r} is not a contact id")
    return CallRow(
        contact_id=contact_id,
        direction=Way((record.get("direction") or "").strip().lower()),
        outcome=Outcome((record.get("outcome") or "connected").strip().lower().replace("-", "_")),
        at=parse_time((record.get("at") or "").strip(), settings),
        key=(record.get("key") or "").strip() or None,
    )
