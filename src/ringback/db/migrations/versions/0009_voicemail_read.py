"""A voicemail's read time: the web inbox lists unread messages first (issue 15 §3).

"Read" (opened once) is not "done" (``handled_at``: captured or marked done), so it is a
column of its own. Messages already handled count as read. The index lets the inbox sort
its page without reading whole rows (each holds its transcript's words).

Numbered 0009 on 0008 while other migrations are written elsewhere: re-chained on merge.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable): no batch recreate, which on SQLite would cascade-delete
    # every stage row of the table it copies.
    op.add_column(
        "voicemails",
        sa.Column("read_at", ringback.db.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_voicemails_inbox", "voicemails", ["read_at", "received_at", "id"])
    voicemails = sa.table(
        "voicemails", sa.column("read_at", sa.DateTime()), sa.column("handled_at", sa.DateTime())
    )
    op.execute(
        voicemails.update()
        .where(voicemails.c.handled_at.is_not(None))
        .values(read_at=voicemails.c.handled_at)
    )


def downgrade() -> None:
    op.drop_index("ix_voicemails_inbox", table_name="voicemails")
    op.drop_column("voicemails", "read_at")
