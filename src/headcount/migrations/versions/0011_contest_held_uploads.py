"""contest_held_uploads: files chosen on a refused contest form, held for the person (cases/held.py)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, headcount.store.types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "contest_held_uploads",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("notice_id", BIG_ID, nullable=False),
        _when("held_at"),
        _when("expires_at"),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_contest_held_uploads_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_held_uploads")),
    )
    with op.batch_alter_table("contest_held_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contest_held_uploads_notice_id"), ["notice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contest_held_uploads_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contest_held_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contest_held_uploads_expires_at"))
        batch_op.drop_index(batch_op.f("ix_contest_held_uploads_notice_id"))
    op.drop_table("contest_held_uploads")
