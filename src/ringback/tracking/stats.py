"""Return-rate statistics, computed by SQL aggregates.

Three grouped scans of the voicemails left, each streamed off an index in its GROUP BY
order (see the indexes in models.py), folded in Python: by UTC hour (→ week, weekday and
hour in the user's timezone, DST-correct because each hour is converted on its own), by
variant and score, and by rule bitmask; then a pass over the returned ones only, in
return-time order, for time-to-return buckets and the median. Nothing loads rows one by one,
so a million voicemails take well under a second (``bench/bench_tracking.py``).

The population is every outbound voicemail: ``ringback log voicemail`` and calls logged
with ``--outcome voicemail``. The JSON keys ``voicemails_left``, ``returned``,
``return_rate``, ``by_variant`` and ``by_score_band`` are a contract; the rest may grow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
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

_WHERE = "outcome = 'voicemail' AND direction = 'outbound'"


def band_of(score: int | None) -> str:
    if score is None:
        return UNSCORED
    for low, high in SCORE_BANDS:
        if low <= score <= high:
            return f"{low}-{high}"
    return UNSCORED


@dataclass(frozen=True)
class Cell:
    """One group's voicemails: how many were left, how many returned, and the rate."""

    left: int
    returned: int
    return_rate: float

    def as_json(self) -> dict[str, Any]:
        return {"left": self.left, "returned": self.returned, "return_rate": self.return_rate}


def cell(left: int, returned: int) -> Cell:
    return Cell(int(left), int(returned), round(returned / left, 4) if left else 0.0)


@dataclass(frozen=True)
class RuleCells:
    """The voicemails scored by the coach, split by whether they followed one rule."""

    followed: Cell
    not_followed: Cell

    def as_json(self) -> dict[str, Any]:
        return {"followed": self.followed.as_json(), "not_followed": self.not_followed.as_json()}


@dataclass(frozen=True)
class TimeToReturn:
    """How long the returned voicemails took: mean and median hours, and how many fell in
    each bucket (:data:`TTR_BUCKETS`, then :data:`TTR_LATER`)."""

    returned: int
    mean_hours: float | None
    median_hours: float | None
    buckets: Mapping[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "returned": self.returned,
            "mean_hours": self.mean_hours,
            "median_hours": self.median_hours,
            "buckets": dict(self.buckets),
        }


@dataclass(frozen=True)
class ReturnStats:
    """Are voicemails returned: overall, per week, by coach score, rule, variant, weekday
    and hour (in ``timezone``), and how fast. :meth:`as_json` is the ``ringback stats
    --json`` document; the groups are keyed as there (weeks by their Monday, ISO date)."""

    since: datetime | None
    window_days: float
    timezone: str
    voicemails_left: int
    returned: int
    return_rate: float
    by_variant: Mapping[str, Cell]
    by_score_band: Mapping[str, Cell]
    by_week: Mapping[str, Cell]
    by_weekday: Mapping[str, Cell]
    by_hour: Mapping[str, Cell]
    by_rule: Mapping[str, RuleCells]
    time_to_return: TimeToReturn
    ab: Mapping[str, Any]  # :func:`ringback.tracking.ab.compare_variants`

    def as_json(self) -> dict[str, Any]:
        def cells(groups: Mapping[str, Cell]) -> dict[str, Any]:
            return {name: c.as_json() for name, c in groups.items()}

        return {
            "since": self.since.isoformat() if self.since else None,
            "window_days": self.window_days,
            "timezone": self.timezone,
            "voicemails_left": self.voicemails_left,
            "returned": self.returned,
            "return_rate": self.return_rate,
            "by_variant": cells(self.by_variant),
            "by_score_band": cells(self.by_score_band),
            "by_week": cells(self.by_week),
            "by_weekday": cells(self.by_weekday),
            "by_hour": cells(self.by_hour),
            "by_rule": {rule: pair.as_json() for rule, pair in self.by_rule.items()},
            "time_to_return": self.time_to_return.as_json(),
            "ab": dict(self.ab),
        }


Counts = dict[Any, list[int]]  # group -> [left, returned]


