"""check-in delivery tracking and printed codes: delivery states from SMTP and bounces,
each recipient's reach, letter codes for staff without email and the code page's throttle

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEW_STATES = (
    "status IN ('queued', 'sending', 'sent', 'deferred', 'bounced_hard', 'bounced_soft', "
    "'complained')"
)
OLD_STATES = "status IN ('pending', 'sent', 'failed')"


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, headcount.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_deliveries_status"), type_="check")
        batch_op.add_column(_when("bounced_at"))
    # A failure was retried by the next run: that is what `deferred` now says.
    op.execute("UPDATE deliveries SET status = 'queued' WHERE status = 'pending'")
    op.execute("UPDATE deliveries SET status = 'deferred' WHERE status = 'failed'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_deliveries_status"), NEW_STATES)
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reach", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE recipients SET reach = (SELECT d.status FROM deliveries d "
        "WHERE d.recipient_id = recipients.id ORDER BY d.id DESC LIMIT 1)"
    )
    op.create_table(
        "letter_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", BIG_ID, nullable=False),
        _when("issued_at", nullable=False),
        _when("expires_at", nullable=False),
        _when("used_at"),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_letter_codes_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_letter_codes")),
    )
    with op.batch_alter_table("letter_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letter_codes_recipient_id"), ["recipient_id"], unique=False
        )
    op.create_table(
        "code_attempts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        _when("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_attempts")),
    )
    with op.batch_alter_table("code_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_code_attempts_client_at", ["client", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("code_attempts")
    op.drop_table("letter_codes")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("reach")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_deliveries_status"), type_="check")
        batch_op.drop_column("bounced_at")
    op.execute("UPDATE deliveries SET status = 'pending' WHERE status IN ('queued', 'sending')")
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status NOT IN ('pending', 'sent')")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_deliveries_status"), OLD_STATES)
