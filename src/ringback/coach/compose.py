"""Write voicemail scripts from a contact's back story (seed 004's three ideas + call to action).

``compose_variants(profile, *, owner=…, reason=…, value=…, next_step=…)`` is pure: it takes a
frozen ContactProfile and an Owner and returns scored variants. ``ringback prep`` calls it too.
Every variant carries: who is calling (name, company), a professional follow-up on the last
conversation, specific value in the listener's terms (their recorded goal), a clear reason, a
concrete next step, a follow-up email, and the callback number twice near the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ringback.accounts.speaker import Speaker
from ringback.coach.scoring import Score, score_script
from ringback.contacts.phrasing import Phrase, suggest_phrase

if TYPE_CHECKING:
    from ringback.contacts.profile import ContactProfile, InteractionEntry

NAME_PLACEHOLDER = "[your name]"
NUMBER_PLACEHOLDER = "[your number]"
DEFAULT_NEXT_STEP = "a 15-minute call this Thursday or Friday morning"
SHORT_NEXT_STEP = "a 15-minute call this week"  # when the default does not fit in 30 s
MAX_SECONDS = 30.0  # the coach's own brevity rule: 20–30 s is the sweet spot
_CALLING = re.compile(r"^(?:i'?m |i am )?calling\s+", re.I)
_HELP_YOU = re.compile(r"^(?:help|helps) (?:you|your team) (?:to )?", re.I)
# kind -> (what we follow up on, where they raised it: None when they did not speak)
_INTERACTION_WORDS: dict[str, tuple[str, str | None]] = {
    "call": ("our call", "on our call"),
    "meeting": ("our meeting", "at our meeting"),
    "email": ("your email", "in your email"),
    "voicemail_received": ("your message", "in your message"),
    "voicemail_left": ("my message", None),
}


# The person leaving the message: the acting user's profile (``accounts.profile``), else
# the RINGBACK_OWNER_* settings. One record for scripts, greetings and emails alike.
Owner = Speaker


@dataclass(frozen=True)
class Variant:
    name: str  # stable id, e.g. "goal-first": the tracking issue A/B tests by it
    text: str
    result: Score  # the full scoring, findings included

    @property
    def score(self) -> int:
        return self.result.score

    @property
    def seconds(self) -> float:
        return self.result.seconds

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "text": self.text, **self.result.as_json()}


def _spoken_phone(owner: Owner) -> str:
    if not owner.phone:
        return NUMBER_PLACEHOLDER
    from ringback.phones import as_said_in

    return as_said_in(owner.phone, owner.region)


def _when(moment: datetime, today: date) -> str:
    days = (today - moment.date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 7:
        # Earlier this week reads "on Monday"; a weekday not yet reached this week was last week's.
        this_week = moment.weekday() < today.weekday()
        return f"{'on' if this_week else 'last'} {moment.strftime('%A')}"
    if days < 14:
        return "last week"
    return f"on {moment.strftime('%B')} {moment.day}"


def _last_conversation(profile: ContactProfile) -> InteractionEntry | None:
    for item in reversed(profile.interactions):
        if item.kind in _INTERACTION_WORDS:
            return item
    return None


@dataclass(frozen=True)
class _Parts:
    intro: str
    follow_up: (
        str  # "" for a contact with no history: never claim a conversation that did not happen
    )
    brief_follow_up: str  # the follow-up without what they said, when the full one does not fit
    raised: str  # "at our meeting on Tuesday" / "when we last spoke" / ""
    goal_question: str
    value_full: str  # the payback spelled out: "help you grow production by 20% this year"
    value_short: str  # the payback when the goal was just said: "help you get there"
    goal_ref: str  # "your plan to …", said when the user's --value does not name the goal
    reason: str  # "" when the user gave none: the idea itself is the reason
    question: str
    short_question: str
    number: str


_TIME_WORDS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
     "tomorrow", "tonight", "next", "this", "early", "later"]
)  # fmt: skip


def _cta(next_step: str | None) -> str:
    """The next step as a question that is easy to say yes to."""
    step = (next_step or DEFAULT_NEXT_STEP).strip().rstrip(".")
    first = step.split()[0].lower()
    if step.endswith("?"):
        return step[:1].upper() + step[1:]
    if first in ("a", "an", "the", "our", "one") or step[:1].isdigit():
        return f"Would {step} work for you?"  # "a 15-minute call on Thursday"
    if first in _TIME_WORDS:
        return f"Would {step} work for a quick call?"  # "Thursday at 10 am"
    return f"Could we {step}?"  # "meet at the expo on Friday"


def _reason(reason: str) -> str:
    """What follows "I'm calling": "to share the pilot results", "about your renewal"."""
    why = _CALLING.sub("", reason.strip()).rstrip(".")
    if why.split()[0].lower() in ("to", "about", "because", "regarding", "with", "since", "so"):
        return why[:1].lower() + why[1:]
    return f"to {why[:1].lower()}{why[1:]}"


def _lead(profile: ContactProfile) -> tuple[Phrase | None, bool]:
    """The phrase the message is built on (their lead goal, else their latest challenge) and
    whether it is a goal."""
    if profile.lead_goal is not None:
        return profile.lead_goal.said, True
    if profile.challenges:
        return profile.challenges[-1].said, False
    return None, False


def _payback(phrase: Phrase | None, is_goal: bool) -> tuple[str, str, str]:
    """(question to open with, value spelled out, value once the goal was said)."""
    if phrase is None:
        extra = "What would an extra few hours every week mean for your team?"
        return extra, "save your team real time every week", "save your team real time every week"
    if phrase.action:
        return (
            f"What would it mean for you to {phrase.action}?",
            f"help you {phrase.action}",
            "help you get there" if is_goal else "help you with that",
        )
    if phrase.form == "noun":
        question = (
            f"What would {phrase.text} mean for you?"
            if is_goal
            else f"Is {phrase.text} still slowing you down?"
        )
        value = f"help you toward {phrase.text}" if is_goal else f"help you with {phrase.text}"
        return question, value, "help you get there" if is_goal else "help you with that"
    if phrase.form == "clause":
        return (
            f"Is it still true that {phrase.text}?",
            f"help you, since {phrase.text}",
            "help you with that",
        )
    return (
        f"Is this still on your mind: '{phrase.text}'?",
        "help you with what you told me",
        "help you with that",
    )


def _user_value(value: str) -> str:
    """The user's --value as what the idea could do: "help you cut costs by 12%"."""
    said = suggest_phrase(_HELP_YOU.sub("", value.strip()), "professional_goal")
    if said.action:
        return f"help you {said.action}"
    return f"mean {said.text} for you" if said.form == "noun" else f"help: {said.text}"


