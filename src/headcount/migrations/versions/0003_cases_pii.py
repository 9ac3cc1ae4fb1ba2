"""cases and PII: people, cases, notices, contests, exceptions, protected values; check-in
retention (campaigns.retention_days, replies.purged_at)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_settings",
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("contest_days", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=False),
        sa.CheckConstraint("contest_days >= 30", name=op.f("ck_agency_settings_contest_days")),
        sa.PrimaryKeyConstraint("agency", name=op.f("pk_agency_settings")),
    )
    op.create_table(
        "cases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("finding_id", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("amount_at_risk", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(length=64), nullable=True),
        sa.Column("verified_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verification_source", sa.String(length=500), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column(
            "notice_sent_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "contest_deadline", headcount.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("determined_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("determination_reason", sa.Text(), nullable=True),
        sa.Column("determined_by", sa.String(length=64), nullable=True),
        sa.Column("determined_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('confirmed', 'dismissed')",
            name=op.f("ck_cases_outcome"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'verified', 'notice_sent', 'contested', 'not_contested', 'determined', 'closed')",
            name=op.f("ck_cases_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("finding_id", name=op.f("uq_cases_finding_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_rule"), ["rule"], unique=False)
        batch_op.create_index("ix_cases_state", ["state"], unique=False)

    op.create_table(
        "people",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("employee_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("payee_status", sa.String(length=16), nullable=True),
        sa.Column("evidence_for", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("employee_id", name=op.f("uq_people_employee_id")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_agency"), ["agency"], unique=False)

    op.create_table(
        "pii_values",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=12), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('ssn', 'bank_account')", name=op.f("ck_pii_values_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pii_values")),
        sa.UniqueConstraint("subject", "kind", "token", name="uq_pii_values_subject_kind_token"),
    )
    with op.batch_alter_table("pii_values", schema=None) as batch_op:
        batch_op.create_index("ix_pii_values_key_id", ["key_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pii_values_subject"), ["subject"], unique=False)
        batch_op.create_index("ix_pii_values_token", ["token"], unique=False)

    op.create_table(
        "case_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_exceptions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_exceptions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_exceptions")),
    )
    with op.batch_alter_table("case_exceptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_exceptions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_payments",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payment_id", sa.String(length=64), nullable=False),
        sa.Column("at_risk", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_payments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "payment_id", name=op.f("pk_case_payments")),
    )
    op.create_table(
        "case_people",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_people_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_case_people_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "person_id", name=op.f("pk_case_people")),
    )
    with op.batch_alter_table("case_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_people_person_id"), ["person_id"], unique=False)

    op.create_table(
        "notices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sent_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_notices_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_notices_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("case_id", "person_id", name=op.f("uq_notices_case_id")),
    )
    op.create_table(
        "case_exception_approvals",
        sa.Column(
            "exception_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("approver", sa.String(length=64), nullable=False),
        sa.Column("approved_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["case_exceptions.id"],
            name=op.f("fk_case_exception_approvals_exception_id_case_exceptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "exception_id", "approver", name=op.f("pk_case_exception_approvals")
        ),
    )
    op.create_table(
        "contests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "notice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("submitted_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_contests_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contests")),
    )
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contests_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "contest_attachments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "contest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_contest_attachments_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_attachments")),
    )
    with op.batch_alter_table("contest_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contest_attachments_contest_id"), ["contest_id"], unique=False
        )

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))

    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purged_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_column("purged_at")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("retention_days")

    with op.batch_alter_table("contest_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contest_attachments_contest_id"))

    op.drop_table("contest_attachments")
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contests_notice_id"))

    op.drop_table("contests")
    op.drop_table("case_exception_approvals")
    op.drop_table("notices")
    with op.batch_alter_table("case_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_people_person_id"))

    op.drop_table("case_people")
    op.drop_table("case_payments")
    with op.batch_alter_table("case_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_exceptions_case_id"))

    op.drop_table("case_exceptions")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_case_id"))

    op.drop_table("case_events")
    with op.batch_alter_table("pii_values", schema=None) as batch_op:
        batch_op.drop_index("ix_pii_values_token")
        batch_op.drop_index(batch_op.f("ix_pii_values_subject"))
        batch_op.drop_index("ix_pii_values_key_id")

    op.drop_table("pii_values")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_agency"))

    op.drop_table("people")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_state")
        batch_op.drop_index(batch_op.f("ix_cases_rule"))

    op.drop_table("cases")
    op.drop_table("agency_settings")
