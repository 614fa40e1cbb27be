"""vCard (.vcf) 2.1, 3.0 and 4.0, read card by card.

A hand-written reader rather than a general vCard library because an import needs what
libraries hide: the line each card starts on, and the freedom to skip one broken card
(with the reason) and keep reading the rest. Handled: folded lines, several cards per file,
TYPE parameters in every spelling (``TYPE=cell,voice``, ``TYPE=CELL;TYPE=WORK``, 2.1's bare
``CELL``), ``tel:`` URIs, escaped ``\\n \\, \\;``, and 2.1 quoted-printable values.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Callable

from ringback.contacts.importers.records import ImportFileError, RawRecord, ReadResult, Skip

_PROPERTY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$", re.S)
_PHONE_LABELS = {"cell": "mobile", "mobile": "mobile", "work": "work", "home": "home"}
_NOT_CALLABLE = {"fax", "pager", "modem", "bbs"}


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfold continuation lines; returns (first physical line number, logical line)."""
    out: list[tuple[int, str]] = []
    qp_open = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if out and (raw[:1] in (" ", "\t") or qp_open):
            start, line = out[-1]
            if qp_open:  # a quoted-printable soft line break: drop the '=' and join
                out[-1] = (start, line[:-1] + raw)
            else:
                out[-1] = (start, line + raw[1:])
        else:
            out.append((number, raw))
        line = out[-1][1]
        qp_open = "QUOTED-PRINTABLE" in line.split(":", 1)[0].upper() and line.endswith("=")
    return out


def _params(raw: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for part in filter(None, raw.split(";")):
        key, sep, value = part.partition("=")
        if not sep:  # vCard 2.1: ";CELL" means TYPE=CELL, ";QUOTED-PRINTABLE" an encoding
            key, value = (
                ("ENCODING" if part.upper() in ("QUOTED-PRINTABLE", "BASE64") else "TYPE"),
                part,
            )
        values = [v.strip().strip('"').lower() for v in value.split(",")]
        params.setdefault(key.strip().upper(), []).extend(v for v in values if v)
    return params


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _components(value: str) -> list[str]:
    """Split a structured value (N, ORG) on unescaped ';'."""
    return [_unescape(part) for part in re.split(r"(?<!\\);", value)]


def _decode_value(value: str, params: dict[str, list[str]]) -> str:
    if "quoted-printable" in params.get("ENCODING", []):
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        data = quopri.decodestring(value.encode("latin-1", "replace"))
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            return data.decode("latin-1")
    return value


def read_vcard(text: str, *, name: str, on_row: Callable[[int], None] | None = None) -> ReadResult:
    lines = _logical_lines(text)
    if not any(line.strip().upper() == "BEGIN:VCARD" for _, line in lines):
        raise ImportFileError(
            f"{name} has no vCards (no BEGIN:VCARD line)",
            hint="for a CSV export use --format hubspot or --format salesforce",
        )
    result = ReadResult(format="vcard")
    card: list[tuple[int, str]] | None = None
    start = 0
    number = 0
    for line_no, line in lines:
        marker = line.strip().upper()
        if marker == "BEGIN:VCARD":
            if card is not None:
                result.skips.append(
                    Skip(number, start, "malformed card: no END:VCARD before the next card")
                )
            number += 1
            card, start = [], line_no
            result.rows_seen += 1
            if on_row and result.rows_seen % 100 == 0:
                on_row(result.rows_seen)
        elif marker == "END:VCARD":
            if card is None:
                result.notes.append(f"line {line_no}: END:VCARD without BEGIN:VCARD, ignored")
                continue
            _card(card, number, start, result)
            card = None
        elif card is not None:
            card.append((line_no, line))
        elif marker:
            result.notes.append(f"line {line_no}: text outside any card, ignored")
    if card is not None:
        result.skips.append(Skip(number, start, "malformed card: the file ends before END:VCARD"))
    return result


def _card(lines: list[tuple[int, str]], number: int, start: int, result: ReadResult) -> None:
    record = RawRecord(row=number, line=start)
    bad_lines = 0
    for line_no, line in lines:
        if not line.strip():
            continue
        match = _PROPERTY.match(line)
        if not match:
            bad_lines += 1
            record.warnings.append(f"line {line_no}: not a vCard property, ignored: {line[:60]!r}")
            continue
        prop, raw_params, raw_value = match.group(1).upper(), match.group(2), match.group(3)
        params = _params(raw_params)
        value = _decode_value(raw_value, params)
        if prop == "FN":
            record.name = _unescape(value).strip()
        elif prop == "N":
            parts = [*_components(value), "", ""]
            record.last_name, record.first_name = parts[0].strip(), parts[1].strip()
            if len(parts) > 3 and parts[2].strip():  # additional (middle) names
                record.first_name = f"{record.first_name} {parts[2].strip()}".strip()
        elif prop == "ORG":
            record.company = _components(value)[0].strip()
        elif prop == "TITLE":
            record.title = _unescape(value).strip()
        elif prop == "TEL":
            types = set(params.get("TYPE", []))
            if types & _NOT_CALLABLE and "voice" not in types:
                record.warnings.append(
                    f"{'/'.join(sorted(types & _NOT_CALLABLE))} number not imported"
                )
                continue
            label = next((_PHONE_LABELS[t] for t in sorted(types) if t in _PHONE_LABELS), None)
            record.phones.append((_unescape(value).strip(), label))
        elif prop == "EMAIL":
            record.emails.append(_unescape(value).strip())
        elif prop == "NOTE":
            note = _unescape(value).strip()
            if note:
                record.notes.append(note)
        elif prop == "TZ":
            record.timezone = _unescape(value).strip()
    if bad_lines and bad_lines == len([line for _, line in lines if line.strip()]):
        result.skips.append(Skip(number, start, "malformed card: no readable property lines"))
        return
    result.records.append(record)