@dataclass(frozen=True)
class _Scope:
    """The voicemails counted: all of them, or those left since a time. Each query adds
    the filter to its own WHERE; the hour bound is only for the query on the hour index."""

    since: datetime | None
    # Whose voicemails (raw SQL: ``ringback.accounts.scope.owner_sql``): "" for everyone's.
    owners: str = ""
    owner_params: tuple[tuple[str, int], ...] = ()

    @property
    def params(self) -> dict[str, int]:
        since_epoch = int(self.since.timestamp()) if self.since else -(2**62)
        return {"since": since_epoch, "since_hour": since_epoch // 3600, **dict(self.owner_params)}

    @property
    def sql(self) -> str:
        return (" AND epoch >= :since" if self.since else "") + self.owners


@dataclass(frozen=True)
class _ByHour:
    """The voicemails left and returned, overall and per week, weekday and hour of day in
    the user's timezone."""

    left: int
    returned: int
    weeks: Counts
    weekdays: Counts
    hours_of_day: Counts


def compute_stats(
    session: Session,
    *,
    tz: tzinfo,
    since: datetime | None = None,
    window_days: float = 7.0,
) -> ReturnStats:
    """Everything ``ringback stats`` shows (``.as_json()``: what ``--json`` prints)."""
    from ringback.accounts.scope import owner_sql
    from ringback.tracking.ab import compare_variants

    owners, owner_params = owner_sql(session)
    scope = _Scope(since, owners, tuple(owner_params.items()))
    hours = _count_by_hour(session, scope, tz)
    by_variant, by_band = _count_by_variant_and_band(session, scope)
    by_rule = _count_by_rule(session, scope)
    time_to_return = _count_time_to_return(session, scope, hours.returned)
    return ReturnStats(
        since=since,
        window_days=window_days,
        timezone=str(tz),
        voicemails_left=hours.left,
        returned=hours.returned,
        return_rate=cell(hours.left, hours.returned).return_rate,
        by_variant={name: cell(*v) for name, v in sorted(by_variant.items())},
        by_score_band={
            name: cell(*by_band[name])
            for name in [f"{lo}-{hi}" for lo, hi in SCORE_BANDS] + [UNSCORED]
            if name in by_band
        },
        by_week={week: cell(*v) for week, v in sorted(hours.weeks.items())},
        by_weekday={WEEKDAYS[d]: cell(*hours.weekdays[d]) for d in sorted(hours.weekdays)},
        by_hour={f"{h:02d}": cell(*hours.hours_of_day[h]) for h in sorted(hours.hours_of_day)},
        by_rule=by_rule,
        time_to_return=time_to_return,
        ab=compare_variants({name: (v[0], v[1]) for name, v in by_variant.items()}),
    )


def _count_by_hour(session: Session, scope: _Scope, tz: tzinfo) -> _ByHour:
    """1. By UTC hour: overall, per week, weekday and hour of day in the user's timezone."""
    # Only columns every index holds: a filter on one an index lacks turns its covering
    # scan into a table lookup per row (the hour range is for the hour index alone).
    hour_sql = " AND hour >= :since_hour" if scope.since else ""
    hours = session.execute(
        text(
            "SELECT hour, COUNT(*), COUNT(return_seconds) FROM outreach_events "
            f"WHERE {_WHERE}{scope.sql}{hour_sql} "
            "GROUP BY hour"
        ),
        scope.params,
    ).all()
    total_left = total_returned = 0
    weeks: Counts = defaultdict(lambda: [0, 0])
    weekdays: Counts = defaultdict(lambda: [0, 0])
    hours_of_day: Counts = defaultdict(lambda: [0, 0])
    # Up to 8,760 groups a year, each placed in the user's week, weekday and hour: the
    # week's Monday is worked out once per local day (the Stats page runs this loop).
    mondays: dict[int, str] = {}
    for h, left, returned in hours:
        total_left += left
        total_returned += returned
        local = datetime.fromtimestamp(int(h) * 3600, tz)
        day, weekday = local.toordinal(), local.weekday()
        monday = mondays.get(day)
        if monday is None:
            monday = mondays[day] = date.fromordinal(day - weekday).isoformat()
        for key, bucket in ((monday, weeks), (weekday, weekdays), (local.hour, hours_of_day)):
            cell = bucket[key]
            cell[0] += left
            cell[1] += returned
    return _ByHour(total_left, total_returned, weeks, weekdays, hours_of_day)


def _count_by_variant_and_band(session: Session, scope: _Scope) -> tuple[Counts, Counts]:
    """2. By variant and score (≤ variants × 101 groups), folded into variants and bands."""
    by_variant: Counts = defaultdict(lambda: [0, 0])
    by_band: Counts = defaultdict(lambda: [0, 0])
    for variant, score, left, returned in session.execute(
        text(
            "SELECT variant, score, COUNT(*), COUNT(return_seconds) "
            f"FROM outreach_events WHERE {_WHERE}{scope.sql} GROUP BY variant, score"
        ),
        scope.params,
    ):
        if variant is not None:
            by_variant[variant][0] += left
            by_variant[variant][1] += returned
        band = band_of(score)
        by_band[band][0] += left
        by_band[band][1] += returned
    return by_variant, by_band


def _count_by_rule(session: Session, scope: _Scope) -> dict[str, RuleCells]:
    """3. Each rule followed or not: grouped by the rule bitmask (≤ 2^rules groups), then
    each rule's counts summed over the masks that have its bit."""
    scored = scored_returned = 0
    followed = [[0, 0] for _ in RULE_BITS]
    for bits, left, returned in session.execute(
        text(
            "SELECT rule_bits, COUNT(*), COUNT(return_seconds) FROM outreach_events "
            f"WHERE {_WHERE}{scope.sql} AND rule_bits IS NOT NULL GROUP BY rule_bits"
        ),
        scope.params,
    ):
        scored += left
        scored_returned += returned
        for i in range(len(RULE_BITS)):
            if int(bits) & (1 << i):
                followed[i][0] += left
                followed[i][1] += returned
    return {
        rule: RuleCells(
            followed=cell(*followed[i]),
            not_followed=cell(scored - followed[i][0], scored_returned - followed[i][1]),
        )
        for i, rule in enumerate(RULE_BITS)
    }


def _count_time_to_return(session: Session, scope: _Scope, total_returned: int) -> TimeToReturn:
    """4. Time to return: the returned voicemails only, read off the index in return-time
    order: cumulative bucket counts and the sum in one pass, the median by offset."""
    ttr_columns = ", ".join(
        f"SUM(CASE WHEN return_seconds < {upper} THEN 1 ELSE 0 END)" for _, upper in TTR_BUCKETS
    )
    returned_only = f"WHERE {_WHERE}{scope.sql} AND return_seconds IS NOT NULL"
    total_seconds, *below = session.execute(
        text(f"SELECT SUM(return_seconds), {ttr_columns} FROM outreach_events {returned_only}"),
        scope.params,
    ).one()
    median_seconds = None
    if total_returned:
        median_seconds = session.scalar(
            text(
                f"SELECT return_seconds FROM outreach_events {returned_only} "
                "ORDER BY return_seconds LIMIT 1 OFFSET :k"
            ),
            {**scope.params, "k": (total_returned - 1) // 2},
        )
    return _time_to_return(
        total_returned, int(total_seconds or 0), [int(n or 0) for n in below], median_seconds
    )


def _time_to_return(
    count: int, total_seconds: int, below: list[int], median_seconds: int | None
) -> TimeToReturn:
    buckets: dict[str, int] = {}
    previous = 0
    for (label, _), cumulative in zip(TTR_BUCKETS, below, strict=True):
        buckets[label] = cumulative - previous
        previous = cumulative
    buckets[TTR_LATER] = count - previous
    return TimeToReturn(
        returned=count,
        mean_hours=round(total_seconds / count / 3600, 2) if count else None,
        median_hours=round(median_seconds / 3600, 2) if median_seconds is not None else None,
        buckets=buckets,
    )
