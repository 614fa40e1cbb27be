"""Teams, roles and ownership (issue 16 §1-2): every contact, interaction, task, voicemail,
recording, outreach event and sequence gets an owning user; teams, phone lines, shared
contacts and call review comments are new tables.

Existing rows become the first owner's. A database with no user yet keeps NULL, which
means "the first owner's" (``ringback.db.base.Owned``) until that owner is created.

SQLite adds the column in place (``ALTER TABLE ... ADD COLUMN ... REFERENCES``), not by
copying the table: a copy would drop the old one, and with foreign keys on that deletes
every phone, email and story item of every contact.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

OWNED = (
    "contacts",
    "interactions",
    "follow_ups",
    "outreach_events",
    "followup_sequences",
    "voicemails",
    "telephony_recordings",
)


def _sqlite_add_reference(table: str, column: str, target: str, ondelete: str, name: str) -> None:
    """Add the column in place, then write its foreign key into the table's definition as
    a table constraint: the same constraint SQLite would enforce for an inline
    ``REFERENCES``, in the form SQLAlchemy reads back with its name and ON DELETE (SQLite's
    documented way to change constraints without copying the table)."""
    op.get_bind().exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER")
    head, _, tail = _sqlite_definition(table).rpartition(")")
    constraint = (
        f", \n\tCONSTRAINT {name} FOREIGN KEY({column}) REFERENCES {target} (id) "
        f"ON DELETE {ondelete}\n"
    )
    _sqlite_redefine(table, head.rstrip() + constraint + ")" + tail)


def _sqlite_definition(table: str) -> str:
    return str(
        op.get_bind()
        .exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        .scalar_one()
    )


def _sqlite_redefine(table: str, sql: str) -> None:
    bind = op.get_bind()
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _add_reference(table: str, column: str, target: str, ondelete: str) -> None:
    """A nullable integer column ``column`` referencing ``target.id``, and its index."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_add_reference(table, column, target, ondelete, name)
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"], ondelete=ondelete)
    op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def _drop_reference(table: str, column: str) -> None:
    op.drop_index(f"ix_{table}_{column}", table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        sql = _sqlite_definition(table)
        start = sql.index(f", \n\tCONSTRAINT fk_{table}_{column}_")
        _sqlite_redefine(table, sql[:start] + sql[sql.index("\n", start + 4) :])
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def _new_tables() -> None:
    when = ringback.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "phone_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_phone_lines_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_lines")),
        sa.UniqueConstraint("number", name=op.f("uq_phone_lines_number")),
    )
    op.create_index("ix_phone_lines_user_id", "phone_lines", ["user_id"], unique=False)
    op.create_table(
        "contact_shares",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_shares_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contact_shares_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "user_id", name=op.f("pk_contact_shares")),
    )
    op.create_index("ix_contact_shares_user_id", "contact_shares", ["user_id"], unique=False)
    op.create_table(
        "call_review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["call_reviews.id"],
            name=op.f("fk_call_review_comments_review_id_call_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_call_review_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_review_comments")),
    )
    op.create_index(
        "ix_call_review_comments_review_id", "call_review_comments", ["review_id"], unique=False
    )


def upgrade() -> None:
    _new_tables()
    _add_reference("users", "team_id", "teams", "SET NULL")
    for table in OWNED:
        _add_reference(table, "owner_id", "users", "SET NULL")
    bind = op.get_bind()
    first = bind.execute(
        sa.text("SELECT min(id) FROM users WHERE role = 'owner' AND NOT disabled")
    ).scalar()
    if first is not None:
        for table in OWNED:
            bind.execute(
                sa.text(f"UPDATE {table} SET owner_id = :owner WHERE owner_id IS NULL"),
                {"owner": int(first)},
            )


def downgrade() -> None:
    for table in OWNED:
        _drop_reference(table, "owner_id")
    _drop_reference("users", "team_id")
    op.drop_index("ix_call_review_comments_review_id", table_name="call_review_comments")
    op.drop_table("call_review_comments")
    op.drop_index("ix_contact_shares_user_id", table_name="contact_shares")
    op.drop_table("contact_shares")
    op.drop_index("ix_phone_lines_user_id", table_name="phone_lines")
    op.drop_table("phone_lines")
    op.drop_table("teams")
