"""Back-story items keep the phrase a message says for them (issue 14 §4).

Numbered 0010 on 0008 while 0009 may be written elsewhere: re-chained on merge.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("back_story_items") as batch:
        batch.add_column(sa.Column("phrase", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("back_story_items") as batch:
        batch.drop_column("phrase")
