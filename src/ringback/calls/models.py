"""The call reviews asked for in the web app: one row per uploaded recording, from queued
to done, which the worker process updates as it goes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

# The tables this one points at, so the worker process (which imports only this) knows
# them too.
from ringback.accounts import models as _accounts  # noqa: F401
from ringback.contacts import models as _contacts  # noqa: F401
from ringback.db.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings


class CallReview(Base):
    __tablename__ = "call_reviews"
    __owned__ = True  # ringback.accounts.scope limits who sees it
    __table_args__ = (
        Index("ix_call_reviews_owner_id", "owner_id"),
        Index("ix_call_reviews_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True
    )
    original_name: Mapped[str] = mapped_column(String(255), default="")
    original_path: Mapped[str] = mapped_column(String(1000))
    original_sha256: Mapped[str] = mapped_column(String(64))
    # queued -> running -> done | failed (see calls.reviews.Status)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    result_path: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @staticmethod
    def forget_contact(session: Session, *, contact_id: int, name: str, settings: Settings) -> int:
        """What a review keeps of a contact being deleted: not their name (in its report
        files, here and in the store). :mod:`ringback.contacts.removal` calls this hook on
        every model whose rows stay, unlinked, when a contact goes; see
        :mod:`ringback.calls.forgetting`."""
        from ringback.calls.forgetting import forget_contact

        return forget_contact(session, contact_id=contact_id, name=name, settings=settings)


class CallReviewComment(Base):
    """A manager's (or the rep's own) comment on a call review: coaching, written down."""

    __tablename__ = "call_review_comments"
    __owned_through__ = ("review_id", "call_reviews")
    __parent_visible_is_enough__ = True  # a manager comments on their team's reviews

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("call_reviews.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
