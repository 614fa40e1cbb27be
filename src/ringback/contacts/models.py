"""Contacts, their back story, their interactions and the follow-up tasks they are owed."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringback.accounts import models as _accounts  # noqa: F401  (users: the owners)
from ringback.db.base import Base, Owned, UTCDateTime, string_enum, utcnow

_enum = string_enum


class BackStoryKind(enum.StrEnum):
    PERSONAL_GOAL = "personal_goal"
    PROFESSIONAL_GOAL = "professional_goal"
    FINANCIAL_GOAL = "financial_goal"
    CHALLENGE = "challenge"
    INTEREST = "interest"
    LIFE_EVENT = "life_event"


class InteractionKind(enum.StrEnum):
    CALL = "call"
    VOICEMAIL_LEFT = "voicemail_left"
    VOICEMAIL_RECEIVED = "voicemail_received"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NONE = "none"


class Contact(Owned, Base):
    __tablename__ = "contacts"
    # A rep's contacts changed since a time (the API's ``updated_since``, a CRM's sync).
    __table_args__ = (Index("ix_contacts_owner_updated", "owner_id", "updated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(200))
    is_lead: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    phones: Mapped[list[ContactPhone]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactPhone.id"
    )
    emails: Mapped[list[ContactEmail]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactEmail.id"
    )
    back_story: Mapped[list[BackStoryItem]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="BackStoryItem.id"
    )
    interactions: Mapped[list[Interaction]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Interaction.occurred_at"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="FollowUp.due_at"
    )


class _ContactDetail:
    """What a phone and an email of a contact both are: a labelled row of one contact's,
    gone with the contact."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    label: Mapped[str | None] = mapped_column(String(40))


class ContactPhone(_ContactDetail, Base):
    __tablename__ = "contact_phones"
    __owned_through__ = ("contact_id", "contacts")  # seen with its contact
    __table_args__ = (
        Index("ix_contact_phones_e164", "e164"),
        Index("ix_contact_phones_contact_id", "contact_id"),
    )

    e164: Mapped[str] = mapped_column(String(20))
    contact: Mapped[Contact] = relationship(back_populates="phones")


class ContactEmail(_ContactDetail, Base):
    __tablename__ = "contact_emails"
    __owned_through__ = ("contact_id", "contacts")
    __table_args__ = (
        Index("ix_contact_emails_address", "address"),
        Index("ix_contact_emails_contact_id", "contact_id"),
    )

    address: Mapped[str] = mapped_column(String(320))  # stored lower-cased
    contact: Mapped[Contact] = relationship(back_populates="emails")


class BackStoryItem(Base):
    __tablename__ = "back_story_items"
    __owned_through__ = ("contact_id", "contacts")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[BackStoryKind] = mapped_column(_enum(BackStoryKind, "back_story_kind"))
    text: Mapped[str] = mapped_column(Text)
    # What a message says for it, in the listener's terms ("grow production by 20% this
    # year"), accepted or written by the user; None: messages use the suggestion.
    phrase: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    noted_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contact: Mapped[Contact] = relationship(back_populates="back_story")


class Interaction(Owned, Base):
    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_contact_time", "contact_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[InteractionKind] = mapped_column(_enum(InteractionKind, "interaction_kind"))
    direction: Mapped[Direction] = mapped_column(
        _enum(Direction, "direction"), default=Direction.NONE
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    # For a CRM's sync (``updated_since`` in the API); NULL only in rows no migration saw.
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    contact: Mapped[Contact] = relationship(back_populates="interactions")


class FollowUp(Owned, Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: a task on nobody yet (a missed call from an unknown number, a caller who only
    # probably is a contact on file, until merged or captured).
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    # For a CRM's sync (``updated_since`` in the API); NULL only in rows no migration saw.
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    contact: Mapped[Contact | None] = relationship(back_populates="follow_ups")


class ContactShare(Base):
    """A contact worked by another user too (a company account two reps share): explicit,
    never accidental. The user sees and may edit the contact as if it were theirs."""

    __tablename__ = "contact_shares"
    # Only whoever may change the contact shares it (read freely: it decides visibility).
    __written_through__ = ("contact_id", "contacts")

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
