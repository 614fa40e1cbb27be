"""CSV exports from HubSpot and Salesforce, read by their standard column names.

Headers are compared after folding case and dropping everything but letters and digits,
so "First Name" (HubSpot, Salesforce reports), "FirstName" (Salesforce API) and "FIRSTNAME"
(Data Loader) are the same column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ringback.contacts.importers.records import ImportFileError, RawRecord, ReadResult, Skip

# canonical header -> (field, phone label). Fax numbers are left out on purpose: not callable.
COLUMNS: dict[str, tuple[str, str | None]] = {
    "firstname": ("first_name", None),
    "first": ("first_name", None),
    "givenname": ("first_name", None),
    "lastname": ("last_name", None),
    "last": ("last_name", None),
    "surname": ("last_name", None),
    "familyname": ("last_name", None),
    "name": ("name", None),
    "fullname": ("name", None),
    "contactname": ("name", None),
    "companyname": ("company", None),
    "company": ("company", None),
    "accountname": ("company", None),
    "account": ("company", None),
    "associatedcompany": ("company_fallback", None),
    "jobtitle": ("title", None),
    "title": ("title", None),
    "phonenumber": ("phone", "work"),
    "phone": ("phone", "work"),
    "businessphone": ("phone", "work"),
    "workphone": ("phone", "work"),
    "mobilephonenumber": ("phone", "mobile"),
    "mobilephone": ("phone", "mobile"),
    "mobile": ("phone", "mobile"),
    "cellphone": ("phone", "mobile"),
    "homephone": ("phone", "home"),
    "otherphone": ("phone", "other"),
    "email": ("email", None),
    "emailaddress": ("email", None),
    "additionalemailaddresses": ("email", None),
    "secondaryemail": ("email", None),
    "timezone": ("timezone", None),
    "contactowner": ("owner", None),
    "leadowner": ("owner", None),
    "owner": ("owner", None),
    "ownername": ("owner", None),
    "ownerfullname": ("owner", None),
    "description": ("note", None),
    "notes": ("note", None),
    "lifecyclestage": ("lifecycle", None),
    "leadid": ("lead_marker", None),  # only Salesforce *lead* exports have a Lead ID
}

# Columns only one vendor writes: how auto-detection tells the exports apart.
HUBSPOT_MARKERS = {
    "recordid", "phonenumber", "mobilephonenumber", "companyname", "jobtitle", "lifecyclestage",
    "associatedcompany", "createdate", "lastactivitydate", "stateregion", "countryregion",
    "additionalemailaddresses", "emaildomain", "ipcountry", "marketingcontactstatus",
}  # fmt: skip
SALESFORCE_MARKERS = {
    "accountname", "mailingstreet", "mailingcity", "mailingstateprovince", "mailingstate",
    "mailingzippostalcode", "mailingpostalcode", "mailingcountry", "mobile", "mobilephone",
    "contactid", "leadid", "salutation", "leadsource", "homephone", "otherphone", "accountid",
    "ownerid", "accountaccountname", "contactowner", "leadowner", "createdby", "lastmodifiedby",
}  # fmt: skip

_FOOTER = re.compile(r"^(grand totals?\b|total\b|confidential information|copyright \(c\))", re.I)
# What a Salesforce lead export's status/stage columns say for someone not yet a customer.
_LEAD_STAGES = {"lead", "subscriber", "marketingqualifiedlead", "salesqualifiedlead"}


def canonical(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.lower())


def detect_format(headers: list[str]) -> str | None:
    keys = {canonical(h) for h in headers}
    hubspot, salesforce = len(keys & HUBSPOT_MARKERS), len(keys & SALESFORCE_MARKERS)
    if hubspot > salesforce:
        return "hubspot"
    if salesforce > hubspot:
        return "salesforce"
    if any(COLUMNS[key][0] in _IDENTIFYING for key in keys if key in COLUMNS):
        return "csv"  # plain columns (Name, Email, Phone): no vendor, still importable
    return None


_IDENTIFYING = {"first_name", "last_name", "name", "phone", "email"}


def _delimiter(first_line: str) -> str:
    # Count outside quotes only: a quoted "Smith, Jones" must not vote for the comma.
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# The default 128 KB per value refuses long but real notes; an unclosed quote that swallows
# the file is caught in _rows instead. Larger than this is not a contact's value.
FIELD_LIMIT = 1 << 24


def read_csv(
    text: str, *, name: str, forced: str | None = None, on_row: Callable[[int], None] | None = None
) -> ReadResult:
    """Read a HubSpot/Salesforce (or plain) CSV export. ``forced`` is a format chosen by the
    user; otherwise it is detected from the headers."""
    lines = text.split("\n", 2)
    offset = 0
    first = lines[0].lstrip("\ufeff")
    delimiter = None
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter, offset = first.strip()[4], 1  # Excel's "sep=;" hint line
        text = text.split("\n", 1)[1] if len(lines) > 1 else ""
        first = lines[1] if len(lines) > 1 else ""
    delimiter = delimiter or _delimiter(first)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = _header(reader, name, offset)
    fmt = detect_format(header)
    found = ", ".join(h for h in header if h)[:300]
    if fmt is None:
        raise ImportFileError(
            f"{name}: no contact columns found (columns: {found or 'none'})",
            hint="expected HubSpot or Salesforce columns such as First Name, Last Name, Email, "
            "Phone Number / Phone; for a vCard file use --format vcard",
        )
    result = ReadResult(format=forced or fmt)
    if forced and fmt not in (forced, "csv"):
        result.notes.append(f"--format {forced} given, but the columns look like a {fmt} export")
    mapping = _mapping(header, result)
    if delimiter != ",":
        result.notes.append(f"delimiter {delimiter!r}")
    layout = _Layout(name, delimiter, len(header), offset, mapping)
    last_multiline = _rows(reader, result, layout, on_row)
    if last_multiline and result.records and text.count('"') % 2 == 1:
        # csv reads an unclosed quote to the end of the file without complaint: the last
        # record then swallowed every line after it.
        bad = result.records.pop()
        result.skips.append(
            Skip(
                bad.row,
                bad.line,
                "malformed row: a quote is never closed, so every line after it ran into one value",
            )
        )
    return result


def too_long(name: str, line: int) -> ImportFileError:
    """The error for a value past :data:`FIELD_LIMIT` starting at ``line`` of ``name``."""
    return ImportFileError(
        f"{name} line {line}: a value is longer than {FIELD_LIMIT // (1024 * 1024)} MB, "
        "the most one CSV field may hold",
        hint="look for a quote that is never closed there, or shorten that value",
    )


def _header(reader: Any, name: str, offset: int) -> list[str]:
    try:
        header = next(reader)
        while not any(h.strip() for h in header):  # blank lines above the header
            header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{name} is empty") from None
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise too_long(name, reader.line_num + offset) from None
        raise ImportFileError(f"{name}: cannot read the header row ({exc})") from None
    return [h.strip().lstrip("\ufeff") for h in header]


def _mapping(header: list[str], result: ReadResult) -> list[tuple[int, str, str | None]]:
    """(column index, field, phone label) for each column imported; notes the others."""
    mapping: list[tuple[int, str, str | None]] = []
    seen: set[str] = set()
    for index, column in enumerate(header):
        key = canonical(column)
        if key in COLUMNS and key not in seen:
            seen.add(key)
            field_name, label = COLUMNS[key]
            mapping.append((index, field_name, label))
    used = {header[i] for i, _, _ in mapping}
    ignored = [h for h in header if h and h not in used]
    if ignored:
        result.notes.append(f"columns not imported: {', '.join(ignored)}"[:500])
    return mapping


@dataclass
class _Layout:
    name: str
    delimiter: str
    width: int
    offset: int  # lines above the CSV proper (Excel's "sep=" line)
    mapping: list[tuple[int, str, str | None]]


def _rows(
    reader: Any, result: ReadResult, layout: _Layout, on_row: Callable[[int], None] | None
) -> bool:
    """Records and skips from the rows below the header, into ``result``; True when the
    last row read was a record spanning several lines (read_csv then checks its quotes)."""
    footer_seen = False
    last_multiline = False
    while True:
        # Physical line numbers: what an editor shows; a spreadsheet shows the same row
        # number unless a value spans several lines.
        start_line = reader.line_num + 1 + layout.offset
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise too_long(layout.name, start_line) from None
            result.skips.append(Skip(start_line, start_line, f"malformed row: {exc}"))
            continue
        last_multiline = False
        if not any(f.strip() for f in fields):
            continue  # blank line
        if len([f for f in fields if f.strip()]) == 1 and _FOOTER.match(fields[0].strip()):
            footer_seen = True
            continue
        if footer_seen and len(fields) == 1:
            continue
        result.rows_seen += 1
        if on_row and result.rows_seen % 1000 == 0:
            on_row(result.rows_seen)
        problem = _shape_problem(fields, layout)
        if problem:
            result.skips.append(Skip(start_line, start_line, problem))
            continue
        result.records.append(_record(fields, layout.mapping, start_line, start_line))
        last_multiline = reader.line_num + layout.offset > start_line
    if footer_seen:
        result.notes.append("ignored the report footer (Grand Totals / Confidential / Copyright)")
    return last_multiline


def _shape_problem(fields: list[str], layout: _Layout) -> str | None:
    width = layout.width
    if len(fields) > width and any(f.strip() for f in fields[width:]):
        hint = f"an unquoted {layout.delimiter!r} inside a value?"
    elif len(fields) < width:
        hint = "a cut-off row or broken quoting?"
    else:
        return None
    return f"malformed row: {len(fields)} fields but the header has {width} ({hint})"


def _record(
    fields: list[str], mapping: list[tuple[int, str, str | None]], row: int, line: int
) -> RawRecord:
    record = RawRecord(row=row, line=line)
    fallback_company = ""
    for index, field_name, label in mapping:
        value = fields[index].strip() if index < len(fields) else ""
        if not value:
            continue
        if field_name == "phone":
            record.phones.append((value, label))
        elif field_name == "email":
            # HubSpot's "Additional email addresses" holds several, separated by ';'.
            record.emails += [e for e in re.split(r"[;,\s]+", value) if e]
        elif field_name == "note":
            record.notes.append(value)
        elif field_name == "company_fallback":
            fallback_company = value
        elif field_name == "lifecycle":
            record.is_lead = canonical(value) in _LEAD_STAGES
        elif field_name == "lead_marker":
            record.is_lead = True
        elif not getattr(record, field_name):
            setattr(record, field_name, value)
    if not record.company and fallback_company:
        record.company = fallback_company
    return record
