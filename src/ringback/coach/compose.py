"""Write voicemail scripts from a contact's back story (seed 004's three ideas + call to action).

``compose_variants(profile, *, owner=…, reason=…, value=…, next_step=…)`` is pure: it takes a
frozen ContactProfile and an Owner and returns scored variants. ``ringback prep`` calls it too.
Every variant carries: who is calling (name, company), a professional follow-up on the last
conversation, specific value in the listener's terms (their recorded goal), a clear reason, a
concrete next step, a follow-up email, and the callback number twice near the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ringback.coach.scoring import Score, score_script
from ringback.contacts.models import BackStoryKind

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.contacts.profile import BackStoryEntry, ContactProfile, InteractionEntry

NAME_PLACEHOLDER = "[your name]"
NUMBER_PLACEHOLDER = "[your number]"
DEFAULT_NEXT_STEP = "a 15-minute call this Thursday or Friday morning"
MAX_GOAL_WORDS = 10  # a goal read out in full must not blow the 30-second budget

# First words that make a goal a verb phrase ("increase production…") rather than a noun
# phrase ("more time with family"); decides between "help you <goal>" and "help you toward <goal>".
_GOAL_VERBS = frozenset(
    """increase reduce cut grow hire spend get launch expand save open retire buy pay build move
    improve double triple win lower raise find sell become be have take make finish start travel
    send upgrade replace hit reach free automate scale close shorten speed simplify consolidate
    modernize modernise migrate streamline protect keep stay boost drive land enter earn fund
    learn mentor train give volunteer attract retain grow""".split()  # noqa: SIM905  (a word list reads better as text)
)
_WANTS_TO = re.compile(
    r"^(?:(?:she|he|they|i)\s+)?(?:(?:wants?|would like|hopes?|plans?|needs?|aims?|is trying)\s+)?to\s+",
    re.I,
)
_CALLING = re.compile(r"^(?:i'?m |i am )?calling\s+", re.I)
_HELP_YOU = re.compile(r"^(?:help|helps) (?:you|your team) (?:to )?", re.I)
_DANGLING = frozenset(
    ["the", "a", "an", "of", "to", "for", "by", "and", "or", "in", "at", "on", "with", "before",
     "after", "from", "their", "her", "his", "its", "our", "your", "my"]
)  # fmt: skip
_SENTENCE_VERBS = re.compile(
    r"\b(?:is|are|was|were|takes?|has|have|keeps?|costs?|can't|cannot|don't|doesn't|won't|needs?)\b"
)
# kind -> (what we follow up on, where they raised it: None when they did not speak)
_INTERACTION_WORDS: dict[str, tuple[str, str | None]] = {
    "call": ("our call", "on our call"),
    "meeting": ("our meeting", "at our meeting"),
    "email": ("your email", "in your email"),
    "voicemail_received": ("your message", "in your message"),
    "voicemail_left": ("my message", None),
}
# Back-story notes are written about the contact ("more time with her family"); the message
# speaks to them ("more time with your family").
_TO_SECOND_PERSON = [
    (re.compile(r"\b(?:she's|he's|they're)\b", re.I), "you're"),
    (re.compile(r"\b(?:her|his|their)\b", re.I), "your"),
    (re.compile(r"\b(?:hers|theirs)\b", re.I), "yours"),
    (re.compile(r"\b(?:she|he|they)\b", re.I), "you"),
    (re.compile(r"\b(?:herself|himself|themselves)\b", re.I), "yourself"),
]


@dataclass(frozen=True)
class Owner:
    """The person leaving the message (from RINGBACK_OWNER_* settings)."""

    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    region: str = "US"

    @classmethod
    def from_settings(cls, settings: Settings) -> Owner:
        return cls(
            name=settings.owner_name.strip(),
            company=settings.owner_company.strip(),
            phone=settings.owner_phone.strip(),
            email=settings.owner_email.strip(),
            region=settings.default_region,
        )

    def missing(self) -> list[str]:
        """Settings a composed script needs but that are not set, as environment variable names."""
        return [
            var
            for var, value in (
                ("RINGBACK_OWNER_NAME", self.name),
                ("RINGBACK_OWNER_PHONE", self.phone),
            )
            if not value
        ]


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


def _clause(text: str) -> str:
    """A back-story text as a clause to speak: first clause, short, lower-case start, no full stop."""
    first = re.split(r"[;.!?\n]\s|\s[-–—]\s", text.strip(), maxsplit=1)[0].strip().rstrip(".!?;:,")
    first = _WANTS_TO.sub("", first)  # "Wants to retire by 55" → "retire by 55"
    words = first.split()[:MAX_GOAL_WORDS]
    while len(words) > 1 and words[-1].lower() in _DANGLING:  # "…by the end of" → "…by the end"
        words.pop()
    if words and not (len(words[0]) > 1 and words[0].isupper()):  # keep acronyms ("ERP")
        words[0] = words[0][:1].lower() + words[0][1:]
    clause = " ".join(words)
    for pattern, replacement in _TO_SECOND_PERSON:
        clause = pattern.sub(replacement, clause)
    return clause


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
    raised: str  # "at our meeting on Tuesday" / "when we last spoke" / ""
    goal_question: str
    value_full: str  # the payback spelled out: "help you increase production by 20%"
    value_short: str  # the payback when the goal was just said: "help you get there"
    goal_ref: str  # "your goal to …", said when the user's --value does not name the goal
    reason: str
    question: str
    number: str


def _goal_mention(goal: str, goal_is_verb: bool, challenge: str) -> str:
    if goal:
        return (
            f"you mentioned you want to {goal}"
            if goal_is_verb
            else f"you mentioned {goal} is a priority"
        )
    if challenge:
        if _SENTENCE_VERBS.search(challenge):
            return f"you mentioned that {challenge}"
        return f"you mentioned {challenge} as a challenge"
    return ""


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


def _reason(reason: str | None) -> str:
    """What follows "I'm calling": "to share the pilot results", "about your renewal"."""
    why = _CALLING.sub("", (reason or "").strip()).rstrip(".")
    if not why:
        return "to walk you through it"
    if why.split()[0].lower() in ("to", "about", "because", "regarding", "with", "since", "so"):
        return why[:1].lower() + why[1:]
    return f"to {why[:1].lower()}{why[1:]}"


# A business voicemail leads with what they want at work or with money; a personal goal is
# the right lead only when nothing else is known (seed 001 weaves it in, it rarely opens).
_GOAL_PRIORITY = {
    BackStoryKind.PROFESSIONAL_GOAL: 0,
    BackStoryKind.FINANCIAL_GOAL: 1,
    BackStoryKind.PERSONAL_GOAL: 2,
}


def _lead_goal(goals: list[BackStoryEntry]) -> BackStoryEntry:
    """The goal to build the message on: by kind priority, then the most recently noted."""
    ranked = sorted(enumerate(goals), key=lambda ig: (_GOAL_PRIORITY.get(ig[1].kind, 3), -ig[0]))
    return ranked[0][1]


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
    goals, challenges = profile.goals, profile.challenges
    goal = _clause(_lead_goal(goals).text) if goals else ""
    goal_is_verb = bool(goal) and goal.split()[0].lower() in _GOAL_VERBS
    challenge = _clause(challenges[-1].text) if challenges else ""
    mention = _goal_mention(goal, goal_is_verb, challenge)

    last = _last_conversation(profile)
    raised = "when we last spoke" if mention else ""
    if last is not None:
        what, where = _INTERACTION_WORDS[last.kind]
        when = _when(last.occurred_at, today)
        raised = f"{where} {when}" if where else raised
        follow = (
            f"I'm following up on {what} {when}" + (f", where {mention}" if mention else "") + "."
        )
        if mention and where is None:
            follow = f"I'm following up on {what} {when}; when we last spoke, {mention}."
    elif mention:  # a recorded goal or challenge was learnt in some conversation
        follow = f"When we last spoke, {mention}."
    else:
        follow = ""

    if goal:
        goal_question = (
            f"What would it mean for you to {goal}?"
            if goal_is_verb
            else f"What would {goal} mean for you?"
        )
        value_full = f"help you {goal}" if goal_is_verb else f"help you toward {goal}"
        value_short = "help you get there"
    elif challenge:
        goal_question = (
            f"Is it still true that {challenge}?"
            if _SENTENCE_VERBS.search(challenge)
            else f"Is {challenge} still slowing you down?"
        )
        value_full = (
            f"help you with this: {challenge}"
            if _SENTENCE_VERBS.search(challenge)
            else f"help you solve {challenge}"
        )
        value_short = "help you solve that"
    else:
        goal_question = "What would an extra few hours every week mean for your team?"
        value_full = value_short = "save your team real time every week"
    if value:
        v = _clause(_HELP_YOU.sub("", value.strip()))
        verb = v.split()[0].lower() in _GOAL_VERBS if v else False
        value_full = value_short = f"help you {v}" if verb else f"mean {v} for you"
    goal_ref = ""
    if value and goal:
        goal_ref = f"your goal to {goal}" if goal_is_verb else f"your goal of {goal}"

    return _Parts(
        intro=f"Hi {profile.first_name}, this is {name}{company}.",
        follow_up=follow,
        raised=raised,
        goal_question=goal_question,
        value_full=value_full,
        value_short=value_short,
        goal_ref=goal_ref,
        reason=_reason(reason),
        question=_cta(next_step),
        number=_spoken_phone(owner),
    )


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _follow_up_first(p: _Parts) -> str:
    value = p.value_short if p.follow_up else p.value_full
    return _join(
        p.intro,
        p.follow_up,
        f"I have an idea that could {value}, and I'm calling {p.reason}.",
        p.question,
        "I'll also email you the details.",
        f"You can reach me at {p.number}; again, {p.number}.",
    )


def _goal_first(p: _Parts) -> str:
    builds_on = f"It builds on what you told me {p.raised}." if p.raised else ""
    if p.goal_ref:
        builds_on = f"It builds on {p.goal_ref}" + (
            f", which you raised {p.raised}." if p.raised else "."
        )
    return _join(
        p.intro,
        f"I have an idea that could {p.value_full}, and I'm confident it's a great fit.",
        builds_on,
        f"I'm calling {p.reason}.",
        p.question,
        f"My number is {p.number}, and I'll email you the details too. Again, that's {p.number}.",
    )


def _question_first(p: _Parts) -> str:
    raised = f"You raised it {p.raised}." if p.raised else ""
    return _join(
        p.intro,
        p.goal_question,
        raised,
        f"I have an idea that could {p.value_short}, and I'm calling {p.reason}.",
        p.question,
        "I'll also email you the details.",
        f"Reach me at {p.number}; again, {p.number}.",
    )


VARIANTS = {
    "follow-up-first": _follow_up_first,
    "goal-first": _goal_first,
    "question-first": _question_first,
}


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
    """
    owner = owner or Owner()
    parts = _parts(profile, owner, reason, value, next_step, today or date.today())
    variants = []
    for name, build in VARIANTS.items():
        text = build(parts)
        variants.append(Variant(name, text, score_script(text, profile=profile)))
    return sorted(variants, key=lambda v: -v.score)
