"""The phrase messages say for a back-story item: suggested from the note, accepted or
written by the user (issue 14 §4). Like :mod:`ringback.contacts.service`, nothing here
commits; the caller's transaction does."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ringback.contacts.models import BackStoryItem
from ringback.contacts.phrasing import Phrase, phrase_of, suggest_phrase


def suggested_phrase(item: BackStoryItem) -> Phrase:
    """What messages say for ``item``: its accepted phrase, else the one suggested from the
    note (a "quote" form when no phrase fits)."""
    return phrase_of(item.text, item.kind.value, item.phrase)


def set_story_phrase(session: Session, *, item_id: int, phrase: str | None = None) -> BackStoryItem:
    """Keep the phrase messages say for a back-story item: the user's own ``phrase``, or
    (None) the suggestion as it stands now. ValueError when there is no such item."""
    item = session.get(BackStoryItem, item_id)
    if item is None:
        raise ValueError(f"no back-story item with id {item_id}")
    if phrase is not None and not phrase.strip():
        raise ValueError("the phrase is empty")
    item.phrase = (
        " ".join(phrase.split()) if phrase else suggest_phrase(item.text, item.kind.value).text
    )
    session.flush()
    return item
