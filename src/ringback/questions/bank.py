"""Open, probing questions to ask on a call, chosen by what the contact told us before.

The spirit (seeds 001, 002, 004): be curious about *their* goals, listen, and
dig deeper with questions that invite a story rather than a yes or a no. Talk
about payback in their terms, not ours. Each question is tagged by the kind of
back story it follows up; ``{item}`` is replaced by what they told us ("You
mentioned {item} — ..."). Every question here must classify as "open"; a test
holds the bank to that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ringback.contacts.models import BackStoryKind
from ringback.contacts.profile import ContactProfile

GENERAL = "general"


@dataclass(frozen=True)
class BankQuestion:
    kind: str  # a BackStoryKind value, or "general"
    text: str  # may contain "{item}": the back-story text, woven in

    @property
    def personal(self) -> bool:
        return "{item}" in self.text


_PG = BackStoryKind.PERSONAL_GOAL.value
_PRO = BackStoryKind.PROFESSIONAL_GOAL.value
_FIN = BackStoryKind.FINANCIAL_GOAL.value
_CH = BackStoryKind.CHALLENGE.value
_INT = BackStoryKind.INTEREST.value
_LIFE = BackStoryKind.LIFE_EVENT.value

BANK: tuple[BankQuestion, ...] = tuple(
    BankQuestion(kind, text)
    for kind, texts in {
        _PG: (
            "You mentioned {item} — what would achieving that change for you?",
            "Coming back to {item} — how is that coming along for you?",
            "About {item} — what first got you thinking about it?",
            "What would make this year a success for you personally?",
            "How do you balance what you want at home with what work asks of you?",
            "Who else in your life would feel the difference when you get there?",
        ),
        _PRO: (
            "You mentioned {item} — what would achieving that change for you and your team?",
            "Coming back to {item} — where do things stand since we last spoke?",
            "About {item} — what is standing between you and that right now?",
            "How will you know the work on your goals has paid off?",
            "What would you like to be known for in your role a year from now?",
            "Which projects are getting most of your attention this quarter?",
            "How does your leadership measure success for you?",
        ),
        _FIN: (
            "You mentioned {item} — what would reaching that make possible for you?",
            "Coming back to {item} — how are you tracking against it so far?",
            "About {item} — what would hitting that mean for you and the business?",
            "Where do you expect the biggest return on what you spend this year?",
            "How do you decide which investments are worth making right now?",
            "What does a good payback look like in your numbers?",
        ),
        _CH: (
            "You mentioned {item} — how is that affecting your week?",
            "Coming back to {item} — what have you already tried?",
            "About {item} — what would it be worth to you to have that behind you?",
            "What happens if this is still unsolved in six months?",
            "What gets in the way most often when you take this on?",
            "Who else feels the impact when this goes wrong?",
        ),
        _INT: (
            "You mentioned {item} — how did you get into that?",
            "Coming back to {item} — what do you enjoy most about it these days?",
            "What has your time outside work taught you that you use on the job?",
            "What do you do to recharge outside work?",
        ),
        _LIFE: (
            "You mentioned {item} — how has that changed things for you?",
            "Coming back to {item} — what has it meant for your plans this year?",
            "What has changed for you since we last spoke?",
        ),
        GENERAL: (
            "What are you trying to accomplish this year?",
            "How would that outcome affect your personal, professional and financial goals?",
            "What does a great result look like for you?",
            "What are your top priorities for the next few months?",
            "What keeps you up at night?",
            "How are you handling that today?",
            "What would you change about how it works now, if you could?",
            "Tell me more about how your team makes decisions like this.",
            "Who else should be part of this conversation?",
            "What would make our next conversation worth your time?",
        ),
    }.items()
    for text in texts
)

# Follow-up order: goals first (seed 001: know their goals), then what stands in the way.
KIND_ORDER = (_PRO, _FIN, _PG, _CH, _LIFE, _INT)


def for_kind(kind: str) -> list[BankQuestion]:
    return [q for q in BANK if q.kind == kind]


# Notes are often written about the contact ("Wants to retire by 55"); said to them, in
# "You mentioned ...", they need the second person.
_LEAD_INS = (
    (re.compile(r"^(?:he |she |they )?wants? to\s+", re.I), "you want to "),
    (re.compile(r"^(?:he |she |they )?would like to\s+", re.I), "you'd like to "),
    (re.compile(r"^(?:he |she |they )?hopes? to\s+", re.I), "you hope to "),
    (re.compile(r"^(?:he |she |they )?plans? to\s+", re.I), "you plan to "),
    (re.compile(r"^to\s+", re.I), "you want to "),
)


# A goal noted as a bare verb ("Increase production by 23%") reads, said back to them,
# as "You mentioned you want to increase production by 23%".
_GOAL_VERB_WORDS = """get grow cut reduce increase expand save pay buy build hire launch open
    move become find retire sell start finish improve double lower raise win keep take make
    learn travel spend"""
_GOAL_VERBS = frozenset(_GOAL_VERB_WORDS.split())
_GOAL_KINDS = frozenset(
    k.value
    for k in (
        BackStoryKind.PERSONAL_GOAL,
        BackStoryKind.PROFESSIONAL_GOAL,
        BackStoryKind.FINANCIAL_GOAL,
    )
)


# First words that are ordinary words, not names: safe to lower-case inside a sentence.
# Anything else keeps its capital, because "Ohio expansion" must not become "ohio".
_COMMON_START_WORDS = """a an the more less new our their his her my just recently bought had
    got lost joined left moved became started"""
_COMMON_START = frozenset(_COMMON_START_WORDS.split()) | _GOAL_VERBS


def _phrase(text: str) -> str:
    """A back-story note ready to go inside a sentence: no trailing period, no stray capital."""
    phrase = " ".join(text.split()).rstrip(" .!;:")
    first = phrase.split(" ", 1)[0] if phrase else ""
    lowered = first.lower()
    if first[1:].islower() and (lowered in _COMMON_START or lowered.endswith("ing")):
        phrase = lowered + phrase[len(first) :]
    return phrase


def _goal_phrase(text: str, kind: str = "") -> str:
    phrase = _phrase(text)
    for pattern, replacement in _LEAD_INS:
        if pattern.match(phrase):
            return pattern.sub(replacement, phrase, count=1)
    if kind in _GOAL_KINDS and phrase.split(" ", 1)[0] in _GOAL_VERBS:
        return "you want to " + phrase
    return phrase


def questions_for(profile: ContactProfile, *, limit: int = 5) -> list[str]:
    """Up to ``limit`` open questions for a call with ``profile``, the most personal first.

    One question woven around each recorded goal, challenge, life event or interest
    (newest notes first within a kind), then the unwoven probing questions of those
    kinds, then general discovery questions when the back story runs out.
    """
    if limit <= 0:
        return []
    items = sorted(
        profile.back_story,
        key=lambda b: (
            KIND_ORDER.index(b.kind.value) if b.kind.value in KIND_ORDER else 99,
            -(b.noted_on.toordinal() if b.noted_on else 0),
        ),
    )
    chosen: list[str] = []

    def add(text: str) -> None:
        if text not in chosen and len(chosen) < limit:
            chosen.append(text)

    uses: dict[str, int] = {}
    for item in items:
        phrase = _goal_phrase(item.text, item.kind.value)
        templates = [q for q in for_kind(item.kind.value) if q.personal]
        if not phrase or not templates:
            continue
        # Two goals of one kind get different questions: take the kind's templates in turn.
        n = uses.get(item.kind.value, 0)
        uses[item.kind.value] = n + 1
        add(templates[n % len(templates)].text.replace("{item}", phrase))
    kinds = list(dict.fromkeys(item.kind.value for item in items))
    for kind in kinds:
        for q in for_kind(kind):
            if not q.personal:
                add(q.text)
                break
    for q in for_kind(GENERAL):
        add(q.text)
    return chosen[:limit]
