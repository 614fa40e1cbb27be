"""A follow-up task may belong to no contact yet (issue 14 §3).

A hang-up from an unknown number makes a "Missed call from +1 …" task but no contact, and
a message whose caller only probably is someone on file keeps its callback task unattached
until the user merges or captures it.


Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _links() -> list[tuple[str, str, list[tuple[int, int]]]]:
    """Every (table, column, [(row id, task id)]) pointing at a task. SQLite changes a
    column by copying the table and dropping the old one, and with foreign keys on, that
    drop sets these links to NULL ("ON DELETE SET NULL"): they are put back after."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    out = []
    for name in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(name):
            if fk.get("referred_table") == "follow_ups" and len(fk["constrained_columns"]) == 1:
                col = fk["constrained_columns"][0]
                rows = bind.execute(
                    sa.text(f"SELECT id, {col} FROM {name} WHERE {col} IS NOT NULL")
                ).all()
                out.append((name, col, [(int(a), int(b)) for a, b in rows]))
    return out


def _alter(nullable: bool) -> None:
    bind = op.get_bind()
    links = _links() if bind.dialect.name == "sqlite" else []
    with op.batch_alter_table("follow_ups") as batch:
        batch.alter_column("contact_id", existing_type=sa.Integer(), nullable=nullable)
    for name, col, rows in links:
        for row_id, task_id in rows:
            bind.execute(
                sa.text(f"UPDATE {name} SET {col} = :task WHERE id = :id"),
                {"task": task_id, "id": row_id},
            )


def upgrade() -> None:
    _alter(nullable=True)


def downgrade() -> None:
    # Tasks on nobody cannot stay: they go before the column is required again.
    op.execute("DELETE FROM follow_ups WHERE contact_id IS NULL")
    _alter(nullable=False)
