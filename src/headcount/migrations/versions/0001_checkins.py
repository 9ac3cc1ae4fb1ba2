"""check-ins: campaigns, recipients, deliveries, links, sessions, replies

Revision ID: 0001
Revises:
Create Date: 2026-11-22 08:21:13.973408
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("created_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("roster_source", sa.String(length=500), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "campaign_agencies",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "policy IN ('mandatory', 'voluntary', 'exempt')",
            name=op.f("ck_campaign_agencies_policy"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_agencies_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "agency", name=op.f("pk_campaign_agencies")),
    )
    op.create_table(
        "recipients",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("employee_id", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("work_email", sa.String(length=320), nullable=True),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_recipients_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")),
        sa.UniqueConstraint("campaign_id", "employee_id", name=op.f("uq_recipients_campaign_id")),
    )
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recipients_campaign_agency_org", ["campaign_id", "agency", "org_code"], unique=False
        )
        batch_op.create_index(
            "ix_recipients_campaign_email", ["campaign_id", "work_email"], unique=False
        )

    op.create_table(
        "checkin_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_checkin_sessions_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_checkin_sessions")),
    )
    with op.batch_alter_table("checkin_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_sessions_recipient_id"), ["recipient_id"], unique=False
        )

    op.create_table(
        "deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('invitation', 'reminder')", name=op.f("ck_deliveries_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_deliveries_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_recipient_kind", ["recipient_id", "kind"], unique=False
        )
        batch_op.create_index("ix_deliveries_status", ["status"], unique=False)

    op.create_table(
        "inbound_messages",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column(
            "recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("received_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_inbound_messages_recipient_id_recipients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbound_messages")),
    )
    op.create_table(
        "links",
        sa.Column("jti", sa.String(length=32), nullable=False),
        sa.Column(
            "recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("issued_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_links_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_links_recipient_id"), ["recipient_id"], unique=False)

    op.create_table(
        "replies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("submitted_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("source IN ('web', 'email')", name=op.f("ck_replies_source")),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_replies_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
        sa.UniqueConstraint("recipient_id", name=op.f("uq_replies_recipient_id")),
    )
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replies_submitted_at"), ["submitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replies_submitted_at"))

    op.drop_table("replies")
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_links_recipient_id"))

    op.drop_table("links")
    op.drop_table("inbound_messages")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_status")
        batch_op.drop_index("ix_deliveries_recipient_kind")

    op.drop_table("deliveries")
    with op.batch_alter_table("checkin_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_sessions_recipient_id"))

    op.drop_table("checkin_sessions")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_recipients_campaign_email")
        batch_op.drop_index("ix_recipients_campaign_agency_org")

    op.drop_table("recipients")
    op.drop_table("campaign_agencies")
    op.drop_table("campaigns")
