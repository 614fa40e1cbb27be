"""Charts of the return rate (PNG or SVG) with matplotlib, drawn off-screen (Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib  # imported here so that a missing extra is caught by the caller

if TYPE_CHECKING:
    from ringback.tracking.stats import ReturnStats


def draw(data: ReturnStats, path: Path, *, fmt: str = "png") -> None:
    """Four panels: per week, by score band, by weekday, by hour of day."""
    matplotlib.use("Agg")  # no display needed; must precede pyplot
    import matplotlib.pyplot as plt

    panels = (
        ("Return rate per week", data.by_week),
        ("By coach score", data.by_score_band),
        ("By weekday", data.by_weekday),
        ("By hour left", data.by_hour),
    )
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    try:
        for ax, (title, groups) in zip(axes.flat, panels, strict=True):
            labels = list(groups)
            rates = [100 * groups[g].return_rate for g in labels]
            ax.bar(range(len(labels)), rates, color="#2b7bb9")
            ax.set_xticks(
                range(len(labels)), labels, rotation=45 if len(labels) > 7 else 0, fontsize=8
            )
            ax.set_ylim(0, 100)
            ax.set_ylabel("% returned")
            ax.set_title(title)
            if not labels:
                ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes)
        fig.suptitle(
            f"{data.returned} of {data.voicemails_left} voicemails returned "
            f"({100 * data.return_rate:.1f} %)"
        )
        fig.tight_layout()
        fig.savefig(path, format=fmt, dpi=100)
    finally:
        plt.close(fig)
