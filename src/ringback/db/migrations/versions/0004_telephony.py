"""telephony: one row per provider recording (the RecordingSid idempotency record)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telephony_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("recording_sid", sa.String(length=64), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("account_sid", sa.String(length=64), nullable=True),
        sa.Column("recording_url", sa.String(length=1024), nullable=True),
        sa.Column("provider_status", sa.String(length=20), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("from_number", sa.String(length=40), nullable=True),
        sa.Column("to_number", sa.String(length=40), nullable=True),
        sa.Column("caller_name", sa.String(length=200), nullable=True),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.Column("intake", sa.Text(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "downloading",
                "ingested",
                "failed",
                "rejected",
                "absent",
                name="telephony_recording_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("voicemail_id", sa.Integer(), nullable=True),
        sa.Column("notice_key", sa.String(length=255), nullable=True),
        sa.Column("received_at", ringback.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringback.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["voicemail_id"],
            ["voicemails.id"],
            name=op.f("fk_telephony_recordings_voicemail_id_voicemails"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_recordings")),
        sa.UniqueConstraint("recording_sid", name=op.f("uq_telephony_recordings_recording_sid")),
    )
    with op.batch_alter_table("telephony_recordings", schema=None) as batch_op:
        batch_op.create_index("ix_telephony_recordings_status", ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_telephony_recordings_voicemail_id"), ["voicemail_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("telephony_recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telephony_recordings_voicemail_id"))
        batch_op.drop_index("ix_telephony_recordings_status")
    op.drop_table("telephony_recordings")
