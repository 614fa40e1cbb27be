"""A user's callback number (their profile): what their voicemails say and their follow-up
emails are signed with, so each rep of a team speaks as themselves. NULL: their personal
line's number, else RINGBACK_OWNER_PHONE, as before.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone")
