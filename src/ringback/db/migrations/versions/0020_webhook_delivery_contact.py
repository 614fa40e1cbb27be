"""Which contact a webhook delivery's payload names (``webhook_deliveries.contact_id``),
so that deleting the contact erases what Ringback kept of what it sent about them.

Existing deliveries get the contact their payload names (``contact_id`` of a
``voicemail.processed``, ``contact.id`` of ``attempt.returned`` and ``call.reviewed``)
when that contact still exists.

SQLite rebuilds the table (batch mode) to add the foreign key: nothing references
``webhook_deliveries``, so dropping the old copy takes nothing else with it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 20:30:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _named_contact(payload: str) -> int | None:
    """The contact id a stored payload names, if any."""
    try:
        data: Any = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    found = data.get("contact_id")
    if found is None and isinstance(data.get("contact"), dict):
        found = data["contact"].get("id")
    return found if isinstance(found, int) else None


def _backfill() -> None:
    bind = op.get_bind()
    contacts = {int(i) for i in bind.execute(sa.text("SELECT id FROM contacts")).scalars()}
    rows = bind.execute(sa.text("SELECT id, payload FROM webhook_deliveries")).all()
    for delivery_id, payload in rows:
        contact = _named_contact(payload or "")
        if contact in contacts:
            bind.execute(
                sa.text("UPDATE webhook_deliveries SET contact_id = :c WHERE id = :d"),
                {"c": contact, "d": delivery_id},
            )


# Named as the models' naming convention names them (ringback.db.base).
FK = "fk_webhook_deliveries_contact_id_contacts"
INDEX = "ix_webhook_deliveries_contact_id"


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(FK, "contacts", ["contact_id"], ["id"], ondelete="SET NULL")
        batch.create_index(INDEX, ["contact_id"], unique=False)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_index(INDEX)
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("contact_id")
