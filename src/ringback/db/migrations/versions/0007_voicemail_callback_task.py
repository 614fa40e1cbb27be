"""A voicemail links the callback task it created (``voicemails.callback_task_id``).

The task used to be found again by its title, which ends "(voicemail #ID)": text a user
may edit, and a LIKE on every lookup. Existing rows are linked here by that title match,
once (the lowest task id on the message's contact, as the lookup found); from now on the
code follows the link only.

SQLite cannot add a constraint to an existing table: the table is rebuilt (a copy with
the constraint, the old one dropped, the copy renamed). Dropping a parent table with
foreign keys on deletes its rows first, which would delete every stage row and unlink
every Twilio recording (the only two tables pointing at ``voicemails`` at this
revision), so both are kept aside and put back. A constraint written inline in ADD
COLUMN would be enforced but not read back by reflection: the schema would no longer
match the models.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FK = "fk_voicemails_callback_task_id_follow_ups"
INDEX = "ix_voicemails_callback_task_id"


CONSTRAINT = (
    f"CONSTRAINT {FK} FOREIGN KEY(callback_task_id) REFERENCES follow_ups (id) ON DELETE SET NULL"
)


def _rebuild_sqlite(edit: Callable[[str], str]) -> None:
    """Recreate ``voicemails`` on SQLite from its own CREATE statement changed by ``edit``,
    keeping every row and every row that points at one."""
    bind = op.get_bind()
    master = "SELECT sql FROM sqlite_master WHERE tbl_name = 'voicemails' AND type = :type"
    (create,) = bind.execute(sa.text(master), {"type": "table"}).scalars()
    indexes = [i for i in bind.execute(sa.text(master), {"type": "index"}).scalars() if i]
    op.execute("CREATE TEMP TABLE stages_0007 AS SELECT * FROM voicemail_stages")
    op.execute(
        "CREATE TEMP TABLE links_0007 AS SELECT id, voicemail_id FROM telephony_recordings"
        " WHERE voicemail_id IS NOT NULL"
    )
    op.execute(edit(create).replace("voicemails", "voicemails_0007", 1))
    op.execute("INSERT INTO voicemails_0007 SELECT * FROM voicemails")
    op.execute("DROP TABLE voicemails")  # deletes the stages, unlinks the recordings
    op.execute("ALTER TABLE voicemails_0007 RENAME TO voicemails")
    for index in indexes:
        op.execute(index)
    op.execute("INSERT INTO voicemail_stages SELECT * FROM stages_0007")
    op.execute(
        "UPDATE telephony_recordings SET voicemail_id ="
        " (SELECT l.voicemail_id FROM links_0007 l WHERE l.id = telephony_recordings.id)"
        " WHERE id IN (SELECT id FROM links_0007)"
    )
    op.execute("DROP TABLE stages_0007")
    op.execute("DROP TABLE links_0007")


def _add_column() -> None:
    op.add_column("voicemails", sa.Column("callback_task_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(lambda create: create.rstrip().removesuffix(")") + f", {CONSTRAINT})")
        return
    op.create_foreign_key(
        FK, "voicemails", "follow_ups", ["callback_task_id"], ["id"], ondelete="SET NULL"
    )


def _link_existing() -> None:
    """Each message's task as the title match found it: on the message's contact, the
    title ending "(voicemail #ID)", the lowest id of any such."""
    voicemails = sa.table(
        "voicemails",
        sa.column("id", sa.Integer()),
        sa.column("contact_id", sa.Integer()),
        sa.column("callback_task_id", sa.Integer()),
    )
    tasks = sa.table(
        "follow_ups",
        sa.column("id", sa.Integer()),
        sa.column("contact_id", sa.Integer()),
        sa.column("title", sa.String()),
    )
    title = sa.literal("%(voicemail #") + sa.cast(voicemails.c.id, sa.String()) + sa.literal(")")
    task = (
        sa.select(sa.func.min(tasks.c.id))
        .where(tasks.c.contact_id == voicemails.c.contact_id, tasks.c.title.like(title))
        .scalar_subquery()
    )
    op.get_bind().execute(
        sa.update(voicemails)
        .where(voicemails.c.contact_id.is_not(None))
        .values(callback_task_id=task)
    )


def upgrade() -> None:
    _add_column()
    op.create_index(INDEX, "voicemails", ["callback_task_id"], unique=False)
    _link_existing()


def downgrade() -> None:
    op.drop_index(INDEX, table_name="voicemails")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(lambda create: create.replace(f", {CONSTRAINT}", ""))
    else:
        op.drop_constraint(FK, "voicemails", type_="foreignkey")
    # A plain ALTER TABLE DROP COLUMN (SQLite 3.35+): a batch recreate would cascade.
    op.drop_column("voicemails", "callback_task_id")
