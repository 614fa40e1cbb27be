"""Open, probing questions to ask on a call, chosen by what the contact told us before.

The spirit (seeds 001, 002, 004): be curious about *their* goals, listen, and
dig deeper with questions that invite a story rather than a yes or a no. Talk
about payback in their terms, not ours. Each question is tagged by the kind of
back story it follows up, said through the item's phrase
(:mod:`ringback.contacts.phrasing`): ``{mentioned}`` becomes "You mentioned you want to
grow production by 20% this year" (or "You mentioned: '…'" for a note no phrase fits),
``{topic}`` a noun phrase after "about" ("your plan to grow production…"), used only when
the item has one. Every question here must classify as "open"; a test holds the bank to that.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringback.contacts.models import BackStoryKind
from ringback.contacts.phrasing import Phrase
from ringback.contacts.profile import ContactProfile

GENERAL = "general"


@dataclass(frozen=True)
class BankQuestion:
    kind: str  # a BackStoryKind value, or "general"
    text: str  # may contain "{mentioned}" or "{topic}": the back-story item, woven in

    @property
    def personal(self) -> bool:
        return "{mentioned}" in self.text or "{topic}" in self.text

    def woven(self, phrase: Phrase) -> str | None:
        """The question about ``phrase``, or None when it needs a topic the phrase lacks."""
        if "{topic}" in self.text and phrase.topic is None:
            return None
        mentioned = phrase.mentioned
        return self.text.format(
            mentioned=mentioned[:1].upper() + mentioned[1:], topic=phrase.topic or ""
        )


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
            "{mentioned} — what would achieving that change for you?",
            "Coming back to {topic} — how is that coming along for you?",
            "About {topic} — what first got you thinking about it?",
            "What would make this year a success for you personally?",
            "How do you balance what you want at home with what work asks of you?",
            "Who else in your life would feel the difference when you get there?",
        ),
        _PRO: (
            "{mentioned} — what would achieving that change for you and your team?",
            "Coming back to {topic} — where do things stand since we last spoke?",
            "About {topic} — what is standing between you and that right now?",
            "How will you know the work on your goals has paid off?",
            "What would you like to be known for in your role a year from now?",
            "Which projects are getting most of your attention this quarter?",
            "How does your leadership measure success for you?",
        ),
        _FIN: (
            "{mentioned} — what would reaching that make possible for you?",
            "Coming back to {topic} — how are you tracking against it so far?",
            "About {topic} — what would hitting that mean for you and the business?",
            "Where do you expect the biggest return on what you spend this year?",
            "How do you decide which investments are worth making right now?",
            "What does a good payback look like in your numbers?",
        ),
        _CH: (
            "{mentioned} — how is that affecting your week?",
            "Coming back to {topic} — what have you already tried?",
            "About {topic} — what would it be worth to you to have that behind you?",
            "What happens if this is still unsolved in six months?",
            "What gets in the way most often when you take this on?",
            "Who else feels the impact when this goes wrong?",
        ),
        _INT: (
            "{mentioned} — how did you get into that?",
            "Coming back to {topic} — what do you enjoy most about it these days?",
            "What has your time outside work taught you that you use on the job?",
            "What do you do to recharge outside work?",
        ),
        _LIFE: (
            "{mentioned} — how has that changed things for you?",
            "Coming back to {topic} — what has it meant for your plans this year?",
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
        phrase = item.said
        templates = [q for q in for_kind(item.kind.value) if q.personal]
        # Two goals of one kind get different questions: take the kind's templates in turn.
        n = uses.get(item.kind.value, 0)
        uses[item.kind.value] = n + 1
        for step in range(len(templates)):  # skip those the phrase cannot fill
            woven = templates[(n + step) % len(templates)].woven(phrase)
            if woven:
                add(woven)
                break
    kinds = list(dict.fromkeys(item.kind.value for item in items))
    for kind in kinds:
        for q in for_kind(kind):
            if not q.personal:
                add(q.text)
                break
    for q in for_kind(GENERAL):
        add(q.text)
    return chosen[:limit]
