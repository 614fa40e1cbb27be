"""Small charts as inline SVG, drawn on the server: no script, no matplotlib state, no CDN.

Two shapes are enough for the return-rate pages: bars (one or two series per group, on a
0–100 % axis) and a line (a rate over weeks). Every label is escaped (variant names are
typed by users) and cut to a length the axis can hold; the full text stays in each
mark's ``<title>``, which browsers show on hover and screen readers read. Colours are
SVG presentation attributes, not ``style=`` (the pages' CSP allows no inline styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 520, 240
TOP, RIGHT, BOTTOM, LEFT = 28, 8, 72, 64  # room for a legend above, tilted labels below
COLOURS = ("#0b5cad", "#e08a1e")
MAX_LABEL = 14
# Horizontal bars (long labels, such as rule titles): label column width, row height.
H_LABEL, H_ROW, MAX_H_LABEL = 200, 30, 28


@dataclass(frozen=True)
class Point:
    """One group's rate (0–1) out of ``left`` voicemails, for one series."""

    rate: float
    left: int
    returned: int


@dataclass(frozen=True)
class Group:
    """A label on the x axis and its point in each series (None: no data there)."""

    label: str
    points: tuple[Point | None, ...]


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _y(rate: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return TOP + plot * (1 - min(max(rate, 0.0), 1.0))


def _legend(legend: Sequence[str], left: int) -> list[str]:
    """Colour keys along the top, when there is more than one series."""
    parts = []
    for i, name in enumerate(legend if len(legend) > 1 else ()):
        x = left + 130 * i
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[i]}"/>'
            f'<text x="{x + 14}" y="13" font-size="11" fill="#1d2430">{escape(name)}</text>'
        )
    return parts


def _svg(title: str, height: float, parts: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def _frame(title: str, body: list[str], legend: Sequence[str]) -> Markup:
    """The svg element: title, y axis with 0/50/100 %, the marks, and a legend."""
    parts = []
    for rate in (0.0, 0.5, 1.0):
        y = _y(rate)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dee5"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5b6472">{rate:.0%}</text>'
        )
    return _svg(title, HEIGHT, [*parts, *body, *_legend(legend, LEFT)])


def _x_label(x: float, label: str, tilt: bool) -> str:
    y = HEIGHT - BOTTOM + 14
    turn = f' transform="rotate(-40 {x:.1f} {y})"' if tilt else ""
    anchor = "end" if tilt else "middle"
    return (
        f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" font-size="11" fill="#1d2430"{turn}>'
        f"{escape(_short(label))}</text>"
    )


def _tip(label: str, series: str, p: Point) -> str:
    name = f"{label} ({series})" if series else label
    return escape(f"{name}: {p.returned} of {p.left} returned ({p.rate:.0%})")


def bar_chart(title: str, groups: Sequence[Group], series: Sequence[str] = ("",)) -> Markup:
    """Bars of return rate per group, one bar per series side by side."""
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(groups), 1)
    bar_w = min(slot * 0.8 / len(series), 48)
    tilt = len(groups) > 8 or any(len(g.label) > 8 for g in groups)
    body = []
    for i, group in enumerate(groups):
        centre = LEFT + slot * (i + 0.5)
        start = centre - bar_w * len(series) / 2
        for s, point in enumerate(group.points):
            if point is None:
                continue
            y = _y(point.rate)
            body.append(
                f'<rect class="bar" x="{start + s * bar_w:.1f}" y="{y:.1f}" '
                f'width="{bar_w * 0.92:.1f}" height="{_y(0) - y:.1f}" fill="{COLOURS[s]}">'
                f"<title>{_tip(group.label, series[s], point)}</title></rect>"
            )
        body.append(_x_label(centre, group.label, tilt))
    return _frame(title, body, series)


def line_chart(title: str, groups: Sequence[Group]) -> Markup:
    """A line of return rate across groups in order (weeks), a dot per group."""
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(groups), 1)
    every = max(1, len(groups) // 12)  # at most about a dozen labels under the axis
    coords, body = [], []
    for i, group in enumerate(groups):
        point = group.points[0]
        x = LEFT + slot * (i + 0.5)
        if point is not None:
            y = _y(point.rate)
            coords.append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[0]}">'
                f"<title>{_tip(group.label, '', point)}</title></circle>"
            )
        if i % every == 0:
            body.append(_x_label(x, group.label, True))
    line = f'<polyline points="{" ".join(coords)}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>'
    return _frame(title, [line, *body], ("",))


def hbar_chart(title: str, groups: Sequence[Group], series: Sequence[str] = ("",)) -> Markup:
    """Horizontal bars, a row per group with its label on the left: for long labels."""
    plot_w = WIDTH - H_LABEL - RIGHT - 36  # room for the rate written after each bar
    height = TOP + H_ROW * len(groups) + 8
    bar_h = (H_ROW - 8) / len(series)
    parts = []
    for rate in (0.0, 0.5, 1.0):
        x = H_LABEL + plot_w * rate
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{height - 4}" stroke="#d9dee5"/>'
            f'<text x="{x:.1f}" y="{TOP - 8}" text-anchor="middle" font-size="11" '
            f'fill="#5b6472">{rate:.0%}</text>'
        )
    for i, group in enumerate(groups):
        top = TOP + H_ROW * i + 4
        parts.append(
            f'<text x="{H_LABEL - 8}" y="{top + H_ROW / 2:.1f}" text-anchor="end" font-size="12" '
            f'fill="#1d2430">{escape(_short(group.label, MAX_H_LABEL))}</text>'
        )
        for s, point in enumerate(group.points):
            if point is None:
                continue
            y, w = top + s * bar_h, max(plot_w * min(max(point.rate, 0.0), 1.0), 1.0)
            parts.append(
                f'<rect class="bar" x="{H_LABEL}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{bar_h * 0.9:.1f}" fill="{COLOURS[s]}">'
                f"<title>{_tip(group.label, series[s], point)}</title></rect>"
                f'<text x="{H_LABEL + w + 4:.1f}" y="{y + bar_h * 0.75:.1f}" font-size="10" '
                f'fill="#5b6472">{point.rate:.0%}</text>'
            )
    legend = _legend(series, 8)
    return _svg(title, height, [*parts, *legend])
