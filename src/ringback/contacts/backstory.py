"""A contact's back story as their page shows and edits it: grouped by kind, each item
with the phrase messages will say for it (the user's, else the suggestion), editable in
place. Nothing here commits; the caller's transaction does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from ringback.contacts.fields import blank_to_none
from ringback.contacts.models import BackStoryItem, BackStoryKind
from ringback.contacts.phrasing import phrase_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_TEXT = 2000
KIND_LABELS = {
    BackStoryKind.PERSONAL_GOAL: "Personal goals",
    BackStoryKind.PROFESSIONAL_GOAL: "Professional goals",
    BackStoryKind.FINANCIAL_GOAL: "Financial goals",
    BackStoryKind.CHALLENGE: "Challenges",
    BackStoryKind.INTEREST: "Interests",
    BackStoryKind.LIFE_EVENT: "Life events",
}


class StoryItemNotFound(LookupError):
    """No such back-story item on this contact."""


@dataclass(frozen=True)
class StoryLine:
    """One back-story item: the note, and what messages will say for it."""

    id: int
    kind: str
    text: str
    phrase: str  # what messages say: the user's phrase, else the suggestion
    phrase_is_own: bool  # the user wrote or accepted it
    source: str | None


@dataclass(frozen=True)
class StoryGroup:
    """The items of one kind (every kind is listed, empty or not)."""

    kind: str
    label: str
    items: tuple[StoryLine, ...]


def kind_choices() -> tuple[tuple[str, str], ...]:
    """(value, label) for each kind, in the order the page lists them."""
    return tuple((kind.value, label) for kind, label in KIND_LABELS.items())


def _line(item: BackStoryItem) -> StoryLine:
    said = phrase_of(item.text, item.kind.value, item.phrase)
    return StoryLine(
        id=item.id,
        kind=item.kind.value,
        text=item.text,
        phrase=item.phrase or said.text,
        phrase_is_own=bool(item.phrase),
        source=item.source,
    )


def story_groups(session: Session, *, contact_id: int) -> tuple[StoryGroup, ...]:
    """The contact's back story by kind, oldest item first within a kind: one query."""
    rows = session.scalars(
        select(BackStoryItem)
        .where(BackStoryItem.contact_id == contact_id)
        .order_by(BackStoryItem.id)
    ).all()
    return tuple(
        StoryGroup(kind.value, label, tuple(_line(r) for r in rows if r.kind == kind))
        for kind, label in KIND_LABELS.items()
    )


def _checked(text: str, phrase: str | None) -> tuple[str, str | None]:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValueError("the back-story note is empty: write what you learned")
    if len(cleaned) > MAX_TEXT or len(phrase or "") > MAX_TEXT:
        raise ValueError(f"keep a back-story note under {MAX_TEXT:,} characters")
    return cleaned, blank_to_none(" ".join((phrase or "").split()))


def add_story_item(
    session: Session, *, contact_id: int, kind: str, text: str, phrase: str | None = None
) -> StoryLine:
    """Add an item to the contact's back story (ValueError saying what is wrong)."""
    from ringback.contacts.editing import add_back_story
    from ringback.contacts.service import contact_by_id

    try:
        chosen = BackStoryKind(kind)
    except ValueError:
        raise ValueError("choose what kind of note it is (a goal, challenge, …)") from None
    cleaned, said = _checked(text, phrase)
    contact = contact_by_id(session, contact_id)
    return _line(add_back_story(session, contact=contact, kind=chosen, text=cleaned, phrase=said))


def edit_story_item(
    session: Session,
    *,
    contact_id: int,
    item_id: int,
    text: str,
    phrase: str | None,
    kind: str | None = None,
) -> StoryLine:
    """Change an item's note, its phrase (blank: back to the suggestion) and its kind.
    StoryItemNotFound when the item is not this contact's; ValueError on bad input."""
    item = session.get(BackStoryItem, item_id)
    if item is None or item.contact_id != contact_id:
        raise StoryItemNotFound(f"no back-story item {item_id} on this contact")
    cleaned, said = _checked(text, phrase)
    if kind:
        try:
            item.kind = BackStoryKind(kind)
        except ValueError:
            raise ValueError("choose what kind of note it is (a goal, challenge, …)") from None
    item.text = cleaned
    item.phrase = said
    session.flush()
    return _line(item)
