"""``ringback log import FILE.csv``: the bulk path from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from ringback.console import console, print_json
from ringback.tracking.cli_common import JSON_OPTION as _JSON
from ringback.tracking.cli_common import UnknownContactsInFile, parse_time, tracking_work


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
    import csv

    from ringback.tracking.bulk import CallRow, log_calls_bulk
    from ringback.tracking.models import Outcome, Way

    with tracking_work() as (session, settings):
        rows: list[CallRow] = []
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                for line, record in enumerate(csv.DictReader(handle), start=2):
                    try:
                        rows.append(
                            CallRow(
                                contact_id=int((record.get("contact") or "").strip().lstrip("#")),
                                direction=Way((record.get("direction") or "").strip().lower()),
                                outcome=Outcome(
                                    (record.get("outcome") or "connected")
                                    .strip()
                                    .lower()
                                    .replace("-", "_")
                                ),
                                at=parse_time((record.get("at") or "").strip(), settings),
                                key=(record.get("key") or "").strip() or None,
                            )
                        )
                    except (ValueError, click.BadParameter) as exc:
                        raise ValueError(f"{path.name} line {line}: {exc}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{path.name} is not UTF-8 text") from None
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
