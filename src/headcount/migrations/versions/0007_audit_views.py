"""audit_views: page views summarised per user, record and day (audit/views.py)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_views",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("first_at", headcount.store.types.UTCDateTime(), nullable=False),
        sa.Column("last_at", headcount.store.types.UTCDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_views")),
        sa.UniqueConstraint(
            "actor",
            "action",
            "target_type",
            "target_id",
            "day",
            name=op.f("uq_audit_views_actor"),
        ),
    )
    op.create_index("ix_audit_views_day", "audit_views", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_views_day", table_name="audit_views")
    op.drop_table("audit_views")
