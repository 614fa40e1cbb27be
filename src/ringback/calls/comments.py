"""Comments on a call review (issue 16 §1): a manager coaching a rep writes it down on the
rep's review, the rep answers on their own. Who may comment is decided by
``ringback.accounts.scope``: the review must be visible to the author, and a manager may
comment on their team's (a rep only on their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringback.accounts.models import User
from ringback.accounts.scope import actor_of
from ringback.calls.models import CallReview, CallReviewComment

MAX_COMMENT = 5000


class CommentError(ValueError):
    """An empty or too long comment, or a review that is not there for this user."""


@dataclass(frozen=True)
class Comment:
    id: int
    author: str
    text: str
    created_at: datetime


def add_comment(session: Session, *, review_id: int, text: str) -> Comment:
    """A comment on review ``review_id`` by the session's user."""
    text = text.strip()
    if not text:
        raise CommentError("write something first")
    if len(text) > MAX_COMMENT:
        raise CommentError(f"a comment may have at most {MAX_COMMENT} characters")
    if session.get(CallReview, review_id) is None:
        raise CommentError(f"no call review {review_id}")
    actor = actor_of(session)
    row = CallReviewComment(review_id=review_id, author_id=actor.id if actor else None, text=text)
    session.add(row)
    session.flush()
    return Comment(row.id, actor.display_name if actor else "Ringback", text, row.created_at)


def list_comments(session: Session, *, review_id: int) -> list[Comment]:
    """The review's comments, oldest first, with their authors' names."""
    query = (
        select(CallReviewComment, User)
        .outerjoin(User, User.id == CallReviewComment.author_id)
        .where(CallReviewComment.review_id == review_id)
        .order_by(CallReviewComment.id)
    )
    return [
        Comment(c.id, (u.name or u.email) if u else "Ringback", c.text, c.created_at)
        for c, u in session.execute(query)
    ]
