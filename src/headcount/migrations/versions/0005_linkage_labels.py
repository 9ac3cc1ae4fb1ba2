"""identity resolution's review queue and analysts' labels (linkage_review_pairs,
linkage_labels)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkage_review_pairs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("employee_id_a", sa.String(length=64), nullable=False),
        sa.Column("employee_id_b", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.Column("agrees", sa.Text(), nullable=False),
        sa.Column("comparisons", sa.Text(), nullable=False),
        sa.Column("prior_weight", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("queued_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_review_pairs")),
        sa.UniqueConstraint(
            "employee_id_a", "employee_id_b",
            name=op.f("uq_linkage_review_pairs_employee_id_a"),
        ),
    )  # fmt: skip
    op.create_table(
        "linkage_labels",
        sa.Column("employee_id_a", sa.String(length=64), nullable=False),
        sa.Column("employee_id_b", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("analyst", sa.String(length=64), nullable=False),
        sa.Column("decided_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "decision IN ('match', 'non_match', 'unsure')", name=op.f("ck_linkage_labels_decision")
        ),
        sa.PrimaryKeyConstraint("employee_id_a", "employee_id_b", name=op.f("pk_linkage_labels")),
    )


def downgrade() -> None:
    op.drop_table("linkage_labels")
    op.drop_table("linkage_review_pairs")
