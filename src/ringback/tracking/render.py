"""``ringback stats`` as readable terminal tables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from ringback.tracking.stats import Cell, ReturnStats


def _pct(rate: float) -> str:
    return f"{100 * rate:.1f} %"


def _table(
    title: str,
    first: str,
    groups: Mapping[str, Cell],
    extra: tuple[str, dict[str, str]] | None = None,
) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column(first)
    for name in ("left", "returned", "rate", *([extra[0]] if extra else [])):
        table.add_column(name, justify="right")
    for group, c in groups.items():
        # Groups can be the user's own labels (script variants): shown as typed.
        cells = [escape(group), str(c.left), str(c.returned), _pct(c.return_rate)]
        if extra:
            cells.append(extra[1].get(group, ""))
        table.add_row(*cells)
    return table


def print_stats(data: ReturnStats, out: Console, *, tz: tzinfo) -> None:
    """The statistics as tables; ``since`` said in the user's timezone ``tz``."""
    from ringback.timefmt import format_when

    since = f" since {format_when(data.since, tz, relative=False)}" if data.since else ""
    if not data.voicemails_left:
        out.print(f"No voicemails logged{since} yet.")
        out.print('  → ringback log voicemail --contact ID --script "Hi …" [--variant A]')
        return
    out.print(
        f"[bold]{data.returned} of {data.voicemails_left} voicemails returned"
        f"{since}: {_pct(data.return_rate)}[/] "
        f"(returned = they called, left a voicemail or wrote within {data.window_days:g} days)"
    )
    out.print(_table("Per week (week starting)", "week", data.by_week))
    out.print(_table("By coach score", "score", data.by_score_band))
    if data.by_variant:
        intervals = data.ab["intervals"]
        shown = {v: f"{_pct(lo)}–{_pct(hi)}" for v, (lo, hi) in intervals.items()}
        out.print(_table("By variant", "variant", data.by_variant, ("95 % interval", shown)))
        out.print(f"A/B: {data.ab['verdict']}")
    from rich.table import Table

    rules = Table(title="By coach rule", title_justify="left", header_style="bold")
    for name in ("rule", "followed: rate (n)", "not followed: rate (n)"):
        rules.add_column(name, justify="left" if name == "rule" else "right")
    for rule, pair in data.by_rule.items():
        f, n = pair.followed, pair.not_followed
        rules.add_row(
            rule, f"{_pct(f.return_rate)} ({f.left})", f"{_pct(n.return_rate)} ({n.left})"
        )
    out.print(rules)
    out.print(_table(f"By weekday ({data.timezone})", "day", data.by_weekday))
    out.print(_table(f"By hour left ({data.timezone})", "hour", data.by_hour))
    ttr = data.time_to_return
    if ttr.returned:
        out.print(f"Time to return: median ≈ {ttr.median_hours:g} h, mean {ttr.mean_hours:g} h")
        out.print("  " + ", ".join(f"{label}: {n}" for label, n in ttr.buckets.items()))
