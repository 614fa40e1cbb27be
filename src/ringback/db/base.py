"""Declarative base and column types shared by every domain's models."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Enum, ForeignKey, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names so that Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


V = TypeVar("V")


def view_of(view: type[V], row: object, **given: Any) -> V:
    """A frozen record ``view`` of an ORM ``row``: each field read from the row's column of
    the same name (an enum as its value), unless ``given`` names it."""
    values = dict(given)
    for f in dataclasses.fields(view):  # type: ignore[arg-type]
        if f.name not in values:
            value = getattr(row, f.name)
            values[f.name] = value.value if isinstance(value, enum.Enum) else value
    return view(**values)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Owned:
    """A row with an owning user (issue 16): ``owner_id`` points at ``users``, indexed.

    NULL means "the first owner's": a database used without any account (the CLI alone)
    keeps working, and when the first owner is created every NULL becomes theirs
    (``ringback.accounts.service.add_user``). What a session may see of an owned row is
    decided in one place, ``ringback.accounts.scope``, from the ``__owned__`` marker.
    """

    __owned__ = True

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC.

    SQLite has no timezone type and hands back naive values; this type makes
    every value read back aware and in UTC on both backends, and refuses naive
    input so that a local time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; attach a timezone before storing")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uid() -> str:
    """A random id, unique for all time (uuid4 hex, 32 characters).

    Database ids start again at 1 in a new database (a move to PostgreSQL, a restore, a
    reset) while the data directory, and the outbox's "already sent" markers in it, stay:
    anything that must never be mistaken for another row's work is keyed on this instead.
    """
    return uuid.uuid4().hex


def string_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enum column stored as VARCHAR + CHECK on every backend: portable, and adding a
    value needs no ALTER TYPE on PostgreSQL."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
