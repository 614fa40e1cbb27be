"""A finished review's ``review.json`` shaped for the review page: the two speaker lanes
as percentages of the call, the transcript word by word, the metrics against their
targets in plain words, the questions by kind, and the moments.

Pure: no database, no files; the template only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ringback.calls.model import SpokenWord, utterances
from ringback.calls.targets import Target

SPEAKER_LABEL = {"rep": "You", "customer": "Customer"}


def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` past an hour), as a player shows time."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class Bar:
    """A stretch of talk (or a mark) in a lane, placed in percent of the call."""

    left: float
    width: float
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Lane:
    speaker: str
    label: str
    bars: tuple[Bar, ...]
    interruptions: tuple[Bar, ...]
    backchannels: tuple[Bar, ...]


@dataclass(frozen=True)
class Line:
    """One utterance of the transcript: who, when, and its words (index, text, start, end)."""

    speaker: str
    label: str
    start: float
    words: tuple[tuple[int, str, float, float], ...]


@dataclass(frozen=True)
class ReviewPage:
    duration: float
    mode: str
    warnings: tuple[str, ...]
    lanes: tuple[Lane, ...]
    ticks: tuple[tuple[float, str], ...]
    transcript: tuple[Line, ...]
    verdicts: tuple[Target, ...]
    headline: str
    questions: dict[str, int]
    moments: tuple[dict[str, Any], ...] = field(default=())


def _pct(seconds: float, duration: float) -> float:
    return round(100 * min(max(seconds, 0.0), duration) / duration, 3) if duration else 0.0


def _bar(start: float, end: float, text: str, duration: float) -> Bar:
    left = _pct(start, duration)
    # A bar is at least a hair wide, so a one-word turn is still visible.
    return Bar(left, max(_pct(end, duration) - left, 0.25), start, end, text)


def lanes(doc: dict[str, Any]) -> tuple[Lane, ...]:
    """Rep and customer lanes: their talk, the interruptions each made, their backchannels."""
    contract, details = doc["contract"], doc["details"]
    duration = float(contract["duration"]) or 1.0
    out = []
    for speaker in ("rep", "customer"):
        bars = tuple(
            _bar(u["start"], u["end"], u["text"], duration)
            for u in contract["transcript"]
            if u["speaker"] == speaker
        )
        cuts = tuple(
            _bar(e["start"], e["start"], "interrupted", duration)
            for e in contract["interruptions"]
            if e["speaker"] == speaker
        )
        nods = tuple(
            _bar(e["start"], e["start"], e["text"], duration)
            for e in details.get("backchannels", [])
            if e["speaker"] == speaker
        )
        out.append(Lane(speaker, SPEAKER_LABEL[speaker], bars, cuts, nods))
    return tuple(out)


def ticks(duration: float) -> tuple[tuple[float, str], ...]:
    """Time-axis labels: about five, on round numbers of seconds or minutes."""
    if duration <= 0:
        return ()
    step = next(
        (s for s in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800) if duration / s <= 6), 3600
    )
    return tuple((_pct(t, duration), clock(t)) for t in range(0, int(duration) + 1, step))


def transcript(doc: dict[str, Any]) -> tuple[Line, ...]:
    """The words grouped into utterances as the metrics grouped them, each word numbered
    for the player to highlight."""
    words = [SpokenWord(w[0], w[1], float(w[2]), float(w[3])) for w in doc["words"]]
    index = {id(w): i for i, w in enumerate(words)}
    return tuple(
        Line(
            u.speaker,
            SPEAKER_LABEL[u.speaker],
            u.start,
            tuple((index[id(w)], w.text, w.start, w.end) for w in u.words),
        )
        for u in utterances(words)
    )


def headline(doc: dict[str, Any]) -> str:
    """One sentence on the call: talk share against the 43 % of top performers, and how
    many targets were met."""
    share = float(doc["contract"]["talk_share_rep"])
    judged = [t for t in doc["targets"] if t["met"] is not None]
    met = sum(1 for t in judged if t["met"])
    if share > 0.5:
        talk = f"You talked {share * 100:.0f} % of the time: more than the 43 % top performers do, so ask and then let them talk."
    elif share >= 0.35:
        talk = f"You talked {share * 100:.0f} % of the time: close to the 43 % of top performers."
    else:
        talk = f"You talked {share * 100:.0f} % of the time: the customer did most of the talking."
    return f"{talk} {met} of {len(judged)} measurable targets met."


def question_counts(doc: dict[str, Any]) -> dict[str, int]:
    """Questions by who asked and of which kind."""
    qs = doc["contract"]["questions"]
    rep = [q for q in qs if q["speaker"] == "rep"]
    return {
        "rep": len(rep),
        "rep_open": sum(1 for q in rep if q["kind"] == "open"),
        "rep_closed": sum(1 for q in rep if q["kind"] == "closed"),
        "customer": sum(1 for q in qs if q["speaker"] == "customer"),
    }


def review_page(doc: dict[str, Any]) -> ReviewPage:
    """Everything the review page shows, from ``review.json``."""
    duration = float(doc["contract"]["duration"])
    moments = tuple(
        {**m, "clock": clock(m["start"]), "label": SPEAKER_LABEL.get(m["speaker"], m["speaker"])}
        for m in doc.get("moments", [])
    )
    return ReviewPage(
        duration=duration,
        mode=doc["details"]["mode"],
        warnings=tuple(doc["details"].get("warnings", ())),
        lanes=lanes(doc),
        ticks=ticks(duration),
        transcript=transcript(doc),
        verdicts=tuple(
            Target(t["metric"], t["value"], t["target"], t["met"], t["why"], t["source"])
            for t in doc["targets"]
        ),
        headline=headline(doc),
        questions=question_counts(doc),
        moments=moments,
    )
