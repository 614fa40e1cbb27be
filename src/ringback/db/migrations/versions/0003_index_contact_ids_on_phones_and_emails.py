"""Index contact ids on phones and emails.

Loading a contact's phones and emails (every `show`, `prep` and merge during an import)
looked them up by contact id without an index; on PostgreSQL that was a sequential scan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_emails") as batch_op:
        batch_op.create_index("ix_contact_emails_contact_id", ["contact_id"], unique=False)
    with op.batch_alter_table("contact_phones") as batch_op:
        batch_op.create_index("ix_contact_phones_contact_id", ["contact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_phones") as batch_op:
        batch_op.drop_index("ix_contact_phones_contact_id")
    with op.batch_alter_table("contact_emails") as batch_op:
        batch_op.drop_index("ix_contact_emails_contact_id")
