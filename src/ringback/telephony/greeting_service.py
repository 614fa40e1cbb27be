"""What a person does with their greetings: see what each line plays, and put a new
recording live once it passes the checks. ``ringback greeting status`` and the web
app's Settings page call these; the checks themselves are in :mod:`.greetings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ringback.lines import LineKind

if TYPE_CHECKING:
    from pathlib import Path

    from ringback.accounts.speaker import Speaker
    from ringback.config import Settings
    from ringback.telephony.greetings import Greeting, GreetingReport


@dataclass(frozen=True)
class LineGreeting:
    """One line's greeting: the stored recording's info (duration, transcript, checks,
    ``name`` under /telephony/greetings/), or the sentence Twilio speaks instead."""

    line: LineKind
    info: dict[str, Any] | None
    fallback: str | None

    def as_json(self) -> dict[str, Any]:
        return {"line": str(self.line), "greeting": self.info, "fallback": self.fallback}


def line_greetings(settings: Settings, speaker: Speaker | None = None) -> list[LineGreeting]:
    """Which greeting each line plays: your recording, or the spoken fallback in
    ``speaker``'s name (the user looking, their line's; default the owner settings)."""
    from ringback.accounts.speaker import Speaker
    from ringback.telephony.greetings import GreetingStore
    from ringback.telephony.twiml import CallPlan, spoken_greeting

    store = GreetingStore.for_settings(settings)
    who = speaker or Speaker.from_settings(settings)
    out = []
    for kind in LineKind:
        info = store.info(kind)
        plan = CallPlan(
            line=kind,
            base_url="",
            owner_name=who.name,
            owner_company=who.company,
        )
        out.append(LineGreeting(kind, info, None if info else spoken_greeting(plan)))
    return out


@dataclass(frozen=True)
class CheckedGreeting:
    """A recording checked as a greeting; ``stored`` is None when it was not made live."""

    report: GreetingReport
    stored: Greeting | None


def check_and_store(
    source: Path | bytes,
    settings: Settings,
    *,
    line: LineKind = LineKind.PERSONAL,
    source_name: str = "",
    strict: bool = True,
    speaker: Speaker | None = None,
) -> CheckedGreeting:
    """Check a recording against the greeting rules and, when it passes (or ``strict`` is
    off), convert it for the phone and make it the one callers hear on ``line``.
    ``speaker``: who records it (the acting user), whose name it must say.
    Raises GreetingError when it is not audio or has no speech: nothing changes then."""
    from ringback.telephony.greetings import (
        GreetingStore,
        check_samples,
        load_samples,
        to_telephony_wav,
    )

    samples = load_samples(source)
    report = check_samples(samples, settings, line, speaker=speaker)
    if strict and not report.ok:
        return CheckedGreeting(report, None)
    stored = GreetingStore.for_settings(settings).save(
        line, to_telephony_wav(samples), {"source": source_name, **report.to_json()}
    )
    return CheckedGreeting(report, stored)
