"""CSV export of the statistics: one row per (dimension, group), ready for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ringback.tracking.stats import ReturnStats

HEADER = ("dimension", "group", "left", "returned", "return_rate")


def rows(data: ReturnStats) -> Iterator[tuple[str, str, int, int, float]]:
    yield ("overall", "all", data.voicemails_left, data.returned, data.return_rate)
    dimensions = {
        "week": data.by_week,
        "score_band": data.by_score_band,
        "variant": data.by_variant,
        "weekday": data.by_weekday,
        "hour": data.by_hour,
    }
    for dimension, groups in dimensions.items():
        for group, c in groups.items():
            yield (dimension, group, c.left, c.returned, c.return_rate)
    for rule, pair in data.by_rule.items():
        for side, c in (("followed", pair.followed), ("not_followed", pair.not_followed)):
            yield ("rule", f"{rule}:{side}", c.left, c.returned, c.return_rate)


def csv_text(data: ReturnStats) -> str:
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


def write_csv(data: ReturnStats, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(csv_text(data))
