"""Bytes → text for exports from real tools: UTF-8 with or without a BOM (HubSpot, Excel's
"CSV UTF-8"), UTF-16 (Excel's "Unicode text"), and Windows-1252/Latin-1 (plain Excel "CSV"
and older Salesforce exports). Refuses files that are not text at all."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from ringback.contacts.importers.records import ImportFileError

_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or a zip archive; export it as CSV first",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Office document; export it as CSV first",
    b"\x1f\x8b": "a gzip archive; unpack it first",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3": "a SQLite database",
}


@dataclass
class Decoded:
    text: str
    encoding: str
    # Physical line numbers (1-based) that were not UTF-8 and were read as Windows-1252.
    fallback_lines: list[int] = field(default_factory=list)


def _cp1252(data: bytes) -> str:
    # cp1252 leaves five bytes undefined; Latin-1 maps every byte, so it is the last resort.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode(data: bytes, *, name: str) -> Decoded:
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFileError(
            f"{name} is empty", hint="export the contacts again and check the file"
        )
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise ImportFileError(
                f"{name} is not a CSV or vCard file: it looks like {what}",
                hint="import a .csv export (HubSpot, Salesforce) or a .vcf file",
            )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(f"{name} starts like UTF-16 text but is not") from None
    head = data[:65536]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) // 20:
        raise ImportFileError(
            f"{name} looks like a binary file, not CSV or vCard text",
            hint="import a .csv export (HubSpot, Salesforce) or a .vcf file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    # Not UTF-8 as a whole: decide line by line, so that a UTF-8 export with a few pasted
    # Windows-1252 lines keeps its accents, and a pure Windows-1252 file reads cleanly.
    lines = data.split(b"\n")
    out: list[str] = []
    fallback: list[int] = []
    utf8_non_ascii = 0
    for number, raw in enumerate(lines, start=1):
        try:
            out.append(raw.decode("utf-8"))
            if not raw.isascii():
                utf8_non_ascii += 1
        except UnicodeDecodeError:
            out.append(_cp1252(raw))
            fallback.append(number)
    text = "\n".join(out)
    if text.startswith("\ufeff"):
        text = text[1:]
    if utf8_non_ascii == 0:
        return Decoded(text, "cp1252")
    return Decoded(text, "utf-8+cp1252", fallback)