def _follow_ups(profile: ContactProfile, mentioned: str, today: date) -> tuple[str, str, str]:
    """(follow-up sentence, the same without what they said, where they raised it)."""
    last = _last_conversation(profile)
    raised = "when we last spoke" if mentioned else ""
    if last is None:
        follow = f"When we last spoke, {mentioned}." if mentioned else ""
        return follow, "", raised
    what, where = _INTERACTION_WORDS[last.kind]
    when = _when(last.occurred_at, today)
    brief = f"I'm following up on {what} {when}."
    if not mentioned:
        return brief, brief, raised
    if where is None:  # my own message: what they said came from an earlier talk
        return f"I'm following up on {what} {when}; when we last spoke, {mentioned}.", brief, raised
    return f"I'm following up on {what} {when}, where {mentioned}.", brief, f"{where} {when}"


def _parts(
    profile: ContactProfile,
    owner: Owner,
    reason: str | None,
    value: str | None,
    next_step: str | None,
    today: date,
) -> _Parts:
    name = owner.name or NAME_PLACEHOLDER
    company = f" from {owner.company}" if owner.company else ""
    phrase, is_goal = _lead(profile)
    mentioned = phrase.mentioned if phrase else ""
    follow, brief, raised = _follow_ups(profile, mentioned, today)
    goal_question, value_full, value_short = _payback(phrase, is_goal)
    goal_ref = ""
    if value:
        value_full = value_short = _user_value(value)
        if phrase is not None and is_goal and phrase.action:
            goal_ref = f"your plan to {phrase.action}"
        elif phrase is not None and is_goal and phrase.form == "noun":
            goal_ref = f"your goal of {phrase.text}"
    return _Parts(
        intro=f"Hi {profile.first_name}, this is {name}{company}.",
        follow_up=follow,
        brief_follow_up=brief,
        raised=raised,
        goal_question=goal_question,
        value_full=value_full,
        value_short=value_short,
        goal_ref=goal_ref,
        reason=_reason(reason) if reason and reason.strip() else "",
        question=_cta(next_step),
        short_question=_cta(next_step or SHORT_NEXT_STEP),
        number=_spoken_phone(owner),
    )


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _idea(p: _Parts, value: str) -> str:
    """The reason for the call: the user's, or the idea itself ("I have an idea that…")."""
    if p.reason:
        return f"I'm calling {p.reason}, which could {value}."
    return f"I have an idea to {value}."


