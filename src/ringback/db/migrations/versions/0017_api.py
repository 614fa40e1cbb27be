"""The REST API (issue 16 §3): ``updated_at`` on interactions and follow-ups so a CRM can
sync by ``updated_since`` (indexed, with contacts'), and the stored answers of creates
made under an ``Idempotency-Key``.

Follows 0014 (the outbound webhooks). The new columns stay nullable
in the schema: making them NOT NULL on SQLite would copy ``follow_ups``, and that drop
sets every link to a task to NULL (see 0012). Existing rows are filled in here and the
ORM sets them on every write.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-06 15:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db.base

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None

# table -> the column an existing row's updated_at is filled in from
FILLED_FROM = {"interactions": "occurred_at", "follow_ups": "created_at"}


def upgrade() -> None:
    for table, source in FILLED_FROM.items():
        op.add_column(
            table,
            sa.Column("updated_at", ringback.db.base.UTCDateTime(timezone=True), nullable=True),
        )
        op.execute(f"UPDATE {table} SET updated_at = {source}")
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"], unique=False)
    op.create_index("ix_contacts_updated_at", "contacts", ["updated_at"], unique=False)
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", ringback.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name="uq_api_idempotency_keys_user_key"),
    )
    op.create_index(
        "ix_api_idempotency_keys_created_at", "api_idempotency_keys", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_api_idempotency_keys_created_at", table_name="api_idempotency_keys")
    op.drop_table("api_idempotency_keys")
    op.drop_index("ix_contacts_updated_at", table_name="contacts")
    for table in FILLED_FROM:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
        # SQLite (3.35+) drops a column in place: no table copy to unlink the tasks.
        op.execute(f"ALTER TABLE {table} DROP COLUMN updated_at")
