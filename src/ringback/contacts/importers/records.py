"""What every reader produces and what an import reports, whatever the file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (missing, empty, binary, unknown columns…)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class RawRecord:
    """One contact as the file wrote it: nothing validated, nothing normalised yet.

    ``row`` is what a user finds the record by: the spreadsheet row of a CSV (the header is
    row 1) or the card's position in a vCard file; ``line`` is where it starts in the file.
    """

    row: int
    line: int
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    title: str = ""
    phones: list[tuple[str, str | None]] = field(default_factory=list)  # (raw, label)
    emails: list[str] = field(default_factory=list)
    timezone: str = ""
    owner: str = ""
    notes: list[str] = field(default_factory=list)
    is_lead: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        if self.name.strip():
            return " ".join(self.name.split())
        return " ".join(f"{self.first_name} {self.last_name}".split())


@dataclass
class Skip:
    row: int
    line: int
    reason: str


@dataclass
class ReadResult:
    """A reader's output: the records, the rows it had to skip, and notes about the file."""

    format: str
    records: list[RawRecord] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    rows_seen: int = 0


@dataclass
class ImportReport:
    file: str
    format: str
    encoding: str
    dry_run: bool
    rows: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)
    merged: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def warn(self, row: int, line: int, message: str) -> None:
        self.warnings.append({"row": row, "line": line, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "counts": {
                "created": len(self.created),
                "merged": len(self.merged),
                "unchanged": self.unchanged,
                "skipped": len(self.skipped),
                "warnings": len(self.warnings),
            },
            "created": self.created,
            "merged": self.merged,
            "skipped": [{"row": s.row, "line": s.line, "reason": s.reason} for s in self.skipped],
            "warnings": self.warnings,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }
