"""Stats (issue 15 §3): are voicemails returned, by week, variant, coach rule and hour of
day, as inline SVG charts with the numbers beside them, and the same data as CSV.

Everything comes from :func:`ringback.tracking.service.return_stats`, the document
``ringback stats --json`` prints; ``/stats.csv`` is exactly ``ringback stats --csv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringback.web.auth import signed_in_router, user_transaction
from ringback.web.charts import Group, Point, bar_chart, hbar_chart, line_chart
from ringback.web.render import render

if TYPE_CHECKING:
    from ringback.tracking.stats import Cell, ReturnStats, RuleCells

router = signed_in_router()

# The periods offered above the charts: query value -> (label, days back; None = all).
PERIODS: dict[str, tuple[str, int | None]] = {
    "all": ("All time", None),
    "90d": ("Last 90 days", 90),
    "30d": ("Last 30 days", 30),
}


def _stats(request: Request, period: str, *, export: str = "") -> ReturnStats:
    from ringback.db.base import utcnow
    from ringback.tracking.service import return_stats

    settings = request.app.state.settings
    days = PERIODS[period][1]
    since = utcnow() - timedelta(days=days) if days else None
    with user_transaction(request) as session:
        if export:  # a download leaves the app: the audit trail says who took what
            from ringback.accounts.service import record
            from ringback.web.auth import client_ip

            user = request.state.user
            detail = f'{{"what": "{export}", "period": "{period}"}}'
            record(
                session,
                "export",
                user_id=user.id if user else None,
                ip=client_ip(request),
                detail=detail,
            )
        return return_stats(session, settings=settings, since=since)


def _point(cell: Cell) -> Point | None:
    """A chart point; None when no voicemail is in the group (no bar, not a 0 % one)."""
    return Point(cell.return_rate, cell.left, cell.returned) if cell.left else None


def _groups(cells: Mapping[str, Cell]) -> list[Group]:
    return [Group(label, (_point(cell),)) for label, cell in cells.items()]


def _rule_rows(by_rule: Mapping[str, RuleCells]) -> list[dict[str, Any]]:
    """Each rule with its title, and the rate when it was followed and when not."""
    from ringback.coach.rules import voicemail_rules

    titles = {rule.id: rule.title for rule in voicemail_rules()}
    return [
        {"title": titles.get(rule, rule), "followed": pair.followed, "not": pair.not_followed}
        for rule, pair in by_rule.items()
    ]


def charts(data: ReturnStats) -> dict[str, Any]:
    """The page's charts (SVG markup) and the rows of the tables beside them."""
    rules = _rule_rows(data.by_rule)
    hours = {f"{h}:00": c for h, c in data.by_hour.items()}
    return {
        "week": line_chart("Return rate per week", _groups(data.by_week)),
        "variant": bar_chart("Return rate by variant", _groups(data.by_variant)),
        "rule": hbar_chart(
            "Return rate with each coach rule followed or not",
            [Group(r["title"], (_point(r["followed"]), _point(r["not"]))) for r in rules],
            ("followed", "not followed"),
        ),
        "hour": bar_chart("Return rate by hour the voicemail was left", _groups(hours)),
        "band": bar_chart("Return rate by coach score", _groups(data.by_score_band)),
        "rules": rules,
    }


@router.get("/stats")
async def stats_page(request: Request, period: str = "all") -> Response:
    """The return-rate page; an empty database gets a page saying how to start."""
    period = period if period in PERIODS else "all"
    data = await run_in_threadpool(_stats, request, period)
    return render(
        request,
        "pages/stats.html",
        data=data,
        charts=charts(data) if data.voicemails_left else None,
        period=period,
        periods=PERIODS,
    )


@router.get("/stats.csv")
async def stats_csv(request: Request, period: str = "all") -> Response:
    """The statistics as CSV (the columns of ``ringback stats --csv``), as a download."""
    from ringback.tracking.export import csv_text

    period = period if period in PERIODS else "all"
    data = await run_in_threadpool(lambda: _stats(request, period, export="stats.csv"))
    return Response(
        csv_text(data),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="ringback-returns.csv"',
            "Cache-Control": "no-store",
        },
    )
