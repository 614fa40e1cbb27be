"""Plain, frozen views of a contact for the coach and the prep brief (no ORM rows leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ringback.contacts.models import BackStoryKind, Contact
from ringback.contacts.phrasing import Phrase, phrase_of
from ringback.contacts.records import identity_of

GOAL_KINDS = (
    BackStoryKind.PERSONAL_GOAL,
    BackStoryKind.PROFESSIONAL_GOAL,
    BackStoryKind.FINANCIAL_GOAL,
)

# A business message leads with what they want at work or with money; a personal goal is
# the right lead only when nothing else is known (seed 001 weaves it in, it rarely opens).
_GOAL_PRIORITY = {
    BackStoryKind.PROFESSIONAL_GOAL: 0,
    BackStoryKind.FINANCIAL_GOAL: 1,
    BackStoryKind.PERSONAL_GOAL: 2,
}


@dataclass(frozen=True)
class BackStoryEntry:
    kind: BackStoryKind
    text: str
    source: str | None = None
    noted_on: date | None = None
    phrase: str | None = None  # accepted by the user; None: the suggestion is used

    @property
    def said(self) -> Phrase:
        """What a message says for this item (see :mod:`ringback.contacts.phrasing`)."""
        return phrase_of(self.text, self.kind.value, self.phrase)


@dataclass(frozen=True)
class InteractionEntry:
    kind: str
    direction: str
    occurred_at: datetime
    outcome: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class FollowUpEntry:
    title: str
    due_at: datetime | None = None
    done: bool = False


@dataclass(frozen=True)
class ContactProfile:
    """Everything known about a contact, newest interactions last."""

    id: int | None
    name: str
    company: str | None = None
    title: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    timezone: str | None = None
    back_story: tuple[BackStoryEntry, ...] = ()
    interactions: tuple[InteractionEntry, ...] = ()
    follow_ups: tuple[FollowUpEntry, ...] = field(default=())

    @property
    def first_name(self) -> str:
        parts = self.name.split()
        return parts[0] if parts else self.name

    def items(self, *kinds: BackStoryKind) -> list[BackStoryEntry]:
        return [item for item in self.back_story if item.kind in kinds]

    @property
    def goals(self) -> list[BackStoryEntry]:
        return self.items(*GOAL_KINDS)

    @property
    def lead_goal(self) -> BackStoryEntry | None:
        """The goal a message is built on: by kind priority, then the most recently noted."""
        ranked = sorted(
            enumerate(self.goals), key=lambda ig: (_GOAL_PRIORITY.get(ig[1].kind, 3), -ig[0])
        )
        return ranked[0][1] if ranked else None

    @property
    def challenges(self) -> list[BackStoryEntry]:
        return self.items(BackStoryKind.CHALLENGE)

    @property
    def last_interaction(self) -> InteractionEntry | None:
        return self.interactions[-1] if self.interactions else None


def profile_of(contact: Contact) -> ContactProfile:
    return ContactProfile(
        **identity_of(contact),
        back_story=tuple(
            BackStoryEntry(
                kind=b.kind, text=b.text, source=b.source, noted_on=b.noted_on, phrase=b.phrase
            )
            for b in contact.back_story
        ),
        interactions=tuple(
            InteractionEntry(
                kind=i.kind.value,
                direction=i.direction.value,
                occurred_at=i.occurred_at,
                outcome=i.outcome,
                text=i.text,
            )
            for i in sorted(contact.interactions, key=lambda i: i.occurred_at)
        ),
        follow_ups=tuple(
            FollowUpEntry(title=f.title, due_at=f.due_at, done=f.done_at is not None)
            for f in contact.follow_ups
        ),
    )
