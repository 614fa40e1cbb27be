"""Call reviews: an uploaded call recording's analysis, queued for the worker (issue 15).

Numbered 0011 on 0010 (main's newest); another 0011 may be written in parallel: re-chained on merge.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("original_path", sa.String(length=1000), nullable=False),
        sa.Column("original_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stage", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("result_path", sa.String(length=1000), nullable=False),
        sa.Column("created_at", ringback.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringback.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_call_reviews_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_call_reviews_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reviews")),
    )
    op.create_index("ix_call_reviews_owner_id", "call_reviews", ["owner_id"], unique=False)
    op.create_index("ix_call_reviews_status", "call_reviews", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_call_reviews_status", table_name="call_reviews")
    op.drop_index("ix_call_reviews_owner_id", table_name="call_reviews")
    op.drop_table("call_reviews")
