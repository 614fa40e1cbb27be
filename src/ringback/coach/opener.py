"""Live-call openers: the first seconds of a call you placed, checked for defensiveness triggers.

Seed 000, factor 3: an unexpected call from a stranger puts people on guard; what dissolves it
is hearing who is calling and why, quickly, with respect for their time.
"""

from __future__ import annotations

from ringback.coach import lexicon as lx
from ringback.coach.check_kit import (
    YOUR_COMPANY,
    YOUR_NAME,
    Check,
    CheckFn,
    caller_intro,
    unless_said,
    when_said,
)
from ringback.coach.checks import no_weak_phrases
from ringback.coach.rules import Rule, opener_rules
from ringback.coach.scoring import Score, _bind, combine
from ringback.coach.text import EARLY_WORDS, Script, analyse


def _first_sentence(script: Script) -> str:
    sentences = list(script.sentences)
    first = sentences[0] if sentences else ""
    # "Hi Bill." alone is a greeting, not a sentence that could pitch: look one further.
    if len(first.split()) <= 3 and len(sentences) > 1:
        first = f"{first} {sentences[1]}"
    return first


def _early(script: Script) -> str:
    words = script.low.split()
    return " ".join(words[:EARLY_WORDS])


def no_how_are_you(script: Script, profile: object) -> Check:
    return unless_said(
        lx.HOW_ARE_YOU.search(script.low),
        script,
        'No scripted "how are you?".',
        '"{said}" from a stranger sounds like a sales script.',
        "Skip it: say who you are and why you are calling.",
    )


def no_pitch_first(script: Script, profile: object) -> Check:
    # A pitch counts as "first" if it comes in the first sentence, or before the listener has
    # heard who is calling and why ("Hi, how are you? Our platform…" pitches first too).
    m = lx.PITCH.search(_first_sentence(script))
    if m is None:
        pitch = lx.PITCH.search(script.low)
        _name, _company, at = caller_intro(script)
        reason = lx.REASON.search(script.low) or lx.HEDGED_REASON.search(script.low)
        if pitch and (at < 0 or reason is None or pitch.start() < reason.start()):
            m = pitch
    return unless_said(
        m,
        script,
        "No pitch before they know who you are and why you call.",
        'Pitches before earning the conversation ("{said}").',
        "Open with your name and the reason that matters to them; the offer can wait.",
    )


def name_and_reason_early(script: Script, profile: object) -> Check:
    name, _company, at = caller_intro(script)
    has_name = name is not None and at <= EARLY_WORDS
    early = _early(script)
    has_reason = bool(lx.REASON.search(early) or lx.HEDGED_REASON.search(early))
    hint = (
        f'In the first 10 seconds: "This is {YOUR_NAME} from {YOUR_COMPANY}; '
        "I'm calling about your Q3 hiring plan.\""
    )
    if has_name and has_reason:
        return Check(1.0, True, "Name and reason within the first ~10 seconds.")
    if has_name or has_reason:
        missing = "the reason for the call" if has_name else "your name"
        return Check(0.5, False, f"Gives {missing} too late or not at all.", hint)
    return Check(0.0, False, "Neither your name nor the reason in the first ~10 seconds.", hint)


def respects_time(script: Script, profile: object) -> Check:
    return when_said(
        lx.RESPECT_TIME,
        script,
        "Acknowledges their time.",
        "Nothing shows respect for their time.",
        'Ask: "Is now a good time for two minutes?"',
    )


OPENER_CHECKS: dict[str, CheckFn] = {
    "no_how_are_you": no_how_are_you,
    "no_pitch_first": no_pitch_first,
    "name_and_reason_early": name_and_reason_early,
    "respects_time": respects_time,
    "no_weak_phrases": no_weak_phrases,
}

_OPENER: tuple[tuple[Rule, CheckFn], ...] | None = None


def check_opener(text: str) -> Score:
    """Score a live-call opener 0–100, one finding per opener rule (same shape as a voicemail score)."""
    global _OPENER
    if _OPENER is None:
        _OPENER = _bind(opener_rules(), OPENER_CHECKS)
    script = analyse(text)
    return combine(script, [(rule, check(script, None)) for rule, check in _OPENER])
