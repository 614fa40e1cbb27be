"""The who-spoke-when picture of a call (matplotlib, SVG): one lane per party.

Rep talk is drawn in the rep lane, customer talk in theirs; interruptions are red ticks
and the rep's backchannels small green marks, so a reader sees at a glance who held the
floor, where the long monologues were and where the rep cut in.
"""

from __future__ import annotations

from pathlib import Path

from ringback.calls.metrics import Metrics

COLOURS = {"rep": "#1f6fb2", "customer": "#e08a1e"}


def draw(metrics: Metrics, path: Path, *, title: str = "") -> Path:
    """Write the timeline to ``path`` (its suffix, .svg or .png, picks the format)."""
    import matplotlib

    matplotlib.use("Agg")  # no display, and no GUI toolkit to import
    import matplotlib.pyplot as plt

    minutes = max(metrics.duration / 60, 1e-3)
    fig, ax = plt.subplots(figsize=(10, 2.2), dpi=100)
    try:
        lanes = {"rep": 1.0, "customer": 0.0}
        for speaker, y in lanes.items():
            spans = [
                (u.start / 60, u.duration / 60) for u in metrics.utterances if u.speaker == speaker
            ]
            ax.broken_barh(spans, (y - 0.35, 0.7), facecolors=COLOURS[speaker], label=speaker)
        for e in metrics.interruptions:
            ax.vlines(
                e.start / 60,
                lanes[e.speaker] - 0.45,
                lanes[e.speaker] + 0.45,
                colors="#c62828",
                linewidth=1.5,
            )
        for e in metrics.backchannels:
            ax.plot(
                e.start / 60, lanes[e.speaker] + 0.45, marker="v", color="#2e7d32", markersize=4
            )
        ax.set_yticks([0.0, 1.0], labels=["customer", "rep"])
        ax.set_xlim(0, minutes)
        ax.set_ylim(-0.6, 1.6)
        ax.set_xlabel("minutes")
        ax.spines[["top", "right"]].set_visible(False)
        if title:
            ax.set_title(title, fontsize=10, loc="left")
        fig.tight_layout()
        fig.savefig(path, format=path.suffix.lstrip(".") or "svg")
    finally:
        plt.close(fig)
    return path
