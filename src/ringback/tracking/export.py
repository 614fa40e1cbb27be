"""CSV export of the statistics: one row per (dimension, group), ready for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HEADER = ("dimension", "group", "left", "returned", "return_rate")


def rows(data: dict[str, Any]) -> Iterator[tuple[str, str, int, int, float]]:
    yield ("overall", "all", data["voicemails_left"], data["returned"], data["return_rate"])
    for dimension in ("by_week", "by_score_band", "by_variant", "by_weekday", "by_hour"):
        for group, c in data[dimension].items():
            yield (dimension[3:], group, c["left"], c["returned"], c["return_rate"])
    for rule, pair in data["by_rule"].items():
        for side in ("followed", "not_followed"):
            c = pair[side]
            yield ("rule", f"{rule}:{side}", c["left"], c["returned"], c["return_rate"])


def csv_text(data: dict[str, Any]) -> str:
    """The statistics as CSV text: what ``ringback stats --csv`` writes and /stats.csv sends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows(data):
        # Group names come from the user (variant names): keep a spreadsheet from
        # reading "=cmd(...)" as a formula.
        group = row[1]
        if group[:1] in ("=", "+", "-", "@"):
            group = "'" + group
        writer.writerow((row[0], group, *row[2:]))
    return buffer.getvalue()


def write_csv(data: dict[str, Any], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(csv_text(data))
