"""What "good" looks like for each call metric: the target, why, and where it comes from.

Numbers from outside research are cited to it; where a target is Ringback's own choice it
says so and gives the reasoning, citing the seed documents it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ringback.calls.analysis import CallAnalysis

GONG_TALK = (
    "Gong Labs, “The Highest Converting Talk-to-Listen Ratio in Sales” (25,537 B2B calls), "
    "https://www.gong.io/resources/labs/talk-to-listen-conversion-ratio/"
)
GONG_QUESTIONS = (
    "Gong Labs, “Navigating sales conversations from first call to closed deal” (11–14 "
    "questions per discovery call), https://www.slideshare.net/slideshow/"
    "navigating-sales-conversations-from-first-call-to-closed-deal/105791822"
)
GONG_NINE = (
    "Gong Labs, “Great salespeople never pitch for more than 9 minutes”, "
    "https://www.gong.io/resources/labs/great-salespeople-never-pitch-for-more-than-9-minutes-heres-why/"
)
GONG_PACE = (
    "Gong Labs figures (about 173 words per minute in sales talk, 188 under pressure; top "
    "performers pause longer) as summarised at https://cuepitch.com/blog/sound-of-panic-sales-objections"
)
# Ringback's own guidance (seed 002 in the docs); the report shows it, so no internal name.
SEED_002 = "Ringback's guidance on active listening on the phone: ask open questions, take notes rather than interrupting"


@dataclass(frozen=True)
class Target:
    metric: str
    value: str
    target: str
    met: bool | None  # None: not measurable on this call
    why: str
    source: str

    @property
    def verdict(self) -> str:
        """The verdict as a person would say it (the review page's last column)."""
        if self.met is None:
            return "Not measurable on this call (too short, or nothing to measure)."
        if self.met:
            return f"On target: {self.value} (aim: {self.target})."
        return f"Work on this: {self.value}, the aim is {self.target}."


def evaluate(analysis: CallAnalysis) -> list[Target]:
    m = analysis.metrics
    rep = m.speakers["rep"]
    minutes = max(m.duration / 60, 1e-9)
    rep_questions = [q for q in analysis.questions if q.speaker == "rep"]
    open_rate = 10 * sum(1 for q in rep_questions if q.kind == "open") / minutes
    rep_interruptions = sum(1 for e in m.interruptions if e.speaker == "rep")
    customer_minutes = m.speakers["customer"].talk_seconds / 60
    out = [
        Target(
            "Rep talk share",
            f"{m.talk_share_rep:.0%}",
            "≤ 50 % (top performers: about 43 %)",
            m.talk_share_rep <= 0.50,
            "The customer's words are the only new information on the call; top performers "
            "talk 43 % of the time and calls where the rep talks over 65 % convert worse.",
            GONG_TALK,
        ),
        Target(
            "Open questions per 10 minutes (rep)",
            f"{open_rate:.1f}",
            "≥ 3",
            open_rate >= 3 if m.duration >= 120 else None,
            "Winning discovery calls hold 11–14 questions, about 3 per 10 minutes of a 30–45 "
            "minute call; open ones (what, how, tell me about) are the ones that show you "
            "listen and dig deeper.",
            f"{GONG_QUESTIONS}; {SEED_002}",
        ),
        Target(
            "Longest rep monologue",
            f"{rep.longest_monologue_seconds:.0f} s",
            "≤ 90 s",
            rep.longest_monologue_seconds <= 90,
            "Ringback's choice for the phone, well inside the 9-minute attention limit Gong "
            "measured for presentations: on a call the customer cannot nod, so after a minute "
            "and a half hand them the floor with a question.",
            f"{GONG_NINE}; {SEED_002}",
        ),
        Target(
            "Interruptions by the rep",
            str(rep_interruptions),
            "0",
            rep_interruptions == 0,
            "Take notes while listening and come back to the point when you have the chance "
            "rather than interrupting (overlap over 0.5 s counts).",
            SEED_002,
        ),
        Target(
            "Patience (mean pause before you answer)",
            f"{m.patience_seconds:.1f} s" if m.patience_seconds is not None else "n/a",
            "≥ 0.6 s",
            m.patience_seconds >= 0.6 if m.patience_seconds is not None else None,
            "A beat of silence before answering shows the customer was heard and lets them add "
            "more; top performers pause longer than average reps.",
            GONG_PACE,
        ),
        Target(
            "Backchannels per minute the customer talks",
            f"{m.rep_backchannels_per_customer_minute:.1f}",
            "≥ 1",
            m.rep_backchannels_per_customer_minute >= 1 if customer_minutes >= 1 else None,
            'Ringback\'s choice: "uh-huh", "I see" are the audible nod that the phone lacks; '
            "about one a minute tells the customer you are still there without taking the floor.",
            SEED_002,
        ),
        Target(
            "Rep speaking rate",
            f"{rep.words_per_minute:.0f} wpm",
            "140–180 wpm",
            140 <= rep.words_per_minute <= 180 if rep.words else None,
            "About 173 words per minute is typical sales talk; speeding up towards 190 is "
            "heard as pressure, much slower as low energy.",
            GONG_PACE,
        ),
    ]
    return out
