"""Return-rate statistics, computed by SQL aggregates.

Four scans of the voicemails left (each answered from one covering index on SQLite),
grouped coarsely in SQL and folded in Python: by UTC hour (→ week, weekday and hour in
the user's timezone, DST-correct because each hour is converted on its own), by variant
and score, by rule (bitmask sums), and by time-to-return. Nothing loads rows one by one,
so a million voicemails take well under a second (``bench/bench_tracking.py``).

The population is every outbound voicemail: ``ringback log voicemail`` and calls logged
with ``--outcome voicemail``. The JSON keys ``voicemails_left``, ``returned``,
``return_rate``, ``by_variant`` and ``by_score_band`` are a contract; the rest may grow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from ringback.tracking.models import RULE_BITS

# Coach score bands, inclusive: the coach's 0–100 scale cut where its advice changes.
SCORE_BANDS: tuple[tuple[int, int], ...] = ((0, 49), (50, 69), (70, 84), (85, 100))
UNSCORED = "unscored"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Time-to-return buckets: (label, upper bound in seconds, exclusive).
TTR_BUCKETS: tuple[tuple[str, int], ...] = (
    ("under 1 hour", 3600),
    ("1–24 hours", 86400),
    ("1–3 days", 3 * 86400),
    ("3–7 days", 7 * 86400),
)
TTR_LATER = "over 7 days"

_WHERE = "outcome = 'voicemail' AND direction = 'outbound' AND epoch >= :since"


def band_of(score: int | None) -> str:
    if score is None:
        return UNSCORED
    for low, high in SCORE_BANDS:
        if low <= score <= high:
            return f"{low}-{high}"
    return UNSCORED


def cell(left: int, returned: int) -> dict[str, Any]:
    return {
        "left": int(left),
        "returned": int(returned),
        "return_rate": round(returned / left, 4) if left else 0.0,
    }


def compute_stats(
    session: Session,
    *,
    tz: tzinfo,
    since: datetime | None = None,
    window_days: float = 7.0,
) -> dict[str, Any]:
    """Everything ``ringback stats`` shows, as plain JSON-ready data."""
    from ringback.tracking.ab import compare_variants

    params = {"since": int(since.timestamp()) if since else -(2**62)}

    # 1. By UTC hour: overall, per week, weekday and hour of day in the user's timezone.
    hours = session.execute(
        text(
            "SELECT epoch / 3600 AS h, COUNT(*), COUNT(return_seconds) "
            f"FROM outreach_events WHERE {_WHERE} GROUP BY epoch / 3600"
        ),
        params,
    ).all()
    total_left = total_returned = 0
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    weekdays: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    hours_of_day: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for h, left, returned in hours:
        total_left += left
        total_returned += returned
        local = datetime.fromtimestamp(int(h) * 3600, UTC).astimezone(tz)
        monday = (local.date() - timedelta(days=local.weekday())).isoformat()
        for bucket, key in (
            (weeks, monday),
            (weekdays, local.weekday()),
            (hours_of_day, local.hour),
        ):
            bucket[key][0] += left  # type: ignore[index]
            bucket[key][1] += returned  # type: ignore[index]

    # 2. By variant and score (≤ variants × 101 groups), folded into variants and bands.
    by_variant: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_band: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for variant, score, left, returned in session.execute(
        text(
            "SELECT variant, score, COUNT(*), COUNT(return_seconds) "
            f"FROM outreach_events WHERE {_WHERE} GROUP BY variant, score"
        ),
        params,
    ):
        if variant is not None:
            by_variant[variant][0] += left
            by_variant[variant][1] += returned
        band = band_of(score)
        by_band[band][0] += left
        by_band[band][1] += returned

    # 3. Each rule followed or not: bitmask sums in one row.
    columns = ["COUNT(rule_bits)", "COUNT(CASE WHEN rule_bits IS NOT NULL THEN return_seconds END)"]
    for i in range(len(RULE_BITS)):
        columns.append(f"SUM(CASE WHEN (rule_bits & {1 << i}) <> 0 THEN 1 ELSE 0 END)")
        columns.append(
            f"SUM(CASE WHEN (rule_bits & {1 << i}) <> 0 AND return_seconds IS NOT NULL "
            "THEN 1 ELSE 0 END)"
        )
    row = session.execute(
        text(f"SELECT {', '.join(columns)} FROM outreach_events WHERE {_WHERE}"), params
    ).one()
    scored, scored_returned = int(row[0] or 0), int(row[1] or 0)
    by_rule: dict[str, dict[str, Any]] = {}
    for i, rule in enumerate(RULE_BITS):
        followed, followed_returned = int(row[2 + 2 * i] or 0), int(row[3 + 2 * i] or 0)
        by_rule[rule] = {
            "followed": cell(followed, followed_returned),
            "not_followed": cell(scored - followed, scored_returned - followed_returned),
        }

    # 4. Time to return, by the hour (≤ window × 24 groups): histogram, mean and median.
    ttr = session.execute(
        text(
            "SELECT return_seconds / 3600 AS h, COUNT(*), SUM(return_seconds) "
            f"FROM outreach_events WHERE {_WHERE} AND return_seconds IS NOT NULL "
            "GROUP BY return_seconds / 3600 ORDER BY h"
        ),
        params,
    ).all()

    return {
        "since": since.isoformat() if since else None,
        "window_days": window_days,
        "timezone": str(tz),
        "voicemails_left": total_left,
        "returned": total_returned,
        "return_rate": cell(total_left, total_returned)["return_rate"],
        "by_variant": {name: cell(*v) for name, v in sorted(by_variant.items())},
        "by_score_band": {
            name: cell(*by_band[name])
            for name in [f"{lo}-{hi}" for lo, hi in SCORE_BANDS] + [UNSCORED]
            if name in by_band
        },
        "by_week": {week: cell(*v) for week, v in sorted(weeks.items())},
        "by_weekday": {WEEKDAYS[d]: cell(*weekdays[d]) for d in sorted(weekdays)},
        "by_hour": {f"{h:02d}": cell(*hours_of_day[h]) for h in sorted(hours_of_day)},
        "by_rule": by_rule,
        "time_to_return": _time_to_return(ttr),
        "ab": compare_variants({name: (v[0], v[1]) for name, v in by_variant.items()}),
    }


def _time_to_return(rows: Sequence[Any]) -> dict[str, Any]:
    count = sum(int(n) for _, n, _ in rows)
    total = sum(int(s or 0) for _, _, s in rows)
    buckets = {label: 0 for label, _ in TTR_BUCKETS}
    buckets[TTR_LATER] = 0
    median: float | None = None
    seen = 0
    for h, n, _ in rows:
        seconds = int(h) * 3600
        label = next((lbl for lbl, upper in TTR_BUCKETS if seconds < upper), TTR_LATER)
        buckets[label] += int(n)
        seen += int(n)
        if median is None and count and seen * 2 >= count:
            median = int(h) + 0.5  # the middle of the hour the median falls in
    return {
        "returned": count,
        "mean_hours": round(total / count / 3600, 2) if count else None,
        "median_hours": median,
        "buckets": buckets,
    }
