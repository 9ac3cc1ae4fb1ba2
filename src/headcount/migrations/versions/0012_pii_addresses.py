"""pii_values may hold addresses: the addresses a finding's evidence names are protected like
SSNs and accounts, and withheld from the case's stored evidence (cases/withheld.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 17:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KINDS = "kind IN ('ssn', 'bank_account', 'address')"
OLD_KINDS = "kind IN ('ssn', 'bank_account')"


def upgrade() -> None:
    with op.batch_alter_table("pii_values", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_pii_values_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_pii_values_kind"), KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM pii_values WHERE kind = 'address'")
    with op.batch_alter_table("pii_values", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_pii_values_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_pii_values_kind"), OLD_KINDS)
