"""Indexes that start with the owner (issue 16 §6): a manager's (or a rep's) return
statistics, and a rep's contacts changed since a time.

The statistics' indexes (0005) start with outcome and direction, so once the counts are
limited to a team's owners PostgreSQL read every voicemail's row from the table to check
its owner (1.4 s for a team of ten among 2 million interactions). Starting with
``owner_id`` each owner's voicemails are one index range, read without the table.

A rep's ``GET /api/v1/contacts?updated_since=`` read every contact in id order to find
their few recent ones; ``(owner_id, updated_at)`` finds them in one range.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 16:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OWNER_STATS = (
    "owner_id",
    "outcome",
    "direction",
    "hour",
    "variant",
    "score",
    "rule_bits",
    "return_seconds",
    "epoch",
)


def upgrade() -> None:
    op.create_index("ix_outreach_owner_stats", "outreach_events", list(OWNER_STATS))
    op.create_index("ix_contacts_owner_updated", "contacts", ["owner_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_contacts_owner_updated", table_name="contacts")
    op.drop_index("ix_outreach_owner_stats", table_name="outreach_events")
