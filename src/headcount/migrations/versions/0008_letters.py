"""letters: every letter kept as sent, its delivery state; people's email and post choice;
notices' short link and recorded delivery; debts' notice delivery

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, headcount.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Columns are only added, and directly (ALTER TABLE ... ADD COLUMN, on SQLite too): a
    # batch that copied `people` or `notices` drops the old table, and SQLite's foreign keys
    # cascade that to every case's people and notices.
    op.add_column("people", sa.Column("email", sa.String(length=320), nullable=True))
    op.add_column(
        "people", sa.Column("by_post", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("notices", sa.Column("link", sa.String(length=300), nullable=True))
    op.add_column("notices", _when("delivered_at"))
    # Notices sent before delivery was recorded counted their period from sending: keep it.
    op.execute("UPDATE notices SET delivered_at = sent_at")
    op.add_column("debts", _when("notice_provided_at"))
    op.execute("UPDATE debts SET notice_provided_at = notice_sent_at")
    op.create_table(
        "letters",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("notice_id", BIG_ID, nullable=True),
        sa.Column("debt_id", BIG_ID, nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _when("state_at", nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=True),
        _when("sent_at"),
        _when("printed_at"),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("mailed_on", sa.Date(), nullable=True),
        _when("delivered_at"),
        _when("provided_at"),
        sa.Column("failure", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('notice', 'decision', 'debt_notice')", name=op.f("ck_letters_kind")
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'sent', 'delivered', 'bounced', 'printed', 'mailed')",
            name=op.f("ck_letters_state"),
        ),
        sa.CheckConstraint(
            "channel IS NULL OR channel IN ('email', 'post')", name=op.f("ck_letters_channel")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_letters_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_letters_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_letters_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"], ["debts.id"], name=op.f("fk_letters_debt_id_debts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
    )
    op.create_index("ix_letters_case_id", "letters", ["case_id"], unique=False)
    op.create_index("ix_letters_state", "letters", ["state"], unique=False)
    # Letters already sent before this revision stay where they are (notices and debts keep
    # their copies); only letters made from now on are delivered through this table.


def downgrade() -> None:
    op.drop_index("ix_letters_state", table_name="letters")
    op.drop_index("ix_letters_case_id", table_name="letters")
    op.drop_table("letters")
    # Directly, as upgrade() added them: a batch copy of these tables would cascade.
    op.drop_column("debts", "notice_provided_at")
    op.drop_column("notices", "delivered_at")
    op.drop_column("notices", "link")
    op.drop_column("people", "by_post")
    op.drop_column("people", "email")