# Each variant is written at a level of detail: 0 says everything; each level up says the
# next least important part more briefly, so every message fits the coach's 20–30 s.
def _ask(p: _Parts, level: int) -> str:
    return p.question if level < 1 else p.short_question


def _email(level: int) -> str:
    return ("I'll also email you the details.", "I'll email the details.", "")[
        max(0, min(level, 3) - 1)
    ]


def _follow_up_first(p: _Parts, level: int) -> str:
    follow = p.follow_up if level < 4 else p.brief_follow_up
    value = p.value_short if follow == p.follow_up and p.follow_up else p.value_full
    return _join(
        p.intro,
        follow,
        _idea(p, value),
        _ask(p, level),
        _email(level),
        f"{'You can reach' if level < 2 else 'Reach'} me at {p.number}; again, {p.number}.",
    )


def _goal_first(p: _Parts, level: int) -> str:
    builds_on = f"It builds on what you told me {p.raised}." if p.raised else p.brief_follow_up
    if p.goal_ref:
        raised = f", which you raised {p.raised}" if p.raised and level < 4 else ""
        builds_on = f"It builds on {p.goal_ref}{raised}."
    if level >= 4:
        builds_on = p.brief_follow_up or builds_on
    email = f", and {_email(level)[:-1]}" if _email(level) else ""
    return _join(
        p.intro,
        _idea(p, p.value_full),
        builds_on,
        _ask(p, level),
        f"My number is {p.number}{email}. Again, that's {p.number}.",
    )


def _question_first(p: _Parts, level: int) -> str:
    raised = f"You mentioned it {p.raised}." if p.raised else p.brief_follow_up
    return _join(
        p.intro,
        p.goal_question if level < 5 or not p.brief_follow_up else "",
        raised if level < 4 else p.brief_follow_up,
        _idea(p, p.value_short),
        _ask(p, level),
        _email(level),
        f"Reach me at {p.number}; again, {p.number}.",
    )


VARIANTS = {
    "follow-up-first": _follow_up_first,
    "goal-first": _goal_first,
    "question-first": _question_first,
}
LEVELS = 6


def _fitted(build: Callable[[_Parts, int], str], parts: _Parts) -> str:
    """The most detailed version of a variant that is said in at most 30 seconds."""
    from ringback.coach.text import analyse

    for level in range(LEVELS):
        text = build(parts, level)
        if analyse(text).seconds <= MAX_SECONDS:
            return text
    return text


def compose_variants(
    profile: ContactProfile,
    *,
    owner: Owner | None = None,
    reason: str | None = None,
    value: str | None = None,
    next_step: str | None = None,
    today: date | None = None,
) -> list[Variant]:
    """Scored scripts for ``profile``, one per style in :data:`VARIANTS`, best score first.

    Pure: no settings and no database. An owner without a name or phone gets the visible
    placeholders "[your name]" / "[your number]"; see :meth:`Owner.missing` to warn about it.
    Back-story items are said through their phrases (:mod:`ringback.contacts.phrasing`), and
    each script is cut to what fits in 30 seconds at 150 words a minute.
    """
    owner = owner or Owner()
    parts = _parts(profile, owner, reason, value, next_step, today or date.today())
    variants = []
    for name, build in VARIANTS.items():
        text = _fitted(build, parts)
        variants.append(Variant(name, text, score_script(text, profile=profile)))
    return sorted(variants, key=lambda v: -v.score)
