"""Importing contacts from HubSpot and Salesforce CSV exports and vCard files.

Three steps, so that ``--dry-run`` shows exactly what a real run would do:
read (decode + parse the file), plan (validate, match duplicates), apply (write).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from ringback.contacts.importers.records import ImportFileError, ImportReport, ReadResult

FORMATS = ("auto", "hubspot", "salesforce", "vcard")

# (stage, done, total): lets the CLI draw a progress bar without this package knowing rich.
Progress = Callable[[str, int, int], None]


def read_file(path: Path, *, fmt: str = "auto", progress: Progress | None = None) -> ReadResult:
    from ringback.contacts.importers.csv_reader import read_csv
    from ringback.contacts.importers.decode import decode
    from ringback.contacts.importers.vcard import read_vcard
    from ringback.inputs import InputFileError, read_input_file

    name = path.name
    try:
        data = read_input_file(path)
    except InputFileError as exc:
        raise ImportFileError(str(exc), hint=exc.hint) from None
    decoded = decode(data, name=name)
    # Lines, not rows (values may span lines), but close enough for a progress bar.
    lines = decoded.text.count("\n") or 1

    def on_row(done: int) -> None:
        if progress:
            progress("reading", done, lines)

    looks_like_vcard = decoded.text.lstrip("\ufeff \t\r\n")[:11].upper() == "BEGIN:VCARD"
    if fmt == "vcard" or (
        fmt == "auto" and (looks_like_vcard or path.suffix.lower() in (".vcf", ".vcard"))
    ):
        result = read_vcard(decoded.text, name=name, on_row=on_row)
    elif looks_like_vcard:
        raise ImportFileError(
            f"{name} is a vCard file, not a {fmt} CSV export",
            hint="use --format vcard or --format auto",
        )
    else:
        result = read_csv(
            decoded.text, name=name, forced=None if fmt == "auto" else fmt, on_row=on_row
        )
    on_row(lines)
    result.encoding = decoded.encoding
    if decoded.encoding == "cp1252":
        result.notes.append("not UTF-8: read as Windows-1252 (Latin-1)")
    if decoded.fallback_lines:
        shown = ", ".join(map(str, decoded.fallback_lines[:20]))
        more = "…" if len(decoded.fallback_lines) > 20 else ""
        result.notes.append(f"lines {shown}{more} were not UTF-8 and were read as Windows-1252")
    if result.rows_seen == 0:
        what = "cards" if result.format == "vcard" else "rows below the header"
        raise ImportFileError(
            f"{name} has no contact {what}", hint="check that the export is not empty"
        )
    return result


def import_file(
    session: Session,
    path: Path,
    *,
    fmt: str = "auto",
    region: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file into the session's transaction (or, with ``dry_run``, only plan it).

    Raises :class:`ImportFileError` when the file as a whole is unusable; row-level problems
    end up in the report instead.
    """
    from ringback.contacts.importers.apply import apply_plan
    from ringback.contacts.importers.plan import plan_import

    began = time.perf_counter()

    def tick(stage: str, total: int) -> Callable[[int], None]:
        return lambda done: progress(stage, done, total) if progress else None

    result = read_file(path, fmt=fmt, progress=progress)
    report = ImportReport(
        file=str(path), format=result.format, encoding=result.encoding, dry_run=dry_run
    )
    report.rows = result.rows_seen
    report.skipped += result.skips
    report.notes += result.notes
    records = result.records
    plan = plan_import(
        session, records, region=region, report=report, progress=tick("checking", len(records))
    )
    tick("checking", len(records))(len(records))
    if not dry_run:
        apply_plan(session, plan, progress=tick("writing", len(plan.new)))
    report.created = [
        {
            "row": t.candidate.row,
            "line": t.candidate.line,
            "id": t.contact_id,
            "name": t.candidate.name,
        }
        for t in plan.new
    ]
    report.skipped.sort(key=lambda s: s.row)
    report.warnings.sort(key=lambda w: w["row"])
    report.seconds = time.perf_counter() - began
    return report


__all__ = ["FORMATS", "ImportFileError", "ImportReport", "import_file", "read_file"]
