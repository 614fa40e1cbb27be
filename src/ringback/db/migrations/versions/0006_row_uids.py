"""A random uid on voicemails and follow-up steps, unique for all time.

Their emails' outbox keys and Message-IDs were built from database ids, which a new
database (a move to PostgreSQL, a restore, a reset) hands out again from 1 while the data
directory's outbox keeps its "already sent" markers: the new voicemail #1 was never
emailed. Existing rows get fresh random uids here.

SQLite cannot make an existing column NOT NULL without recreating the table, and
recreating ``voicemails`` with foreign keys on would cascade-delete every stage row. So on
SQLite the column is added NOT NULL with a constant '' default (what ALTER TABLE allows),
filled at once; the model always supplies a uid, and the unique index refuses a second ''.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("voicemails", "followup_steps")


def _add_uid(table: str) -> None:
    op.add_column(table, sa.Column("uid", sa.String(length=32), nullable=False, server_default=""))
    rows = sa.table(table, sa.column("id", sa.Integer()), sa.column("uid", sa.String()))
    bind = op.get_bind()
    ids = bind.execute(sa.select(rows.c.id)).scalars().all()
    for row_id in ids:  # one random uid each: no SQL expression is portable and random enough
        bind.execute(sa.update(rows).where(rows.c.id == row_id).values(uid=uuid.uuid4().hex))
    if bind.dialect.name != "sqlite":
        op.alter_column(table, "uid", server_default=None)
    op.create_index(f"ix_{table}_uid", table, ["uid"], unique=True)


def upgrade() -> None:
    for table in TABLES:
        _add_uid(table)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_uid", table_name=table)
        # A plain ALTER TABLE DROP COLUMN (SQLite 3.35+): a batch recreate would cascade.
        op.drop_column(table, "uid")
